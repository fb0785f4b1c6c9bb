using System.Net.Http.Headers;
using Amazon.Runtime;

namespace VisionSearch.Aws;

/// <summary>
/// Signs requests to one AWS service in one region with SigV4: adds <c>Host</c>, <c>X-Amz-Date</c>,
/// <c>X-Amz-Security-Token</c> for session credentials, and <c>Authorization</c>. Credentials are asked of
/// <paramref name="credentials"/> at every signing, so refreshed ones (roles, SSO) are picked up.
/// </summary>
public sealed class AwsRequestSigner(AWSCredentials credentials, string region, string service, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Region { get; } = region;

    public string Service { get; } = service;

    /// <summary>Signs <paramref name="request"/>, whose content (if any) is exactly <paramref name="body"/>.</summary>
    public async Task SignAsync(HttpRequestMessage request, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        cancellationToken.ThrowIfCancellationRequested();
        var identity = await credentials.GetCredentialsAsync();
        var now = _time.GetUtcNow();

        request.Headers.Remove("Authorization");
        request.Headers.Remove("X-Amz-Date");
        request.Headers.Remove("X-Amz-Security-Token");
        request.Headers.Host = uri.IsDefaultPort ? uri.Host : uri.Authority;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", SigV4.Timestamp(now));
        if (identity.UseToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", identity.Token);
        }

        var headers = request.Headers.NonValidated
            .Concat(request.Content?.Headers.NonValidated ?? default)
            // Content-Length is set by the transport, after signing, and not every stack sends it.
            .Where(h => !SigV4.IsUnsigned(h.Key) && !h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => h.Value.Select(v => KeyValuePair.Create(h.Key, v)));
        var canonical = SigV4.CanonicalRequest(
            request.Method.Method, uri.AbsolutePath, uri.Query, headers, SigV4.Hex(body.Span), normalizePath: true, out var signedHeaders);
        var scope = SigV4.Scope(now, Region, Service);
        var signature = SigV4.Signature(identity.SecretKey, now, Region, Service, SigV4.StringToSign(now, scope, canonical));
        request.Headers.TryAddWithoutValidation("Authorization", SigV4.AuthorizationHeader(identity.AccessKey, scope, signedHeaders, signature));
    }

    /// <summary>
    /// POSTs <paramref name="body"/> as <paramref name="contentType"/>, with <paramref name="headers"/>, signed;
    /// returns the answer's body, or throws the service's error as an <see cref="AwsServiceException"/>.
    /// </summary>
    public async Task<byte[]> PostAsync(
        HttpClient http, Uri url, string contentType, ReadOnlyMemory<byte> body, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(headers);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        await SignAsync(request, body, cancellationToken);
        using var response = await http.SendAsync(request, cancellationToken);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.IsSuccessStatusCode ? answer : throw AwsServiceException.FromResponse(response, answer);
    }
}
