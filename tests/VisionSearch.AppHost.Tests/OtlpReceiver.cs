using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using VisionSearch.Testing;

namespace VisionSearch.AppHost.Tests;

/// <summary>
/// An OTLP/HTTP collector on loopback that keeps what it receives per signal (<c>/v1/traces</c>, <c>/v1/metrics</c>,
/// <c>/v1/logs</c>). Bodies are protobuf; the tests look for the strings inside them (service names, span names).
/// A stand-in like the others: Kestrel on port 0.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, StringBuilder> _received = new();
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>What OTEL_EXPORTER_OTLP_ENDPOINT should say (with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf).</summary>
    public string Endpoint { get; private set; } = "";

    public static async Task<OtlpReceiver> StartAsync()
    {
        var app = LoopbackServer.CreateBuilder().Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", receiver.ReceiveAsync);
        receiver.Endpoint = (await LoopbackServer.StartAsync(app)).ToString().TrimEnd('/');
        return receiver;
    }

    /// <summary>Everything received on <paramref name="path"/>, as Latin-1 text so that protobuf strings show.</summary>
    public string Received(string path)
    {
        if (!_received.TryGetValue(path, out var text))
        {
            return "";
        }

        lock (text)
        {
            return text.ToString();
        }
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task ReceiveAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var text = _received.GetOrAdd(context.Request.Path, _ => new StringBuilder());
        lock (text)
        {
            text.Append(Encoding.Latin1.GetString(body.ToArray()));
        }

        // An empty Export*ServiceResponse: everything accepted.
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-protobuf";
    }
}
