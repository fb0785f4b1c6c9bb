using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace VisionSearch.Api.Access;

/// <summary>
/// Guards the endpoints that change data (build, delete) when <see cref="ApiOptions.ApiKey"/> is set: the key
/// comes in <c>X-API-Key</c> or as <c>Authorization: Bearer</c>; a missing or wrong key is 401, compared in
/// constant time.
/// </summary>
internal sealed class ApiKeyFilter(IOptions<ApiOptions> options) : IEndpointFilter
{
    public const string Header = "X-API-Key";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (options.Value.ApiKey is not { Length: > 0 } || IsValid(context.HttpContext.Request, options.Value))
        {
            return next(context);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult<object?>(TypedResults.Problem(
            title: "An API key is required.",
            detail: $"This endpoint changes data: send the key configured in Api:ApiKey in the {Header} header (or as Authorization: Bearer).",
            statusCode: StatusCodes.Status401Unauthorized));
    }

    /// <summary>Whether the request carries the configured key (false when none is configured).</summary>
    public static bool IsValid(HttpRequest request, ApiOptions options) =>
        options.ApiKey is { Length: > 0 } expected && Presented(request) is { } presented
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    /// <summary>The key the client sent, if any.</summary>
    private static string? Presented(HttpRequest request)
    {
        if (request.Headers[Header] is [{ Length: > 0 } key])
        {
            return key;
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }
}
