using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace VisionSearch.Embeddings.Hub;

/// <summary>
/// Downloads files of a Hub repository into huggingface_hub's cache layout:
/// <c>models--{org}--{name}/blobs/{etag}</c>, <c>snapshots/{commit}/{file}</c> (a link to the blob) and
/// <c>refs/{revision}</c>. Per file: HEAD <c>/{repo}/resolve/{revision}/{file}</c> for the commit and
/// ETag; a blob already cached is not fetched again; otherwise GET into <c>{etag}.incomplete</c>, resuming
/// with a Range header after a cut, checking the SHA-256 when the ETag is one, then an atomic rename.
/// Offline, or with the Hub unreachable, a complete cached snapshot is used.
/// </summary>
public sealed partial class HubClient(HttpClient http, HubOptions options, ILogger<HubClient> logger)
{
    /// <summary>Makes <paramref name="files"/> of <paramref name="repo"/> at <paramref name="revision"/> local; returns the snapshot folder.</summary>
    /// <exception cref="HubException">A file is missing on the Hub, access is denied, or the Hub is unreachable and the cache incomplete.</exception>
    public async Task<string> DownloadAsync(
        string repo, string revision, IReadOnlyList<string> files, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repo);
        ArgumentException.ThrowIfNullOrWhiteSpace(revision);
        var root = Path.Combine(options.CacheDirectory, "models--" + repo.Replace("/", "--", StringComparison.Ordinal));
        if (options.Offline)
        {
            return Cached(root, repo, revision, files, reason: "HF_HUB_OFFLINE is set");
        }

        string? commit = null;
        foreach (var file in files)
        {
            HubFileInfo info;
            try
            {
                info = await HeadAsync(repo, revision, file, cancellationToken);
            }
            catch (HttpRequestException e) when (e.StatusCode is null)
            {
                LogUnreachable(logger, options.Endpoint, e.Message);
                return Cached(root, repo, revision, files, reason: $"{options.Endpoint} is unreachable ({e.Message})");
            }

            commit ??= info.Commit;
            var blob = Path.Combine(root, "blobs", info.ETag);
            if (!File.Exists(blob))
            {
                await FetchAsync(info, blob, file, progress, cancellationToken);
            }
            else
            {
                progress?.Report(new HubDownloadProgress(file, new FileInfo(blob).Length, new FileInfo(blob).Length));
            }

            Link(Path.Combine(root, "snapshots", commit, file), blob);
        }

        Directory.CreateDirectory(Path.Combine(root, "refs"));
        if (commit is not null && commit != revision)
        {
            await File.WriteAllTextAsync(Path.Combine(root, "refs", revision), commit, cancellationToken);
        }

        return Path.Combine(root, "snapshots", commit ?? revision);
    }

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

    private async Task<HubFileInfo> HeadAsync(string repo, string revision, string file, CancellationToken cancellationToken)
    {
        var url = new Uri(options.Endpoint, $"{repo}/resolve/{Uri.EscapeDataString(revision)}/{file}");
        for (var hop = 0; ; hop++)
        {
            using var request = Request(HttpMethod.Head, url);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var location = response.Headers.Location;
            var redirect = (int)response.StatusCode is >= 300 and < 400 && location is not null;
            if (redirect && !location!.IsAbsoluteUri && hop < 5)
            {
                url = new Uri(url, location); // a renamed repository: ask again there
                continue;
            }

            if (!redirect)
            {
                ThrowIfRefused(response, repo, revision, file);
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
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ResumeAsync(info, partial, file, progress, cancellationToken);
                break;
            }
            catch (Exception e) when (attempt < options.Attempts && e is IOException or HttpRequestException { StatusCode: null or >= HttpStatusCode.InternalServerError })
            {
                LogResuming(logger, file, new FileInfo(partial).Length, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
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
        using var request = Request(HttpMethod.Get, info.Download);
        if (have > 0)
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        ThrowIfRefused(response, info.Download.ToString(), "", file);
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

    private HttpRequestMessage Request(HttpMethod method, Uri url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        if (options.Token is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private void ThrowIfRefused(HttpResponseMessage response, string repo, string revision, string file)
    {
        var where = revision.Length > 0 ? $"{repo}@{revision}" : repo;
        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                throw new HubException(options.Token is null
                    ? $"{where} needs authentication ({(int)response.StatusCode}): set HF_TOKEN to a token that can read it."
                    : $"The token in HF_TOKEN may not read {where} ({(int)response.StatusCode}).");
            case HttpStatusCode.NotFound:
                throw new HubException(Header(response.Headers, "X-Error-Code") == "RepoNotFound"
                    ? $"The repository {where} does not exist on {options.Endpoint}."
                    : $"{file} is not in {where} on {options.Endpoint} (404).");
            case >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError:
                throw new HubException($"{options.Endpoint} refused {file} of {where}: {(int)response.StatusCode} {response.ReasonPhrase}.");
            case >= HttpStatusCode.InternalServerError:
                throw new HttpRequestException($"{options.Endpoint} failed on {file}: {(int)response.StatusCode}.", null, response.StatusCode);
        }
    }

    /// <summary>The cached snapshot of <paramref name="revision"/>, if every file is there.</summary>
    private static string Cached(string root, string repo, string revision, IReadOnlyList<string> files, string reason)
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
            $"{reason}, and the cache at {root} lacks {string.Join(", ", missing)} of {repo}@{revision}. " +
            $"Download {string.Join(", ", files)} from https://huggingface.co/{repo} into a folder and point the model setting at that folder, or run once with network access.");
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
        catch (IOException)
        {
            File.Copy(blob, pointer);
        }
        catch (UnauthorizedAccessException)
        {
            File.Copy(blob, pointer);
        }
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private sealed record HubFileInfo(Uri Download, string ETag, string Commit, long? Size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hugging Face Hub at {Endpoint} unreachable ({Reason}); trying the cache")]
    private static partial void LogUnreachable(ILogger logger, Uri endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Download of {File} interrupted at {Bytes} bytes (attempt {Attempt}): {Reason}; resuming")]
    private static partial void LogResuming(ILogger logger, string file, long bytes, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {File} ({Bytes} bytes)")]
    private static partial void LogDownloaded(ILogger logger, string file, long bytes);
}
