using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;

namespace VisionSearch.Aws;

/// <summary>
/// SageMaker's control plane in its awsJson1_1 protocol (no SageMaker SDK package exists here):
/// <c>POST /</c> with <c>X-Amz-Target: SageMaker.{Operation}</c> and a JSON body, SigV4-signed, retried on
/// throttling and 5xx. Errors come back as <see cref="AwsServiceException"/>; a missing resource is
/// SageMaker's ValidationException "Could not find …", which <see cref="IsMissing"/> recognises. The deploy tool
/// drives endpoints with it; a silo asks it which configuration an endpoint serves (the embedding cache's model identity).
/// </summary>
/// <param name="http">The client requests go through.</param>
/// <param name="signer">Signs each request for the <c>sagemaker</c> service in its region.</param>
/// <param name="serviceUrl">Another base URL (a VPC endpoint, a stand-in); null: <c>https://api.sagemaker.{region}.amazonaws.com/</c>.</param>
/// <param name="maxAttempts">Attempts per call, the first included: the deploy tool's 5 ride out throttling; a caller that
/// would rather go on without an answer takes fewer.</param>
public sealed class SageMakerApi(HttpClient http, AwsRequestSigner signer, Uri? serviceUrl = null, int maxAttempts = 5)
{
    private readonly Uri _url = serviceUrl ?? new Uri($"https://api.sagemaker.{signer.Region}.amazonaws.com/");
    private readonly ResiliencePipeline _retry = new AwsRetryPolicy { MaxAttempts = maxAttempts }.Build();

    /// <summary>Whether <paramref name="error"/> says the named model, config or endpoint does not exist.</summary>
    public static bool IsMissing(Exception error) =>
        error is AwsServiceException { Code: "ValidationException" or "ResourceNotFound" } e
        && (e.Code == "ResourceNotFound" || e.ServiceMessage.StartsWith("Could not find", StringComparison.Ordinal));

    /// <summary>Calls <paramref name="operation"/> with <paramref name="body"/>; returns the answer's JSON object.</summary>
    public async Task<JsonObject> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken = default)
    {
        var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
        return await _retry.ExecuteAsync(
            async ct =>
            {
                var answer = await signer.PostAsync(http, _url, "application/x-amz-json-1.1", payload, [KeyValuePair.Create("X-Amz-Target", $"SageMaker.{operation}")], ct);
                return answer.Length == 0 ? [] : JsonNode.Parse(answer)?.AsObject() ?? [];
            },
            cancellationToken);
    }

    /// <summary><see cref="CallAsync"/>, with a missing resource (to describe or delete) as null.</summary>
    public async Task<JsonObject?> TryCallAsync(string operation, JsonObject body, CancellationToken cancellationToken = default)
    {
        try
        {
            return await CallAsync(operation, body, cancellationToken);
        }
        catch (AwsServiceException e) when (IsMissing(e))
        {
            return null;
        }
    }
}
