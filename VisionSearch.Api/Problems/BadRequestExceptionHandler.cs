using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using VisionSearch.Api.Models;

namespace VisionSearch.Api.Problems;

/// <summary>
/// Turns request-binding failures into ProblemDetails: malformed JSON, a wrong type or a missing body become
/// 422 naming the field (as the Python original answered); other bad requests keep their status (400, 413).
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        if (bad.InnerException is JsonException json)
        {
            await FromJson(json).ExecuteAsync(httpContext);
            return true;
        }

        if (BindFailure().Match(bad.Message) is { Success: true } bind)
        {
            await FieldErrors.Single(JsonNamingPolicy.SnakeCaseLower.ConvertName(bind.Groups["name"].Value), $"'{bind.Groups["value"].Value}' is not a valid value for this field.")
                .ExecuteAsync(httpContext);
            return true;
        }

        if (bad.StatusCode == StatusCodes.Status400BadRequest && bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
        {
            await FieldErrors.Single("body", "A JSON body is required.").ExecuteAsync(httpContext);
            return true;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = bad.StatusCode, Detail = bad.Message },
        });
    }

    /// <summary>A body that does not deserialize: a value of the wrong type names its field; broken syntax is a problem of the whole body.</summary>
    internal static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult FromJson(JsonException json)
    {
        var (field, message) = json is VectorFormatException
            ? (FieldFromPath(json.Path), json.Message)
            : json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
            ? (FieldFromPath(json.Path), "Has the wrong type for this field (see the schema at /docs).")
            : ("body", $"Not valid JSON (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}).");
        return FieldErrors.Single(field, message);
    }

    /// <summary>"$.vector[3]" → "vector"; "$.a.b" → "a.b"; "$" → "body".</summary>
    internal static string FieldFromPath(string? path)
    {
        if (path is null || path == "$")
        {
            return "body";
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var bracket = field.IndexOf('[', StringComparison.Ordinal);
        field = bracket > 0 ? field[..bracket] : field;
        return field.Length == 0 ? "body" : field;
    }

    /// <summary>ASP.NET Core's message for a query or route value of the wrong type: Failed to bind parameter "int? k" from "abc".</summary>
    [System.Text.RegularExpressions.GeneratedRegex("""^Failed to bind parameter "(?:[^"]*\s)?(?<name>\w+)" from "(?<value>.*)"\.$""")]
    private static partial System.Text.RegularExpressions.Regex BindFailure();
}
