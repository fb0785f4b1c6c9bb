using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VisionSearch.Aws;

/// <summary>
/// AWS Signature Version 4 as the service documentation defines it: the canonical request, the string to
/// sign and the HMAC chain. Paths follow the rules of every service but S3 (dot segments and repeated
/// slashes removed, each segment URI-encoded: a caller passing the path as sent, already encoded once,
/// gets the double encoding those services expect).
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>SHA-256 of an empty payload, the hash of every bodiless request.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>Headers that proxies and HTTP stacks add, drop or rewrite in transit (botocore's list): never signed.</summary>
    private static readonly HashSet<string> Unsigned = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    };

    /// <summary>Whether a header is left out of the signature.</summary>
    public static bool IsUnsigned(string name) => Unsigned.Contains(name);

    /// <summary>
    /// The canonical request. <paramref name="headers"/> may repeat a name (values are joined with commas in
    /// order); every header given is signed, so leave out those that should not be (<see cref="IsUnsigned"/>).
    /// </summary>
    public static string CanonicalRequest(
        string method, string path, string query, IEnumerable<KeyValuePair<string, string>> headers, string payloadHash,
        bool normalizePath, out string signedHeaders)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var canonical = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var key = name.Trim().ToLowerInvariant();
            var trimmed = CollapseSpaces(value);
            canonical[key] = canonical.TryGetValue(key, out var earlier) ? $"{earlier},{trimmed}" : trimmed;
        }

        signedHeaders = string.Join(';', canonical.Keys);
        var text = new StringBuilder()
            .Append(method).Append('\n')
            .Append(CanonicalPath(path, normalizePath)).Append('\n')
            .Append(CanonicalQuery(query)).Append('\n');
        foreach (var (name, value) in canonical)
        {
            text.Append(name).Append(':').Append(value).Append('\n');
        }

        return text.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash).ToString();
    }

    /// <summary>The credential scope: <c>yyyyMMdd/region/service/aws4_request</c>.</summary>
    public static string Scope(DateTimeOffset signedAt, string region, string service) =>
        $"{signedAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/{region}/{service}/aws4_request";

    /// <summary>The <c>X-Amz-Date</c> form of a time.</summary>
    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static string StringToSign(DateTimeOffset signedAt, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{Timestamp(signedAt)}\n{scope}\n{Hex(Encoding.UTF8.GetBytes(canonicalRequest))}";

    /// <summary>The hex signature of <paramref name="stringToSign"/> under the key derived from the secret, date, region and service.</summary>
    public static string Signature(string secretKey, DateTimeOffset signedAt, string region, string service, string stringToSign)
    {
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretKey), signedAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        return Convert.ToHexStringLower(Hmac(key, stringToSign));
    }

    public static string AuthorizationHeader(string accessKey, string scope, string signedHeaders, string signature) =>
        $"{Algorithm} Credential={accessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";

    /// <summary>Lower-case hex SHA-256, the payload hash of a body.</summary>
    public static string Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    internal static string CanonicalPath(string path, bool normalize)
    {
        if (path.Length == 0)
        {
            return "/";
        }

        return Encode(normalize ? Normalize(path) : path, keepSlash: true);
    }

    /// <summary>RFC 3986 dot-segment removal, with empty segments (repeated slashes) dropped too; a trailing slash stays.</summary>
    private static string Normalize(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            switch (segment)
            {
                case "" or ".":
                    break;
                case "..":
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    break;
                default:
                    segments.Add(segment);
                    break;
            }
        }

        var joined = "/" + string.Join('/', segments);
        return segments.Count > 0 && path.EndsWith('/') ? joined + "/" : joined;
    }

    /// <summary>Pairs decoded, encoded again the AWS way, sorted by name then value; a bare name gets an empty value.</summary>
    internal static string CanonicalQuery(string query)
    {
        query = query.TrimStart('?');
        if (query.Length == 0)
        {
            return "";
        }

        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? pair : pair[..equals];
                var value = equals < 0 ? "" : pair[(equals + 1)..];
                return (Name: Encode(Uri.UnescapeDataString(name), keepSlash: false), Value: Encode(Uri.UnescapeDataString(value), keepSlash: false));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>Percent-encodes every UTF-8 byte but the unreserved characters (and '/' in paths), upper-case hex.</summary>
    private static string Encode(string value, bool keepSlash)
    {
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                text.Append(c);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>Trims and collapses runs of spaces (and folded line breaks) to one space, as the canonical form wants.</summary>
    private static string CollapseSpaces(string value)
    {
        var text = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.Trim())
        {
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                space = true;
                continue;
            }

            if (space)
            {
                text.Append(' ');
                space = false;
            }

            text.Append(c);
        }

        return text.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
