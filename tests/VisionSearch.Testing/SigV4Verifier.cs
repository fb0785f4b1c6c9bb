using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime.Internal.Auth;
using Microsoft.AspNetCore.Http;

namespace VisionSearch.Testing;

/// <summary>
/// What an AWS front end checks before a request reaches the service, for the stand-ins: the credential scope,
/// the clock skew, the session token, and the signature, recomputed over the canonical request rebuilt from
/// what arrived with AWSSDK.Core's own <c>AWS4Signer.ComputeSignature</c> (not with the code under test).
/// </summary>
public static class SigV4Verifier
{
    /// <summary>Null when the request is correctly signed; otherwise AWS's message for the refusal.</summary>
    public static string? Verify(HttpRequest request, byte[] body, string service, string region, string accessKey, string secretKey, string? sessionToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
        {
            return "Missing Authentication Token";
        }

        var parts = authorization["AWS4-HMAC-SHA256 ".Length..].Split(", ").Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var credential = parts["Credential"].Split('/');
        var signedAt = DateTime.ParseExact(
            request.Headers["X-Amz-Date"].ToString(), "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        if (credential.Length != 5 || credential[0] != accessKey || credential[1] != signedAt.ToString("yyyyMMdd", CultureInfo.InvariantCulture)
            || credential[2] != region || credential[3] != service || credential[4] != "aws4_request")
        {
            return $"Credential should be scoped to {accessKey}/<date>/{region}/{service}/aws4_request, not {parts["Credential"]}.";
        }

        if (Math.Abs((DateTime.UtcNow - signedAt).TotalMinutes) > 5)
        {
            return "Signature expired: the request time is more than 5 minutes from the server's.";
        }

        if (request.Headers["X-Amz-Security-Token"].ToString() != (sessionToken ?? ""))
        {
            return "The security token included in the request is invalid.";
        }

        var signedHeaders = parts["SignedHeaders"];
        var names = signedHeaders.Split(';');
        if (!names.Contains("host") || !names.Contains("x-amz-date") || !names.Contains("content-type"))
        {
            return $"Host, X-Amz-Date and Content-Type must be signed; signed: {signedHeaders}.";
        }

        var canonical = new StringBuilder()
            .Append(request.Method).Append('\n').Append(request.Path.ToUriComponent()).Append('\n').Append(request.QueryString.Value?.TrimStart('?')).Append('\n');
        foreach (var name in names)
        {
            var values = request.Headers[name].Select(v => string.Join(' ', v!.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            canonical.Append(name).Append(':').Append(string.Join(',', values)).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(body)));
        var expected = AWS4Signer.ComputeSignature(accessKey, secretKey, region, signedAt, service, signedHeaders, canonical.ToString());
        return expected.Signature == parts["Signature"]
            ? null
            : "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.";
    }
}
