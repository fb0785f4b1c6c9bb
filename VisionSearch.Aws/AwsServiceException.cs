using System.Net;
using System.Text.Json;

namespace VisionSearch.Aws;

/// <summary>An error answer from an AWS service: the HTTP status, the error code and message as the service put them, and the body's other fields.</summary>
public sealed class AwsServiceException : Exception
{
    public AwsServiceException(HttpStatusCode statusCode, string code, string message, JsonElement? body = null, string? requestId = null)
        : base($"{code} ({(int)statusCode}): {message}")
    {
        StatusCode = statusCode;
        Code = code;
        ServiceMessage = message;
        Body = body;
        RequestId = requestId;
    }

    public AwsServiceException()
        : this(HttpStatusCode.InternalServerError, "Unknown", "")
    {
    }

    public AwsServiceException(string message)
        : this(HttpStatusCode.InternalServerError, "Unknown", message)
    {
    }

    public AwsServiceException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "Unknown";
        ServiceMessage = message;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The error code without namespace or suffix, e.g. <c>ValidationException</c>, <c>ModelError</c>.</summary>
    public string Code { get; }

    /// <summary>The service's own message.</summary>
    public string ServiceMessage { get; }

    /// <summary>The JSON error body, when there was one: services put more fields there (SageMaker's ModelError has OriginalMessage).</summary>
    public JsonElement? Body { get; }

    /// <summary>The <c>x-amzn-RequestId</c> of the failed call, for AWS support.</summary>
    public string? RequestId { get; }

    /// <summary>
    /// Reads an error response the way botocore's JSON parsers do: the code from the <c>x-amzn-ErrorType</c>
    /// header, else the body's <c>code</c>, <c>Code</c>, <c>ErrorCode</c> or <c>__type</c>, keeping what follows a
    /// <c>#</c> and precedes a <c>:</c>; the message from <c>message</c> or <c>Message</c>.
    /// </summary>
    public static AwsServiceException FromResponse(HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(response);
        JsonElement? json = null;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                json = document.RootElement.Clone();
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, an empty body): the status says what happened.
        }

        var code = Header(response, "x-amzn-ErrorType")
            ?? Field(json, "code") ?? Field(json, "Code") ?? Field(json, "ErrorCode") ?? Field(json, "__type")
            ?? response.StatusCode.ToString();
        code = code.Split(':')[0];
        code = code[(code.LastIndexOf('#') + 1)..];
        var message = Field(json, "message") ?? Field(json, "Message")
            ?? (json is null && body.Length > 0 ? System.Text.Encoding.UTF8.GetString(body[..Math.Min(body.Length, 512)]) : response.ReasonPhrase ?? "");
        return new AwsServiceException(response.StatusCode, code, message, json, Header(response, "x-amzn-RequestId"));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static string? Field(JsonElement? json, string name) =>
        json is { } j && j.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
