using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using VisionSearch.HuggingFace;

// The Hub names commits and small files by git object ids, which are SHA-1: the stand-in mimics them.
#pragma warning disable CA5350

namespace VisionSearch.Testing;

/// <summary>
/// A Hugging Face Hub on loopback, in the Hub's URL layout and headers, serving one repository from a
/// folder: <c>HEAD|GET /{repo}/resolve/{revision}/{path}</c> with <c>X-Repo-Commit</c> and an ETag;
/// <c>.onnx</c> and <c>.parquet</c> files behave as LFS files (HEAD answers 302 to a CDN on another host
/// name, <c>localhost</c>, with <c>X-Linked-Etag</c>/<c>X-Linked-Size</c>); Range requests get 206; 404s
/// carry <c>X-Error-Code</c>. Tests can require a token, replace a file (new ETag and commit), cut the next
/// download short, and make the next requests fail with a status (429 with Retry-After: 0, 503…).
/// </summary>
public sealed class HubStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _repo;
    /// <summary>Files by path, with their ids hashed once when added: a SHA-1 (the small-file ETag, shaped like git's ids) and the SHA-256 (LFS ETag, CDN name).</summary>
    private readonly ConcurrentDictionary<string, Served> _files = new(StringComparer.Ordinal);

    /// <summary>The same contents by SHA-256, as the CDN finds them.</summary>
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private int _cutNextDownloadAfter;
    private int _failures;
    private int _failureStatus;
    private string? _failureRetryAfter;

    private HubStandIn(WebApplication app, string repo, string folder)
    {
        _app = app;
        _repo = repo;
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            Put(Path.GetRelativePath(folder, file).Replace('\\', '/'), File.ReadAllBytes(file));
        }
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The commit every answer reports; changes when a file is replaced.</summary>
    public string Commit { get; private set; } = Convert.ToHexStringLower(SHA1.HashData("initial"u8));

    /// <summary>When set, requests without <c>Authorization: Bearer {token}</c> get 401, as for a gated repository.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>Requests seen, as "METHOD path [range]", with " +auth" when an Authorization header came.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task<HubStandIn> StartAsync(string repo, string folder)
    {
        var app = LoopbackServer.CreateBuilder().Build();
        var hub = new HubStandIn(app, repo, folder);
        app.MapMethods("/{**path}", ["GET", "HEAD"], hub.HandleAsync);
        hub.Endpoint = await LoopbackServer.StartAsync(app);
        return hub;
    }

    /// <summary>A Hub client of this stand-in with its own cache folder; its back-off is 10 ms, so retries cost the tests little.</summary>
    public HubClient Client(string cacheDirectory, string? token = null, bool offline = false) => new(
        new HttpClient(HubClient.CreateHandler()),
        new HubOptions { Endpoint = Endpoint, CacheDirectory = cacheDirectory, Token = token, Offline = offline, RetryBaseDelay = TimeSpan.FromMilliseconds(10) },
        NullLogger<HubClient>.Instance);

    /// <summary>Replaces (or adds) a file: its ETag and the repository's commit change.</summary>
    public void Replace(string path, byte[] content)
    {
        Put(path, content);
        Commit = Convert.ToHexStringLower(SHA1.HashData(content));
    }

    /// <summary>
    /// Replaces a file (its ETag changes) while every answer goes on naming the same commit, which the real Hub never does:
    /// what a reader that trusts the commit does not see, so a test can tell that it did not read the file.
    /// </summary>
    public void ReplaceKeepingCommit(string path, byte[] content) => Put(path, content);

    /// <summary>The next file download sends this many bytes (at most half the file), then drops the connection.</summary>
    public void CutNextDownloadAfter(int bytes) => _cutNextDownloadAfter = bytes;

    /// <summary>The next <paramref name="count"/> requests answer <paramref name="status"/>, with <paramref name="retryAfter"/> (none when null).</summary>
    public void FailNext(int count, int status, string? retryAfter = "0")
    {
        _failureStatus = status;
        _failureRetryAfter = retryAfter;
        Volatile.Write(ref _failures, count);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context, string path)
    {
        var request = context.Request;
        var auth = request.Headers.Authorization.Count > 0 ? " +auth" : "";
        Requests.Enqueue($"{request.Method} /{path} {request.Headers.Range}".TrimEnd() + auth);
        if (Interlocked.Decrement(ref _failures) >= 0)
        {
            context.Response.StatusCode = _failureStatus;
            context.Response.Headers.RetryAfter = _failureRetryAfter;
            return;
        }
        // The CDN serves signed URLs: no token needed, and none should arrive.
        if (path.StartsWith("cdn/", StringComparison.Ordinal))
        {
            var sha = path["cdn/".Length..];
            var blob = _blobs.GetValueOrDefault(sha);
            await ServeAsync(context, blob);
            return;
        }

        if (RequiredToken is { } token && request.Headers.Authorization != $"Bearer {token}")
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers["X-Error-Code"] = "GatedRepo";
            return;
        }

        if (path.StartsWith($"api/{_repo}/parquet", StringComparison.Ordinal))
        {
            await ParquetApiAsync(context, path[$"api/{_repo}/parquet".Length..].TrimStart('/'));
            return;
        }

        var prefix = $"{_repo}/resolve/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.Headers["X-Error-Code"] = "RepoNotFound";
            return;
        }

        var file = path[prefix.Length..];
        file = file.StartsWith(ConvertedRevision + "/", StringComparison.Ordinal)
            ? file[(ConvertedRevision.Length + 1)..]
            : file[(file.IndexOf('/', StringComparison.Ordinal) + 1)..]; // after the revision
        if (!_files.TryGetValue(file, out var served))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.Headers["X-Error-Code"] = "EntryNotFound";
            return;
        }

        context.Response.Headers["X-Repo-Commit"] = Commit;
        if (file.EndsWith(".onnx", StringComparison.Ordinal) || file.EndsWith(".parquet", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            var (content, _, sha) = served;
            context.Response.Headers["X-Linked-Etag"] = $"\"{sha}\"";
            context.Response.Headers["X-Linked-Size"] = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers.Location = $"http://localhost:{Endpoint.Port}/cdn/{sha}";
            return;
        }

        context.Response.Headers.ETag = $"\"{served.GitSha1}\"";
        await ServeAsync(context, served.Content);
    }

    private const string ConvertedRevision = "refs/convert/parquet";

    /// <summary>
    /// <c>/api/datasets/{id}/parquet</c>: {config: {split: [urls]}} over the served <c>{config}/{split}/*.parquet</c>
    /// files; a listed URL (<c>…/parquet/{config}/{split}/{n}.parquet</c>) redirects to the file under refs/convert/parquet.
    /// </summary>
    private async Task ParquetApiAsync(HttpContext context, string rest)
    {
        var shards = _files.Keys.Where(f => f.EndsWith(".parquet", StringComparison.Ordinal) && f.Count(c => c == '/') == 2)
            .Order(StringComparer.Ordinal)
            .GroupBy(f => f[..f.IndexOf('/', StringComparison.Ordinal)])
            .ToDictionary(c => c.Key, c => c.GroupBy(f => f.Split('/')[1]).ToDictionary(s => s.Key, s => s.ToList()));
        if (rest.Length == 0)
        {
            var listing = shards.ToDictionary(c => c.Key, c => c.Value.ToDictionary(
                s => s.Key, s => s.Value.Select((_, n) => new Uri(Endpoint, $"api/{_repo}/parquet/{c.Key}/{s.Key}/{n}.parquet").ToString()).ToList()));
            await context.Response.WriteAsJsonAsync(listing);
            return;
        }

        var parts = rest.Split('/');
        if (parts.Length == 3 && shards.TryGetValue(parts[0], out var splits) && splits.TryGetValue(parts[1], out var files)
            && int.TryParse(parts[2].Replace(".parquet", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture, out var n) && n < files.Count)
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = $"/{_repo}/resolve/{Uri.EscapeDataString(ConvertedRevision)}/{files[n]}";
            return;
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    private async Task ServeAsync(HttpContext context, byte[]? content)
    {
        if (content is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var start = 0;
        var range = context.Request.Headers.Range.ToString();
        if (range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = int.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = $"bytes {start}-{content.Length - 1}/{content.Length}";
        }

        context.Response.ContentLength = content.Length - start;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var cut = Math.Min(Interlocked.Exchange(ref _cutNextDownloadAfter, 0), (content.Length - start) / 2);
        if (cut > 0)
        {
            await context.Response.Body.WriteAsync(content.AsMemory(start, cut));
            await context.Response.Body.FlushAsync();
            await Task.Delay(300); // let the client take the bytes in: a reset discards what it has not read yet
            context.Abort();
            return;
        }

        await context.Response.Body.WriteAsync(content.AsMemory(start));
    }

    private void Put(string path, byte[] content)
    {
        var served = new Served(content, Convert.ToHexStringLower(SHA1.HashData(content)), Convert.ToHexStringLower(SHA256.HashData(content)));
        _blobs[served.Sha256] = content;
        _files[path] = served;
    }

    private sealed record Served(byte[] Content, string GitSha1, string Sha256);
}
