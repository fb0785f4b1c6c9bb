using System.Globalization;
using System.Text;
using System.Text.Json;
using VisionSearch.Testing;

namespace VisionSearch.Aws.Tests;

/// <summary>
/// One case of the SigV4 test suites in <c>tests/fixtures/sigv4</c>: the raw request parsed as HTTP (folded
/// header lines joined with a space, the body after the blank line), the signing parameters, and the expected
/// canonical request, string to sign and signature.
/// </summary>
public sealed record SigV4Case(
    string Name, string Method, string RequestPath, string Query, List<KeyValuePair<string, string>> Headers, byte[] Body,
    string AccessKey, string SecretKey, string Region, string Service, DateTimeOffset SignedAt, bool Normalize,
    string ExpectedCanonical, string ExpectedStringToSign, string ExpectedSignature)
{
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    public override string ToString() => Name;

    /// <summary>The classic suite (botocore's copy): the request carries X-Amz-Date; the session-token case adds the token the .creq shows.</summary>
    public static IEnumerable<SigV4Case> ClassicSuite()
    {
        var root = TestFiles.Fixture("sigv4", "aws4_testsuite");
        foreach (var req in Directory.EnumerateFiles(root, "*.req", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var stem = req[..^4];
            var creq = File.ReadAllText(stem + ".creq");
            var (method, path, query, headers, body) = ParseRequest(File.ReadAllText(req));
            var token = creq.Split('\n').FirstOrDefault(l => l.StartsWith("x-amz-security-token:", StringComparison.Ordinal));
            if (token is not null && !headers.Any(h => h.Key.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase)))
            {
                headers.Add(KeyValuePair.Create("X-Amz-Security-Token", token["x-amz-security-token:".Length..]));
            }

            var authz = File.ReadAllText(stem + ".authz");
            yield return new SigV4Case(
                "classic/" + System.IO.Path.GetRelativePath(root, stem), method, path, query, headers, body,
                "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service", SuiteTime, Normalize: true,
                creq, File.ReadAllText(stem + ".sts"), authz[(authz.LastIndexOf('=') + 1)..]);
        }
    }

    /// <summary>aws-c-auth's suite: X-Amz-Date, the session token and (sign_body) x-amz-content-sha256 are added from context.json, as a signer would.</summary>
    public static IEnumerable<SigV4Case> CrtSuite()
    {
        var root = TestFiles.Fixture("sigv4", "aws-signing-test-suite-v4");
        foreach (var dir in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            using var context = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(dir, "context.json")));
            var c = context.RootElement;
            var credentials = c.GetProperty("credentials");
            var (method, path, query, headers, body) = ParseRequest(File.ReadAllText(System.IO.Path.Combine(dir, "request.txt")));
            var signedAt = DateTimeOffset.Parse(c.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture);
            headers.Add(KeyValuePair.Create("X-Amz-Date", SigV4.Timestamp(signedAt)));
            if (credentials.TryGetProperty("token", out var token) && !(c.TryGetProperty("omit_session_token", out var omit) && omit.GetBoolean()))
            {
                headers.Add(KeyValuePair.Create("X-Amz-Security-Token", token.GetString()!));
            }

            if (c.GetProperty("sign_body").GetBoolean())
            {
                headers.Add(KeyValuePair.Create("x-amz-content-sha256", SigV4.Hex(body)));
            }

            yield return new SigV4Case(
                "crt/" + System.IO.Path.GetFileName(dir), method, path, query, headers, body,
                credentials.GetProperty("access_key_id").GetString()!, credentials.GetProperty("secret_access_key").GetString()!,
                c.GetProperty("region").GetString()!, c.GetProperty("service").GetString()!, signedAt, c.GetProperty("normalize").GetBoolean(),
                File.ReadAllText(System.IO.Path.Combine(dir, "header-canonical-request.txt")),
                File.ReadAllText(System.IO.Path.Combine(dir, "header-string-to-sign.txt")),
                File.ReadAllText(System.IO.Path.Combine(dir, "header-signature.txt")).Trim());
        }
    }

    /// <summary>The S3 API Reference's examples: S3 rules (the path as given, encoded once, not normalised; the payload hash is the signed header).</summary>
    public static IEnumerable<SigV4Case> S3Examples()
    {
        var root = TestFiles.Fixture("sigv4", "s3-header-auth-examples");
        foreach (var req in Directory.EnumerateFiles(root, "*.req", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var stem = req[..^4];
            var (method, path, query, headers, body) = ParseRequest(File.ReadAllText(req));
            var authz = File.ReadAllText(stem + ".authz").Trim();
            yield return new SigV4Case(
                "s3/" + System.IO.Path.GetFileName(stem), method, path, query, headers, body,
                "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3",
                new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero), Normalize: false,
                File.ReadAllText(stem + ".creq"), File.ReadAllText(stem + ".sts"), authz[(authz.LastIndexOf('=') + 1)..]);
        }
    }

    /// <summary>The payload hash the canonical request ends with: the signed x-amz-content-sha256 when there is one, else the body's.</summary>
    public string PayloadHash =>
        Headers.FirstOrDefault(h => h.Key.Equals("x-amz-content-sha256", StringComparison.OrdinalIgnoreCase)).Value ?? SigV4.Hex(Body);

    private static (string Method, string Path, string Query, List<KeyValuePair<string, string>> Headers, byte[] Body) ParseRequest(string text)
    {
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? [] : Encoding.UTF8.GetBytes(text[(split + 2)..]);
        var lines = head.Split('\n');
        var requestLine = lines[0];
        var method = requestLine[..requestLine.IndexOf(' ', StringComparison.Ordinal)];
        var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(' ')];
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            if (line.StartsWith(' ') || line.StartsWith('\t'))
            {
                var last = headers[^1];
                headers[^1] = KeyValuePair.Create(last.Key, $"{last.Value} {line.Trim()}");
            }
            else if (line.Length > 0)
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers.Add(KeyValuePair.Create(line[..colon], line[(colon + 1)..]));
            }
        }

        return (method, question < 0 ? target : target[..question], question < 0 ? "" : target[(question + 1)..], headers, body);
    }
}
