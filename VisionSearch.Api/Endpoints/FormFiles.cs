using Microsoft.AspNetCore.Http.HttpResults;
using VisionSearch.Api.Problems;

namespace VisionSearch.Api.Endpoints;

/// <summary>Multipart forms and their files (the request's size is bounded by <c>Api:MaxUploadBytes</c> before its form is read).</summary>
internal static class FormFiles
{
    /// <summary>The request's form, or a 422 naming the body when it is not a readable multipart form.</summary>
    public static async Task<(IFormCollection? Form, ProblemHttpResult? Problem)> ReadFormAsync(HttpRequest request)
    {
        try
        {
            return (await request.ReadFormAsync(request.HttpContext.RequestAborted), null);
        }
        catch (InvalidDataException e)
        {
            return (null, FieldErrors.Single("body", $"Not a valid multipart form: {e.Message}"));
        }
    }

    public static async Task<byte[]> ReadAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
