using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using VisionSearch.Api.Problems;

namespace VisionSearch.Api.Endpoints;

/// <summary>
/// Bodies of endpoints that take JSON or a multipart form and read them themselves: a body that cannot be read is a
/// 422 naming the field, as a bound body's would be. Sizes are bounded by <c>Api:MaxUploadBytes</c> before reading.
/// </summary>
internal static class RequestBodies
{
    /// <summary>The JSON body, or a 422 naming the field it could not read (the body when it is no JSON object).</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpRequest request, JsonSerializerOptions json) where T : class
    {
        try
        {
            return await request.ReadFromJsonAsync<T>(json, request.HttpContext.RequestAborted) is { } value
                ? (value, null)
                : (null, FieldErrors.Single("body", "A JSON object is required."));
        }
        catch (JsonException e)
        {
            return (null, BadRequestExceptionHandler.FromJson(e));
        }
    }

    /// <summary>
    /// The request's form; a 413 when it says it is larger than <c>Api:MaxUploadBytes</c> (before reading anything), or a
    /// 422 naming the body when it is not a readable multipart form.
    /// </summary>
    public static async Task<(IFormCollection? Form, ProblemHttpResult? Problem)> ReadFormAsync(HttpRequest request, ApiOptions options)
    {
        if (BodyProblems.TooLarge(request, options) is { } tooLarge)
        {
            return (null, tooLarge);
        }

        try
        {
            return (await request.ReadFormAsync(request.HttpContext.RequestAborted), null);
        }
        catch (InvalidDataException e)
        {
            return (null, FieldErrors.Single("body", $"Not a valid multipart form: {e.Message}"));
        }
    }

    public static async Task<byte[]> ReadFileAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
