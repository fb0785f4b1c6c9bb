using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace VisionSearch.Testing;

/// <summary>
/// SageMaker's control plane on loopback, in its awsJson1_1 protocol: <c>POST /</c> with
/// <c>X-Amz-Target: SageMaker.{Operation}</c>, every signature checked (<see cref="SigV4Verifier"/>), bodies
/// checked for the fields AWS requires, and AWS's error model replayed (<c>{"__type": "…#ValidationException"}</c>
/// for a missing or duplicate resource, ThrottlingException on demand). An endpoint goes Creating (or
/// Updating) → InService after <see cref="ChecksToInService"/> DescribeEndpoint calls, or → Failed when its
/// config's instance type is <see cref="FailingInstanceType"/> (an update that fails rolls back: InService on
/// the old config, with a FailureReason).
/// </summary>
public sealed class SageMakerControlPlaneStandIn : IAsyncDisposable
{
    /// <summary>An instance type whose endpoints fail to start, as an exhausted capacity would.</summary>
    public const string FailingInstanceType = "ml.fail.xlarge";

    private readonly WebApplication _app;
    private readonly string _accessKey;
    private readonly string _secretKey;
    private readonly string _region;
    private readonly string? _sessionToken;
    private readonly ConcurrentDictionary<string, JsonObject> _models = new();
    private readonly ConcurrentDictionary<string, JsonObject> _configs = new();
    private readonly ConcurrentDictionary<string, Endpoint> _endpoints = new();
    private int _throttle;

    private SageMakerControlPlaneStandIn(WebApplication app, string accessKey, string secretKey, string region, string? sessionToken)
    {
        _sessionToken = sessionToken;
        _app = app;
        _accessKey = accessKey;
        _secretKey = secretKey;
        _region = region;
    }

    public Uri ServiceUrl { get; private set; } = null!;

    /// <summary>DescribeEndpoint calls a starting endpoint answers Creating/Updating before it is InService.</summary>
    public int ChecksToInService { get; set; } = 2;

    /// <summary>Operations called, in order, with the bodies they were sent.</summary>
    public ConcurrentQueue<(string Operation, JsonObject Body)> Calls { get; } = new();

    /// <param name="sessionToken">The token signed requests must carry, for temporary credentials; null for none.</param>
    public static async Task<SageMakerControlPlaneStandIn> StartAsync(string accessKey, string secretKey, string region, string? sessionToken = null)
    {
        var app = LoopbackServer.CreateBuilder().Build();
        var standIn = new SageMakerControlPlaneStandIn(app, accessKey, secretKey, region, sessionToken);
        app.MapPost("/", standIn.HandleAsync);
        standIn.ServiceUrl = await LoopbackServer.StartAsync(app);
        return standIn;
    }

    /// <summary>The next <paramref name="count"/> calls are throttled (400 ThrottlingException, "Rate exceeded").</summary>
    public void ThrottleNext(int count) => Volatile.Write(ref _throttle, count);

    public IReadOnlyCollection<string> Models => [.. _models.Keys];

    public IReadOnlyCollection<string> EndpointConfigs => [.. _configs.Keys];

    public IReadOnlyCollection<string> Endpoints => [.. _endpoints.Keys];

    /// <summary>The model a created model's container was given.</summary>
    public JsonObject Model(string name) => _models[name];

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var stream = new MemoryStream();
        await context.Request.Body.CopyToAsync(stream);
        var bytes = stream.ToArray();
        if (SigV4Verifier.Verify(context.Request, bytes, "sagemaker", _region, _accessKey, _secretKey, _sessionToken) is { } refusal)
        {
            await ErrorAsync(context, 403, "InvalidSignatureException", refusal);
            return;
        }

        var target = context.Request.Headers["X-Amz-Target"].ToString();
        if (context.Request.ContentType != "application/x-amz-json-1.1" || !target.StartsWith("SageMaker.", StringComparison.Ordinal))
        {
            await ErrorAsync(context, 400, "UnknownOperationException", $"Content-Type {context.Request.ContentType}, target {target}.");
            return;
        }

        var operation = target["SageMaker.".Length..];
        var body = JsonNode.Parse(bytes)?.AsObject() ?? [];
        Calls.Enqueue((operation, body));
        if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            await ErrorAsync(context, 400, "ThrottlingException", "Rate exceeded");
            return;
        }

        try
        {
            var answer = Handle(operation, body);
            context.Response.ContentType = "application/x-amz-json-1.1";
            await context.Response.WriteAsync(answer.ToJsonString());
        }
        catch (Refusal e)
        {
            await ErrorAsync(context, 400, e.Code, e.Message);
        }
    }

    private JsonObject Handle(string operation, JsonObject body)
    {
        switch (operation)
        {
            case "CreateModel":
                var model = Name(body, "ModelName");
                Require(body["ExecutionRoleArn"]?.GetValue<string>().StartsWith("arn:aws:iam::", StringComparison.Ordinal) == true, "ExecutionRoleArn must be an IAM role ARN.");
                var container = body["PrimaryContainer"]?.AsObject() ?? throw new Refusal("ValidationException", "PrimaryContainer is required.");
                Require(container["Image"] is not null, "PrimaryContainer.Image is required.");
                Require(container["ModelDataUrl"]?.GetValue<string>().StartsWith("s3://", StringComparison.Ordinal) == true, "PrimaryContainer.ModelDataUrl must be an s3:// URL.");
                Require(_models.TryAdd(model, body), $"Cannot create already existing model \"{Arn("model", model)}\".");
                return new JsonObject { ["ModelArn"] = Arn("model", model) };
            case "DescribeModel":
                return Clone(_models.GetValueOrDefault(Name(body, "ModelName")) ?? throw Missing("model", (string)body["ModelName"]!));
            case "DeleteModel":
                Require(_models.TryRemove(Name(body, "ModelName"), out _), $"Could not find model \"{Arn("model", (string)body["ModelName"]!)}\".");
                return [];
            case "CreateEndpointConfig":
                var config = Name(body, "EndpointConfigName");
                var variants = body["ProductionVariants"]?.AsArray() ?? throw new Refusal("ValidationException", "ProductionVariants is required.");
                Require(variants.Count == 1 && variants[0]!["InstanceType"] is not null && variants[0]!["InitialInstanceCount"] is not null, "One production variant with InstanceType and InitialInstanceCount is expected.");
                Require(_models.ContainsKey((string)variants[0]!["ModelName"]!), $"Could not find model \"{Arn("model", (string)variants[0]!["ModelName"]!)}\".");
                Require(_configs.TryAdd(config, body), $"Cannot create already existing endpoint configuration \"{Arn("endpoint-config", config)}\".");
                return new JsonObject { ["EndpointConfigArn"] = Arn("endpoint-config", config) };
            case "DescribeEndpointConfig":
                return Clone(_configs.GetValueOrDefault(Name(body, "EndpointConfigName")) ?? throw Missing("endpoint configuration", (string)body["EndpointConfigName"]!));
            case "DeleteEndpointConfig":
                Require(_configs.TryRemove(Name(body, "EndpointConfigName"), out _), $"Could not find endpoint configuration \"{Arn("endpoint-config", (string)body["EndpointConfigName"]!)}\".");
                return [];
            case "CreateEndpoint":
                var name = Name(body, "EndpointName");
                var wanted = ConfigOf(body);
                Require(_endpoints.TryAdd(name, new Endpoint(wanted, null, "Creating", ChecksToInService)), $"Cannot create already existing endpoint \"{Arn("endpoint", name)}\".");
                return new JsonObject { ["EndpointArn"] = Arn("endpoint", name) };
            case "UpdateEndpoint":
                var existing = _endpoints.GetValueOrDefault(Name(body, "EndpointName")) ?? throw Missing("endpoint", (string)body["EndpointName"]!);
                Require(existing.Status == "InService", $"Cannot update in-progress endpoint \"{Arn("endpoint", (string)body["EndpointName"]!)}\".");
                _endpoints[(string)body["EndpointName"]!] = new Endpoint(ConfigOf(body), existing.Config, "Updating", ChecksToInService);
                return new JsonObject { ["EndpointArn"] = Arn("endpoint", (string)body["EndpointName"]!) };
            case "DescribeEndpoint":
                return Describe(Name(body, "EndpointName"));
            case "DeleteEndpoint":
                Require(_endpoints.TryRemove(Name(body, "EndpointName"), out _), $"Could not find endpoint \"{Arn("endpoint", (string)body["EndpointName"]!)}\".");
                return [];
            default:
                throw new Refusal("UnknownOperationException", $"Unknown operation {operation}.");
        }
    }

    private JsonObject Describe(string name)
    {
        var endpoint = _endpoints.GetValueOrDefault(name) ?? throw Missing("endpoint", name);
        if (endpoint.Status is "Creating" or "Updating")
        {
            endpoint = endpoint with { ChecksLeft = endpoint.ChecksLeft - 1 };
            if (endpoint.ChecksLeft <= 0)
            {
                var fails = (string?)_configs[endpoint.Config]["ProductionVariants"]![0]!["InstanceType"] == FailingInstanceType;
                endpoint = (fails, endpoint.Status) switch
                {
                    (false, _) => endpoint with { Status = "InService" },
                    (true, "Creating") => endpoint with { Status = "Failed", FailureReason = $"Unable to provision requested ML compute capacity for {FailingInstanceType}." },
                    (true, _) => new Endpoint(endpoint.Previous!, null, "InService", 0) { FailureReason = $"Unable to provision requested ML compute capacity for {FailingInstanceType}." },
                };
            }

            _endpoints[name] = endpoint;
        }

        var answer = new JsonObject
        {
            ["EndpointName"] = name,
            ["EndpointArn"] = Arn("endpoint", name),
            ["EndpointConfigName"] = endpoint.Config,
            ["EndpointStatus"] = endpoint.Status,
            ["CreationTime"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        };
        if (endpoint.FailureReason is { } reason)
        {
            answer["FailureReason"] = reason;
        }

        return answer;
    }

    private string ConfigOf(JsonObject body)
    {
        var config = Name(body, "EndpointConfigName");
        Require(_configs.ContainsKey(config), $"Could not find endpoint configuration \"{Arn("endpoint-config", config)}\".");
        return config;
    }

    private static string Name(JsonObject body, string field)
    {
        var name = body[field]?.GetValue<string>() ?? throw new Refusal("ValidationException", $"1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null");
        Require(name.Length <= 63 && System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-zA-Z0-9](-*[a-zA-Z0-9])*$"),
            $"1 validation error detected: Value '{name}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}");
        return name;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new Refusal("ValidationException", message);
        }
    }

    private static Refusal Missing(string what, string name) => new("ValidationException", $"Could not find {what} \"{name}\".");

    private string Arn(string kind, string name) => $"arn:aws:sagemaker:{_region}:123456789012:{kind}/{name.ToLowerInvariant()}";

    private static JsonObject Clone(JsonObject value) => JsonNode.Parse(value.ToJsonString())!.AsObject();

    private static async Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = $"com.amazon.coral.service#{code}", ["message"] = message }));
    }

    private sealed record Endpoint(string Config, string? Previous, string Status, int ChecksLeft)
    {
        public string? FailureReason { get; init; }
    }

    private sealed class Refusal(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }
}
