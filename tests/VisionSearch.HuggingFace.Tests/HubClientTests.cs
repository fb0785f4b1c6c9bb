using Microsoft.Extensions.Logging.Abstractions;
using VisionSearch.HuggingFace;
using VisionSearch.Testing;

namespace VisionSearch.HuggingFace.Tests;

/// <summary>
/// The Hub client against a stand-in speaking the Hub's HTTP protocol: the cache layout of huggingface_hub, ETags and
/// commits, resumed downloads, tokens kept from the CDN, back-off on 429 and 5xx, and offline use.
/// </summary>
public sealed class HubClientTests : IAsyncLifetime
{
    private const string RepoId = "Xenova/clip-vit-base-patch32";
    private static readonly HubRepository Repo = new(RepoId);
    private static readonly string Model = TestFiles.Fixture("clip-tiny");
    private static readonly string[] Files = ["tokenizer.json", "preprocessor_config.json", "onnx/text_model.onnx", "onnx/vision_model.onnx"];

    private readonly TempDirectory _cache = new();
    private HubStandIn _hub = null!;

    public async ValueTask InitializeAsync() => _hub = await HubStandIn.StartAsync(RepoId, Model);

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        _cache.Dispose();
    }

    [Fact]
    public async Task The_first_download_fills_the_huggingface_cache_layout_and_the_second_is_a_cache_hit()
    {
        var progress = new List<HubDownloadProgress>();
        var snapshot = await Client().DownloadAsync(Repo, "main", Files, new SynchronousProgress(progress.Add));

        var root = Path.Combine(_cache.Path, "models--Xenova--clip-vit-base-patch32");
        Assert.Equal(Path.Combine(root, "snapshots", _hub.Commit), snapshot);
        Assert.Equal(_hub.Commit, File.ReadAllText(Path.Combine(root, "refs", "main")));
        foreach (var file in Files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(Model, file)), File.ReadAllBytes(Path.Combine(snapshot, file)));
        }

        Assert.Equal(4, Directory.GetFiles(Path.Combine(root, "blobs")).Length);
        Assert.Contains(progress, p => p.File == "onnx/text_model.onnx" && p.Bytes == p.Total);
        Assert.Equal(4, _hub.Requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal)));

        _hub.Requests.Clear();
        Assert.Equal(snapshot, await Client().DownloadAsync(Repo, "main", Files));
        Assert.DoesNotContain(_hub.Requests, r => r.StartsWith("GET", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_changed_etag_downloads_only_that_file_into_the_new_commit()
    {
        await Client().DownloadAsync(Repo, "main", Files);
        _hub.Requests.Clear();
        var changed = "{\"size\": {\"shortest_edge\": 224}}"u8.ToArray();
        _hub.Replace("preprocessor_config.json", changed);

        var snapshot = await Client().DownloadAsync(Repo, "main", Files);

        Assert.EndsWith(_hub.Commit, snapshot);
        Assert.Equal(changed, File.ReadAllBytes(Path.Combine(snapshot, "preprocessor_config.json")));
        Assert.Equal(["GET /Xenova/clip-vit-base-patch32/resolve/main/preprocessor_config.json"], _hub.Requests.Where(r => r.StartsWith("GET", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_cut_connection_resumes_with_a_range_request()
    {
        _hub.CutNextDownloadAfter(100_000);

        var snapshot = await Client().DownloadAsync(Repo, "main", ["onnx/vision_model.onnx"]);

        Assert.Equal(File.ReadAllBytes(Path.Combine(Model, "onnx/vision_model.onnx")), File.ReadAllBytes(Path.Combine(snapshot, "onnx/vision_model.onnx")));
        // The second GET asks only for the rest: whatever reached the disk before the cut (at most 100,000 bytes).
        var gets = _hub.Requests.Where(r => r.StartsWith("GET /cdn/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, gets.Count);
        var resumedAt = long.Parse(gets[1][(gets[1].LastIndexOf('=') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(resumedAt, 1, 100_000);
    }

    [Fact]
    public async Task A_gated_repository_needs_hf_token()
    {
        _hub.RequiredToken = "hf_secret";

        var error = await Assert.ThrowsAsync<HubException>(() => Client().DownloadAsync(Repo, "main", Files));
        Assert.Contains("set HF_TOKEN", error.Message);

        var snapshot = await Client(token: "hf_secret").DownloadAsync(Repo, "main", ["tokenizer.json"]);
        Assert.True(File.Exists(Path.Combine(snapshot, "tokenizer.json")));
    }

    [Fact]
    public async Task The_token_goes_to_the_hub_but_never_to_the_cdn_host()
    {
        _hub.RequiredToken = "hf_secret";

        await Client(token: "hf_secret").DownloadAsync(Repo, "main", ["onnx/vision_model.onnx"]);

        Assert.Contains(_hub.Requests, r => r.StartsWith("HEAD /Xenova", StringComparison.Ordinal) && r.EndsWith("+auth", StringComparison.Ordinal));
        var cdn = Assert.Single(_hub.Requests, r => r.StartsWith("GET /cdn/", StringComparison.Ordinal));
        Assert.DoesNotContain("+auth", cdn);
    }

    [Fact]
    public async Task Throttling_and_server_errors_are_retried_with_back_off()
    {
        _hub.FailNext(2, 429);
        var snapshot = await Client().DownloadAsync(Repo, "main", ["tokenizer.json"]);
        Assert.True(File.Exists(Path.Combine(snapshot, "tokenizer.json")));
        Assert.Equal(3, _hub.Requests.Count(r => r.StartsWith("HEAD", StringComparison.Ordinal)));

        _hub.FailNext(10, 503); // more than the 5 attempts, and nothing cached for this file
        var error = await Assert.ThrowsAsync<HubException>(() => Client().DownloadAsync(Repo, "main", ["merges.txt"]));
        Assert.Contains("unavailable", error.Message);
        Assert.Contains("lacks merges.txt", error.Message);
    }

    [Fact]
    public async Task The_back_off_is_huggingface_hubs_doubling_from_the_base_delay_or_what_the_hub_says()
    {
        // huggingface_hub's http_backoff with a 1 s base: 1, 2, 4, 8 s between five attempts; Retry-After (or
        // RateLimit's t=) plus the base when the Hub says how long. The clock records each wait instead of waiting it.
        var clock = new RecordingClock();
        var client = new HubClient(
            new HttpClient(HubClient.CreateHandler()),
            new HubOptions { Endpoint = _hub.Endpoint, CacheDirectory = _cache.Path, RetryBaseDelay = TimeSpan.FromSeconds(1) },
            NullLogger<HubClient>.Instance,
            clock);

        _hub.FailNext(10, 503, retryAfter: null);
        await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync(Repo, "main", ["tokenizer.json"]));
        Assert.Equal([1, 2, 4, 8], clock.Waits.Select(w => w.TotalSeconds));
        Assert.Equal(5, _hub.Requests.Count);

        clock.Waits.Clear();
        _hub.FailNext(1, 429, retryAfter: "3");
        await client.DownloadAsync(Repo, "main", ["tokenizer.json"]);
        Assert.Equal([4], clock.Waits.Select(w => w.TotalSeconds));

        // A download cut short resumes after the base delay, from the bytes it has.
        clock.Waits.Clear();
        _hub.CutNextDownloadAfter(100_000);
        await client.DownloadAsync(Repo, "main", ["onnx/vision_model.onnx"]);
        Assert.Equal([1], clock.Waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public async Task Missing_files_and_repositories_are_named_in_the_error()
    {
        var file = await Assert.ThrowsAsync<HubException>(() => Client().DownloadAsync(Repo, "main", ["onnx/model_q4.onnx"]));
        Assert.Contains("onnx/model_q4.onnx is not in Xenova/clip-vit-base-patch32@main", file.Message);

        var repo = await Assert.ThrowsAsync<HubException>(() => Client().DownloadAsync(new HubRepository("nobody/nothing"), "main", Files));
        Assert.Contains("nobody/nothing@main does not exist", repo.Message);
    }

    [Fact]
    public async Task Offline_the_cache_serves_and_without_it_the_error_says_what_to_download()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Client(offline: true).DownloadAsync(Repo, "main", Files));
        Assert.Contains("Download tokenizer.json, preprocessor_config.json, onnx/text_model.onnx, onnx/vision_model.onnx from https://huggingface.co/Xenova/clip-vit-base-patch32", error.Message);

        var online = await Client().DownloadAsync(Repo, "main", Files);
        Assert.Equal(online, await Client(offline: true).DownloadAsync(Repo, "main", Files));

        await _hub.DisposeAsync();
        Assert.Equal(online, await Client().DownloadAsync(Repo, "main", Files)); // unreachable: falls back to the cache
        _hub = await HubStandIn.StartAsync(RepoId, Model);
    }

    private HubClient Client(string? token = null, bool offline = false) => _hub.Client(_cache.Path, token, offline);

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and race the assertions).</summary>
    private sealed class SynchronousProgress(Action<HubDownloadProgress> report) : IProgress<HubDownloadProgress>
    {
        public void Report(HubDownloadProgress value) => report(value);
    }
}
