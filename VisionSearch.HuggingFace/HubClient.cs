using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Polly;

namespace VisionSearch.HuggingFace;

/// <summary>
/// Downloads files of a Hub repository into huggingface_hub's cache layout:
/// <c>{models|datasets}--{org}--{name}/blobs/{etag}</c>, <c>snapshots/{commit}/{file}</c> (a link to the
/// blob) and <c>refs/{revision}</c>. Per file: HEAD <c>/{repo}/resolve/{revision}/{file}</c> for the commit
/// and ETag; a cached blob is not fetched again; otherwise GET into <c>{etag}.incomplete</c>, resuming with
/// a Range header after a cut, checking the SHA-256 when the ETag is one, then an atomic rename.
/// Redirects are followed by hand and the token goes only to the Hub's own host, never to a CDN.
/// 408, 429 and 5xx are retried with huggingface_hub's back-off (Retry-After honoured; <see cref="HubRetry"/>), on
/// <c>time</c>'s clock (the system's by default). Offline, or with the Hub unreachable, a complete cached snapshot is used.
/// </summary>
public sealed partial class HubClient(HttpClient http, HubOptions options, ILogger<HubClient> logger, TimeProvider? time = null)
{
    private readonly ResiliencePipeline<HttpResponseMessage> _requests = HubRetry.Requests(options, time ?? TimeProvider.System, logger);
    private readonly ResiliencePipeline _downloads = HubRetry.Downloads(options, time ?? TimeProvider.System, logger);

    /// <summary>
    /// The handler the client's HttpClient must use: redirects are followed here, not by the handler, since
    /// a large file's HEAD answers 302 to a CDN with the blob's ETag on the redirect itself.
    /// </summary>
    public static HttpMessageHandler CreateHandler() => new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(15),
    };

    /// <summary>Makes <paramref name="files"/> of <paramref name="repository"/> at <paramref name="revision"/> local; returns the snapshot folder.</summary>
    /// <exception cref="HubException">A file is missing on the Hub, access is denied, or the Hub is unreachable and the cache incomplete.</exception>
    public async Task<string> DownloadAsync(
        HubRepository repository, string revision, IReadOnlyList<string> files, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentException.ThrowIfNullOrWhiteSpace(revision);
        var root = Path.Combine(options.CacheDirectory, repository.CacheFolder);
        if (options.Offline)
        {
            return Cached(root, repository, revision, files, reason: "HF_HUB_OFFLINE is set");
        }

        string? commit = null;
        foreach (var file in files)
        {
            HubFileInfo info;
            try
            {
                info = await HeadAsync(repository, revision, file, cancellationToken);
            }
            catch (HttpRequestException e) when (e.StatusCode is null or >= HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests)
            {
                LogUnreachable(logger, options.Endpoint, e.Message);
                return Cached(root, repository, revision, files, reason: $"{options.Endpoint} is unavailable ({e.Message})");
            }

            commit ??= info.Commit;
            var blob = Path.Combine(root, "blobs", info.ETag);
            if (!File.Exists(blob))
            {
                await FetchAsync(info, blob, file, progress, cancellationToken);
            }
            else
            {
                var length = new FileInfo(blob).Length;
                progress?.Report(new HubDownloadProgress(file, length, length));
            }

            Link(Path.Combine(root, "snapshots", commit, file), blob);
        }

        if (commit is not null && commit != revision)
        {
            var reference = Path.Combine(root, "refs", revision);
            Directory.CreateDirectory(Path.GetDirectoryName(reference)!);
            await File.WriteAllTextAsync(reference, commit, cancellationToken);
        }

        return Path.Combine(root, "snapshots", commit ?? revision);
    }

    /// <summary>The commit <paramref name="revision"/> of <paramref name="repository"/> names now, as a HEAD of <paramref name="file"/> there reports it.</summary>
    /// <exception cref="HubException">The file is missing, access is denied, or the Hub does not answer as one.</exception>
    public async Task<string> CommitOfAsync(HubRepository repository, string revision, string file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return (await HeadAsync(repository, revision, file, cancellationToken)).Commit;
    }

    /// <summary>GET of a Hub API route (e.g. <c>api/datasets/{id}/parquet</c>) with the token, retries and clear errors; the caller reads the body.</summary>
    public async Task<HttpResponseMessage> GetApiAsync(string relative, string what, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, new Uri(options.Endpoint, relative), null, cancellationToken);
        ThrowIfRefused(response, what, "");
        return response;
    }

    /// <summary>Where <paramref name="url"/> (on the Hub) redirects to, without following it; null when it does not redirect.</summary>
    public async Task<Uri?> RedirectOfAsync(Uri url, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var response = await SendAsync(HttpMethod.Head, url, null, cancellationToken);
        if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
        {
            return new Uri(url, location);
        }

        ThrowIfRefused(response, what, "");
        return null;
    }

    private async Task<HubFileInfo> HeadAsync(HubRepository repository, string revision, string file, CancellationToken cancellationToken)
    {
        var url = new Uri(options.Endpoint, $"{repository.UrlPath}/resolve/{Uri.EscapeDataString(revision)}/{file}");
        for (var hop = 0; ; hop++)
        {
            using var response = await SendAsync(HttpMethod.Head, url, null, cancellationToken);
            var location = response.Headers.Location;
            var redirect = (int)response.StatusCode is >= 300 and < 400 && location is not null;
            if (redirect && !location!.IsAbsoluteUri && hop < 5)
            {
                url = new Uri(url, location); // a renamed repository: ask again there
                continue;
            }

            if (!redirect)
            {
                ThrowIfRefused(response, $"{repository}@{revision}", file);
            }

            var headers = response.Headers;
            var etag = (Header(headers, "X-Linked-Etag") ?? headers.ETag?.Tag)?.Replace("W/", "", StringComparison.Ordinal).Trim('"')
                ?? throw new HubException($"{url} answered without an ETag: is {options.Endpoint} a Hugging Face Hub?");
            var commit = Header(headers, "X-Repo-Commit") ?? revision;
            var size = long.TryParse(Header(headers, "X-Linked-Size"), out var linked) ? linked : response.Content.Headers.ContentLength;
            return new HubFileInfo(redirect ? location! : url, etag, commit, size);
        }
    }

    private async Task FetchAsync(HubFileInfo info, string blob, string file, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        var partial = blob + ".incomplete";
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(HubRetry.Download, (file, partial));
        try
        {
            await _downloads.ExecuteAsync(async c => await ResumeAsync(info, partial, file, progress, c.CancellationToken), context);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (info.ETag.Length == 64 && info.ETag.All(char.IsAsciiHexDigit))
        {
            await using var stream = File.OpenRead(partial);
            var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            if (!hash.Equals(info.ETag, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(partial);
                throw new HubException($"{file} downloaded with SHA-256 {hash}, but the Hub says {info.ETag}; the partial file was removed, try again.");
            }
        }

        var bytes = new FileInfo(partial).Length;
        File.Move(partial, blob, overwrite: true);
        LogDownloaded(logger, file, bytes);
    }

    private async Task ResumeAsync(HubFileInfo info, string partial, string file, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var response = await SendAsync(HttpMethod.Get, info.Download, have > 0 ? new RangeHeaderValue(have, null) : null, cancellationToken);
        ThrowIfRefused(response, info.Download.GetLeftPart(UriPartial.Path), file);
        if (have > 0 && response.StatusCode != HttpStatusCode.PartialContent)
        {
            have = 0; // the server ignored the range: start over
        }

        await using var target = new FileStream(partial, have > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[1 << 16];
        var lastReport = 0L;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            have += read;
            if (have - lastReport >= 1 << 20)
            {
                progress?.Report(new HubDownloadProgress(file, have, info.Size));
                lastReport = have;
            }
        }

        if (info.Size is { } size && have != size)
        {
            throw new IOException($"{file}: the connection ended at {have} of {size} bytes.");
        }

        progress?.Report(new HubDownloadProgress(file, have, info.Size ?? have));
    }

    /// <summary>Sends through <see cref="HubRetry.Requests"/>; the token goes only to the Hub's own host.</summary>
    private Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, RangeHeaderValue? range, CancellationToken cancellationToken) =>
        _requests.ExecuteAsync(
            async token =>
            {
                using var request = new HttpRequestMessage(method, url);
                request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
                request.Headers.Range = range;
                if (options.Token is { } bearer && url.Authority.Equals(options.Endpoint.Authority, StringComparison.OrdinalIgnoreCase))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                }

                return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            },
            cancellationToken).AsTask();

    private void ThrowIfRefused(HttpResponseMessage response, string what, string file)
    {
        var item = file.Length > 0 ? $"{file} of {what}" : what;
        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized:
                throw new HubException(options.Token is null
                    ? $"{what} is private, gated or does not exist (401): if it exists, set HF_TOKEN to a token that may read it."
                    : $"{what} is not readable with the token in HF_TOKEN, or does not exist (401).");
            case HttpStatusCode.Forbidden:
                throw new HubException($"The token in HF_TOKEN may not read {what} (403): accept its terms on the Hub or use another token.");
            case HttpStatusCode.NotFound:
                throw new HubException(Header(response.Headers, "X-Error-Code") switch
                {
                    "RepoNotFound" => $"{what} does not exist on {options.Endpoint}.",
                    "RevisionNotFound" => $"The revision of {what} does not exist on {options.Endpoint}.",
                    _ => file.Length > 0 ? $"{file} is not in {what} on {options.Endpoint} (404)." : $"{what} was not found on {options.Endpoint} (404).",
                });
            case >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError when response.StatusCode != HttpStatusCode.TooManyRequests:
                throw new HubException($"{options.Endpoint} refused {item}: {(int)response.StatusCode} {response.ReasonPhrase}.");
            case >= HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests:
                throw new HttpRequestException($"{options.Endpoint} kept failing on {item}: {(int)response.StatusCode}.", null, response.StatusCode);
        }
    }

    /// <summary>The cached snapshot of <paramref name="revision"/>, if every file is there.</summary>
    private static string Cached(string root, HubRepository repository, string revision, IReadOnlyList<string> files, string reason)
    {
        var reference = Path.Combine(root, "refs", revision);
        var commit = File.Exists(reference) ? File.ReadAllText(reference).Trim() : revision;
        var snapshot = Path.Combine(root, "snapshots", commit);
        var missing = files.Where(f => !File.Exists(Path.Combine(snapshot, f))).ToList();
        if (missing.Count == 0)
        {
            return snapshot;
        }

        throw new HubException(
            $"{reason}, and the cache at {root} lacks {string.Join(", ", missing)} of {repository}@{revision}. " +
            $"Download {string.Join(", ", files)} from https://huggingface.co/{repository.UrlPath} into a folder and point the setting at that folder, or run once with network access.");
    }

    /// <summary>snapshots/{commit}/{file} → the blob, as a relative symlink where the file system allows, else a copy.</summary>
    private static void Link(string pointer, string blob)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(pointer)!);
        if (File.Exists(pointer) || Directory.Exists(pointer))
        {
            File.Delete(pointer);
        }

        try
        {
            File.CreateSymbolicLink(pointer, Path.GetRelativePath(Path.GetDirectoryName(pointer)!, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Copy(blob, pointer);
        }
    }

    /// <summary>A response header's first value, or null.</summary>
    internal static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private sealed record HubFileInfo(Uri Download, string ETag, string Commit, long? Size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hugging Face Hub at {Endpoint} unavailable ({Reason}); trying the cache")]
    private static partial void LogUnreachable(ILogger logger, Uri endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {File} ({Bytes} bytes)")]
    private static partial void LogDownloaded(ILogger logger, string file, long bytes);
}
