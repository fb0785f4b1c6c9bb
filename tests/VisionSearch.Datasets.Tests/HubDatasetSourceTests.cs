using Microsoft.Extensions.Logging.Abstractions;
using VisionSearch.Datasets.Hub;
using VisionSearch.HuggingFace;
using VisionSearch.Testing;

namespace VisionSearch.Datasets.Tests;

public sealed class HubDatasetSourceTests : IAsyncLifetime
{
    private const string Dataset = "someone/pets";

    private readonly TempDirectory _repo = new();
    private readonly TempDirectory _cache = new();
    private HubStandIn _hub = null!;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_repo.File("default/train"));
        Directory.CreateDirectory(_repo.File("default/test"));
        Directory.CreateDirectory(_repo.File("captions/train"));
        var png = DatasetReading.Png;
        await SyntheticParquet.WriteImagesAsync(_repo.File("default/train/0000.parquet"), [.. Enumerable.Range(0, 100).Select(i => ((byte[]?)png, (string?)$"pet {i}"))], rowGroupSize: 40);
        await SyntheticParquet.WriteImagesAsync(_repo.File("default/train/0001.parquet"), [.. Enumerable.Range(100, 50).Select(i => ((byte[]?)png, (string?)$"pet {i}"))]);
        await SyntheticParquet.WriteImagesAsync(_repo.File("default/test/0000.parquet"), [.. Enumerable.Range(0, 10).Select(i => ((byte[]?)png, (string?)$"test {i}"))]);
        await SyntheticParquet.WriteTextsAsync(_repo.File("captions/train/0000.parquet"), ["a", "b"]);
        _hub = await HubStandIn.StartAsync($"datasets/{Dataset}", _repo.Path);
    }

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        _repo.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task Every_shard_of_the_split_is_listed_downloaded_and_read_and_the_second_read_hits_the_cache()
    {
        var entries = await DatasetReading.AllAsync(Source());

        Assert.Equal(Enumerable.Range(0, 150).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), entries.Select(e => e.Id));
        Assert.Equal("pet 149", entries[^1].Item!.Text);
        Assert.Equal(DatasetReading.Png, entries[0].Item!.Bytes.ToArray());
        Assert.Equal(2, _hub.Requests.Count(r => r.StartsWith("GET /cdn/", StringComparison.Ordinal)));
        Assert.True(Directory.Exists(_cache.File("datasets--someone--pets/blobs")));

        _hub.Requests.Clear();
        Assert.Equal(150, (await DatasetReading.AllAsync(Source())).Count);
        Assert.DoesNotContain(_hub.Requests, r => r.StartsWith("GET /cdn/", StringComparison.Ordinal));

        Assert.Equal(["a", "b"], (await DatasetReading.AllAsync(Source(config: "captions"))).Select(e => e.Item!.Text));
        Assert.Equal(10, (await DatasetReading.AllAsync(Source(split: "test"))).Count);
    }

    [Fact]
    public async Task A_cursor_resumes_inside_the_second_shard()
    {
        var first = await Source().ReadAsync().Take(120).ToListAsync();
        var rest = await DatasetReading.AllAsync(Source(), first[^1].Cursor);

        Assert.Equal(Enumerable.Range(120, 30).Select(i => $"pet {i}"), rest.Select(e => e.Item!.Text));

        // The cursor and an explicit revision both pin the commit the files are fetched at.
        Assert.StartsWith(_hub.Commit + "/f:1:", first[^1].Cursor);
        _hub.Requests.Clear();
        Assert.Equal(150, (await DatasetReading.AllAsync(new HubDatasetSource(Client(), Dataset, revision: _hub.Commit))).Count);
        Assert.Contains($"HEAD /datasets/someone/pets/resolve/{_hub.Commit}/default/train/0000.parquet", _hub.Requests);
    }

    [Fact]
    public async Task Unknown_configs_and_splits_name_the_ones_that_exist()
    {
        var config = await Assert.ThrowsAsync<DatasetException>(() => DatasetReading.AllAsync(Source(config: "nope")));
        Assert.Equal("config", config.Field);
        Assert.Contains("has configs captions, default", config.Message);

        var split = await Assert.ThrowsAsync<DatasetException>(() => DatasetReading.AllAsync(Source(split: "validation")));
        Assert.Equal("split", split.Field);
        Assert.Contains("has splits test, train", split.Message);

        var missing = await Assert.ThrowsAsync<HubException>(() => DatasetReading.AllAsync(new HubDatasetSource(Client(), "nobody/nothing")));
        Assert.Contains("nobody/nothing", missing.Message);
    }

    [Fact]
    public async Task A_gated_dataset_needs_the_token_which_never_reaches_the_cdn()
    {
        _hub.RequiredToken = "hf_secret";

        var error = await Assert.ThrowsAsync<HubException>(() => DatasetReading.AllAsync(Source()));
        Assert.Contains("dataset someone/pets is private, gated or does not exist (401)", error.Message);

        Assert.Equal(150, (await DatasetReading.AllAsync(Source(token: "hf_secret"))).Count);
        Assert.All(_hub.Requests.Where(r => r.StartsWith("GET /cdn/", StringComparison.Ordinal)), r => Assert.DoesNotContain("+auth", r));
        Assert.Contains(_hub.Requests, r => r.StartsWith("GET /api/datasets/someone/pets/parquet", StringComparison.Ordinal) && r.EndsWith("+auth", StringComparison.Ordinal));

        _hub.FailNext(1, 403);
        var forbidden = await Assert.ThrowsAsync<HubException>(() => DatasetReading.AllAsync(Source(token: "hf_secret")));
        Assert.Contains("may not read dataset someone/pets (403)", forbidden.Message);
    }

    [Fact]
    public async Task Throttling_is_waited_out_and_a_cut_download_resumes()
    {
        _hub.FailNext(2, 429);
        _hub.CutNextDownloadAfter(500_000);

        Assert.Equal(150, (await DatasetReading.AllAsync(Source())).Count);
        Assert.Equal(2, _hub.Requests.Count(r => r.StartsWith("GET /api/datasets/someone/pets/parquet", StringComparison.Ordinal) && !r.Contains(".parquet", StringComparison.Ordinal)) - 1);
        Assert.True(_hub.Requests.Any(r => r.StartsWith("GET /cdn/", StringComparison.Ordinal) && r.Contains("bytes=", StringComparison.Ordinal)), string.Join("\n", _hub.Requests));
    }

    private HubDatasetSource Source(string? config = null, string? split = null, string? token = null) => new(Client(token), Dataset, config, split);

    private HubClient Client(string? token = null) => new(
        new HttpClient(HubClient.CreateHandler()),
        new HubOptions { Endpoint = _hub.Endpoint, CacheDirectory = _cache.Path, Token = token, RetryBaseDelay = TimeSpan.FromMilliseconds(10) },
        NullLogger<HubClient>.Instance);
}
