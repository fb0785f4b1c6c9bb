using Microsoft.AspNetCore.Http.HttpResults;

namespace VisionSearch.Api.Problems;

/// <summary>The answers for a body the API will not read: too large for <c>Api:MaxUploadBytes</c>, or of a media type an endpoint does not take.</summary>
internal static class BodyProblems
{
    /// <summary>
    /// A 413 when the request says it is larger than the limit, else null. Answered before reading: a client that sent
    /// Expect: 100-continue never uploads the body.
    /// </summary>
    public static ProblemHttpResult? TooLarge(HttpRequest request, ApiOptions options) =>
        request.ContentLength > options.MaxUploadBytes
            ? TypedResults.Problem(
                title: "The upload is too large.",
                detail: $"The request has {request.ContentLength:N0} bytes; the limit is {options.MaxUploadBytes:N0} (Api:MaxUploadBytes).",
                statusCode: StatusCodes.Status413PayloadTooLarge)
            : null;

    /// <summary>A 415 saying what the endpoint takes.</summary>
    public static ProblemHttpResult UnsupportedMediaType(string takes) =>
        TypedResults.Problem(title: "Unsupported media type.", detail: takes, statusCode: StatusCodes.Status415UnsupportedMediaType);
}
