using System.Collections.Concurrent;
using System.Net;
using System.Text;
using VisionSearch.LocalServers;

namespace VisionSearch.AppHost.Tests;

/// <summary>
/// An OTLP/HTTP collector on loopback that keeps what it receives per signal (<c>/v1/traces</c>, <c>/v1/metrics</c>,
/// <c>/v1/logs</c>). Bodies are protobuf; the tests look for the strings inside them (service names, span names).
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, StringBuilder> _received = new();
    private readonly Task _serving;

    public OtlpReceiver()
    {
        Endpoint = $"http://127.0.0.1:{FreePort.Next()}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>What OTEL_EXPORTER_OTLP_ENDPOINT should say (with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf).</summary>
    public string Endpoint { get; }

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

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var text = _received.GetOrAdd(context.Request.Url!.AbsolutePath, _ => new StringBuilder());
            lock (text)
            {
                text.Append(Encoding.Latin1.GetString(body.ToArray()));
            }

            // An empty Export*ServiceResponse: everything accepted.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.GetAwaiter().GetResult();
    }
}
