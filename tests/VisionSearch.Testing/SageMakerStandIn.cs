using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using VisionSearch.Embeddings.Clip;

namespace VisionSearch.Testing;

/// <summary>
/// SageMaker Runtime on loopback: <c>POST /endpoints/{name}/invocations</c> as the AWS API and the Hugging
/// Face container answer it. Every request's SigV4 signature is checked with AWSSDK.Core's own
/// <c>AWS4Signer.ComputeSignature</c> (403 InvalidSignatureException otherwise); an unknown endpoint is a 400
/// ValidationError; a body over 6 MiB is refused. Requests in model/code/inference.py's forms are embedded
/// with a real CLIP model (the clip-tiny fixture), so answers equal the local embedder's; an undecodable
/// image is a 424 ModelError whose OriginalMessage carries the script's message. Tests can queue answers
/// (bursts of 503/429, a replayed example), delay answers, and switch to the original's tuple-wrapped output.
/// </summary>
public sealed class SageMakerStandIn : IAsyncDisposable
{
    public const string AccessKey = "AKIDSTANDIN";
    public const string SecretKey = "stand-in/secret+key";
    public const string SessionToken = "stand-in-session-token";
    public const string Region = "us-east-1";
    private const int PayloadLimit = 6 * 1024 * 1024;

    private readonly WebApplication _app;
    private readonly ClipEmbedder _model;
    private readonly ConcurrentQueue<Answer> _queued = new();
    private long _delayTicks;

    private SageMakerStandIn(WebApplication app, ClipEmbedder model, string endpoint)
    {
        _app = app;
        _model = model;
        Endpoint = endpoint;
    }

    /// <summary>The runtime's base URL (<c>SageMakerOptions.ServiceUrl</c>).</summary>
    public Uri ServiceUrl { get; private set; } = null!;

    /// <summary>The one endpoint that exists.</summary>
    public string Endpoint { get; }

    /// <summary>Answer as the Python original's script does: <c>["[[…]]", "application/json"]</c>.</summary>
    public bool TupleOutput { get; set; }

    /// <summary>Queued answers (<see cref="FailNext"/>, <see cref="AnswerNext"/>) not given yet.</summary>
    public int Pending => _queued.Count;

    /// <summary>Signed requests seen, in order.</summary>
    public ConcurrentQueue<Invocation> Invocations { get; } = new();

    public static async Task<SageMakerStandIn> StartAsync(ClipEmbedder model, string endpoint = "visionsearch-clip")
    {
        var builder = LoopbackServer.CreateBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 2L * PayloadLimit);
        var app = builder.Build();
        var standIn = new SageMakerStandIn(app, model, endpoint);
        app.MapPost("/endpoints/{name}/invocations", standIn.InvokeAsync);
        standIn.ServiceUrl = await LoopbackServer.StartAsync(app);
        return standIn;
    }

    /// <summary>The next <paramref name="count"/> invocations answer <paramref name="status"/> with AWS's error for it (503 ServiceUnavailable, 429 ThrottlingException, 500 InternalFailure…).</summary>
    public void FailNext(int count, int status)
    {
        var code = status switch
        {
            429 => "ThrottlingException",
            500 => "InternalFailure",
            503 => "ServiceUnavailable",
            _ => "InternalFailure",
        };
        for (var i = 0; i < count; i++)
        {
            _queued.Enqueue(new Answer(status, JsonSerializer.Serialize(new { message = $"Stand-in {code}." }), new() { ["x-amzn-ErrorType"] = code }));
        }
    }

    /// <summary>The next invocation answers exactly this (a response from model/examples).</summary>
    public void AnswerNext(int status, string body, Dictionary<string, string> headers) => _queued.Enqueue(new Answer(status, body, headers));

    /// <summary>Answers wait this long before being sent (0 to stop).</summary>
    public void Delay(TimeSpan delay) => Interlocked.Exchange(ref _delayTicks, delay.Ticks);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task InvokeAsync(HttpContext context, string name)
    {
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var bytes = body.ToArray();
        if (SigV4Verifier.Verify(context.Request, bytes, "sagemaker", Region, AccessKey, SecretKey, SessionToken) is { } refusal)
        {
            await WriteAsync(context, new Answer(403, JsonSerializer.Serialize(new { message = refusal }), new() { ["x-amzn-ErrorType"] = "InvalidSignatureException" }));
            return;
        }

        var contentType = context.Request.ContentType ?? "";
        var items = CountItems(contentType, bytes);
        Invocations.Enqueue(new Invocation(name, contentType, bytes.Length, items));
        if (Interlocked.Read(ref _delayTicks) is > 0 and var ticks)
        {
            await Task.Delay(TimeSpan.FromTicks(ticks), context.RequestAborted);
        }

        var answer = _queued.TryDequeue(out var queued) ? queued
            : name != Endpoint ? Validation($"Endpoint {name} of account 123456789012 not found.")
            : bytes.Length > PayloadLimit ? Validation($"Request payload size {bytes.Length} exceeds the limit of {PayloadLimit} bytes.")
            : await EmbedAsync(contentType, bytes);
        await WriteAsync(context, answer);
    }

    /// <summary>What model/code/inference.py does with the request, with the fixture model in CLIP's place.</summary>
    private async Task<Answer> EmbedAsync(string contentType, byte[] body)
    {
        float[][] vectors;
        try
        {
            if (contentType.StartsWith("image/", StringComparison.Ordinal) || contentType == "application/x-image")
            {
                vectors = await EmbedImagesAsync([body], "body");
            }
            else
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("inputs", out var inputs))
                {
                    vectors = await _model.EmbedTextsAsync(inputs.ValueKind == JsonValueKind.String ? [inputs.GetString()!] : [.. inputs.EnumerateArray().Select(t => t.GetString()!)]);
                }
                else if (json.RootElement.TryGetProperty("images", out var images))
                {
                    vectors = await EmbedImagesAsync([.. images.EnumerateArray().Select(i => Convert.FromBase64String(i.GetString()!))], "images");
                }
                else
                {
                    return ModelError("Expected {\"inputs\": text | [texts]} or {\"images\": [base64, ...]}.");
                }
            }
        }
        catch (ModelFailure e)
        {
            return ModelError(e.Message);
        }

        var list = JsonSerializer.Serialize(vectors);
        return new Answer(200, TupleOutput ? JsonSerializer.Serialize(new[] { list, "application/json" }) : list, []);
    }

    private async Task<float[][]> EmbedImagesAsync(byte[][] images, string field)
    {
        for (var i = 0; i < images.Length; i++)
        {
            try
            {
                await _model.EmbedImagesAsync([images[i]]);
            }
            catch (InvalidDataException)
            {
                var name = field == "body" ? "body" : $"images[{i}]";
                throw new ModelFailure($"{name} is not an image ({images[i].Length} bytes).");
            }
        }

        return await _model.EmbedImagesAsync([.. images.Select(i => new ReadOnlyMemory<byte>(i))]);
    }

    private static int CountItems(string contentType, byte[] body)
    {
        if (!contentType.StartsWith("application/json", StringComparison.Ordinal))
        {
            return 1;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.Array ? p.Value.GetArrayLength() : 1).FirstOrDefault();
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    private static Answer Validation(string message) =>
        new(400, JsonSerializer.Serialize(new { message }), new() { ["x-amzn-ErrorType"] = "ValidationError" });

    /// <summary>The container's 400 for a script exception, as SageMaker wraps it (model/examples/error-*.json).</summary>
    private static Answer ModelError(string message)
    {
        var original = JsonSerializer.Serialize(new { code = 400, type = "InternalServerException", message }) + "\n";
        var body = JsonSerializer.Serialize(new
        {
            ErrorCode = "CLIENT_ERROR_FROM_MODEL",
            LogStreamArn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/stand-in",
            Message = $"Received client error (400) from primary with message \"{original}\".",
            OriginalMessage = original,
            OriginalStatusCode = 400,
        });
        return new Answer(424, body, new() { ["x-amzn-ErrorType"] = "ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/" });
    }

    private static async Task WriteAsync(HttpContext context, Answer answer)
    {
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        foreach (var (name, value) in answer.Headers)
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync(answer.Body);
    }

    /// <summary>One signed invocation: the endpoint, content type, body size and item count.</summary>
    public sealed record Invocation(string Endpoint, string ContentType, int Bytes, int Items);

    private sealed record Answer(int Status, string Body, Dictionary<string, string> Headers);

    private sealed class ModelFailure(string message) : Exception(message);
}
