using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace VisionSearch.Api.Access;

/// <summary>
/// The configured keys (<see cref="ApiOptions.ApiKey"/> reads and writes, <see cref="ApiOptions.ReadOnlyApiKey"/>
/// only reads) and what a request's key grants. A key comes in <c>X-API-Key</c> or as <c>Authorization: Bearer</c>;
/// it is compared by its SHA-256 in constant time, so neither its bytes nor its length leak through timing, and it
/// is never logged or traced.
/// </summary>
internal sealed class ApiKeys
{
    public const string Header = "X-API-Key";

    private readonly byte[]? _readWrite;
    private readonly byte[]? _readOnly;
    private readonly bool _anonymousReads;

    public ApiKeys(IOptions<ApiOptions> options)
    {
        var o = options.Value;
        _readWrite = Hash(o.ApiKey);
        _readOnly = Hash(o.ReadOnlyApiKey);
        _anonymousReads = o.AnonymousReads;
    }

    /// <summary>Whether any key is configured: without one, every endpoint is open.</summary>
    public bool Required => _readWrite is not null || _readOnly is not null;

    /// <summary>What the request's key grants: null for no key or an unknown one.</summary>
    public ApiAccess? Grant(HttpRequest request)
    {
        if (Hash(Presented(request)) is not { } presented)
        {
            return null;
        }

        // Both compared every time, so which key matched does not show in the time taken either.
        var write = _readWrite is not null & CryptographicOperations.FixedTimeEquals(presented, _readWrite ?? presented);
        var read = _readOnly is not null & CryptographicOperations.FixedTimeEquals(presented, _readOnly ?? presented);
        return write ? ApiAccess.Write : read ? ApiAccess.Read : null;
    }

    /// <summary>Null when the request may go on; otherwise the 401 (no or unknown key) or 403 (a read-only key where writing is needed).</summary>
    public IResult? Refusal(HttpContext context, ApiAccess needed)
    {
        if (!Required || (needed == ApiAccess.Read && _anonymousReads))
        {
            return null;
        }

        var grant = Grant(context.Request);
        if (grant is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(
                title: "An API key is required.",
                detail: $"Send a key in the {Header} header (or as Authorization: Bearer): Api:ApiKey for every endpoint, Api:ReadOnlyApiKey for searches, status and items.",
                statusCode: StatusCodes.Status401Unauthorized);
        }

        return grant < needed
            ? TypedResults.Problem(
                title: "This key may only read.",
                detail: "The key is the read-only one (Api:ReadOnlyApiKey); building, writing and deleting need the read-write key (Api:ApiKey).",
                statusCode: StatusCodes.Status403Forbidden)
            : null;
    }

    private static byte[]? Hash(string? key) => key is { Length: > 0 } ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

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
