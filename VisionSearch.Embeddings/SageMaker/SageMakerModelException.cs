using System.Text.Json;
using VisionSearch.Aws;

namespace VisionSearch.Embeddings.SageMaker;

/// <summary>
/// The endpoint's own code failed (424 ModelError): the inference script raised, usually on input it cannot
/// take (the Hugging Face container turns every script exception into a client error, 400). Not retried.
/// </summary>
public sealed class SageMakerModelException : Exception
{
    public SageMakerModelException(string endpoint, int? originalStatusCode, string originalMessage, string? logStreamArn, Exception? innerException = null)
        : base($"SageMaker endpoint '{endpoint}' failed in its model code ({originalStatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}): {ModelMessage(originalMessage)}", innerException)
    {
        Endpoint = endpoint;
        OriginalStatusCode = originalStatusCode;
        OriginalMessage = originalMessage;
        LogStreamArn = logStreamArn;
    }

    public SageMakerModelException()
        : this("", null, "", null)
    {
    }

    public SageMakerModelException(string message)
        : this("", null, message, null)
    {
    }

    public SageMakerModelException(string message, Exception innerException)
        : this("", null, message, null, innerException)
    {
    }

    public string Endpoint { get; }

    /// <summary>The status the model container answered.</summary>
    public int? OriginalStatusCode { get; }

    /// <summary>The container's answer as SageMaker passed it on.</summary>
    public string OriginalMessage { get; }

    /// <summary>The CloudWatch log stream with the container's logs.</summary>
    public string? LogStreamArn { get; }

    internal static SageMakerModelException From(string endpoint, AwsServiceException error)
    {
        var body = error.Body;
        return new SageMakerModelException(
            endpoint,
            body is { } b && b.TryGetProperty(nameof(OriginalStatusCode), out var status) && status.ValueKind == JsonValueKind.Number ? status.GetInt32() : null,
            body is { } m && m.TryGetProperty(nameof(OriginalMessage), out var original) && original.ValueKind == JsonValueKind.String ? original.GetString()! : error.ServiceMessage,
            body is { } l && l.TryGetProperty(nameof(LogStreamArn), out var log) && log.ValueKind == JsonValueKind.String ? log.GetString() : null,
            error);
    }

    /// <summary>The script's own message: the model server wraps it as <c>{"code": 400, "type": …, "message": …}</c>.</summary>
    public string ScriptMessage => ModelMessage(OriginalMessage);

    private static string ModelMessage(string original)
    {
        try
        {
            using var json = JsonDocument.Parse(original);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? message.GetString()!
                : original;
        }
        catch (JsonException)
        {
            return original;
        }
    }
}
