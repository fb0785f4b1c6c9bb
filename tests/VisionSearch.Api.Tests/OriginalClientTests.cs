using System.Net;
using VisionSearch.Testing;

namespace VisionSearch.Api.Tests;

/// <summary>A cluster whose silos read the Hub from a stand-in holding one image dataset, and embed with clip-tiny by default.</summary>
public sealed class HubCluster : ApiCluster
{
    public const string Repo = "someone/pets";
    private readonly TempDirectory _repo = new();
    private HubStandIn? _hub;

    /// <summary>The stand-in, serving <c>default/train/0000.parquet</c>: the fixture's 12 images captioned "pet {name}".</summary>
    public HubStandIn Hub => _hub ?? throw new InvalidOperationException("The cluster has not started.");

    public HubCluster() : base(new RedisServerFixture(), new() { ["Embeddings:Clip:Model"] = TestFiles.Fixture("clip-tiny") })
    {
    }

    protected override async Task<Dictionary<string, string?>> MoreSettingsAsync()
    {
        Directory.CreateDirectory(_repo.File("default/train"));
        await WriteShardAsync(_repo.File("default/train/0000.parquet"), "pet");
        _hub = await HubStandIn.StartAsync($"datasets/{Repo}", _repo.Path);
        return new()
        {
            ["HuggingFace:Endpoint"] = _hub.Endpoint.ToString(),
            ["HuggingFace:CacheDirectory"] = Data.File("hf-cache"),
        };
    }

    /// <summary>Writes the fixture's 12 images, in name order, captioned "{prefix} {name}", as one Parquet shard.</summary>
    public static Task WriteShardAsync(string path, string prefix) => SyntheticParquet.WriteImagesAsync(
        path,
        [.. Directory.GetFiles(TestFiles.Fixture("clip-tiny", "images")).Order(StringComparer.Ordinal)
            .Select(f => ((byte[]?)File.ReadAllBytes(f), (string?)$"{prefix} {Path.GetFileNameWithoutExtension(f)}"))]);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        _repo.Dispose();
    }
}

/// <summary>The Python original's client, unchanged: its build body, its status polling, its text search and the fields it reads.</summary>
public sealed class OriginalClientTests(HubCluster cluster) : IClassFixture<HubCluster>
{
    [Fact]
    public async Task The_originals_requests_build_a_Hub_dataset_and_search_it_by_text()
    {
        var build = await cluster.Client.PostRawAsync("/index/build", """{"dataset_repo": "someone/pets", "split": "train", "image_column": "image"}""");
        Assert.Equal(HttpStatusCode.Accepted, build.StatusCode);
        var started = await build.ReadJsonAsync();
        Assert.Equal("someone--pets", (string)started["dataset"]!);
        Assert.Equal(("hub", "someone/pets", "image"), ((string)started["spec"]!["source"]!, (string)started["spec"]!["location"]!, (string)started["spec"]!["column"]!));

        // The original's client polls GET /index/status (no dataset) until status is "ready".
        await Wait.UntilAsync(
            async () =>
            {
                var overview = await (await cluster.Client.GetAsync("/index/status")).ReadJsonAsync();
                Assert.True((string?)overview["status"] is "building" or "ready", overview.ToJsonString());
                return (string?)overview["status"] == "ready";
            },
            TimeSpan.FromSeconds(60),
            "the overview never said ready");

        var overviewReady = await (await cluster.Client.GetAsync("/index/status")).ReadJsonAsync();
        Assert.Equal(12L, (long)overviewReady["count"]!);

        var response = await cluster.Client.GetAsync("/search?query=a%20cat&k=5");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.ReadJsonAsync())["results"]!.AsArray();
        Assert.Equal(5, results.Count);
        var scores = results.Select(r => (double)r!["score"]!).ToList();
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.All(results, r => Assert.Equal((string)r!["id"]!, (string)r["image_path"]!)); // Hub rows: the row number

        // The image of a Hub row is read again from the (cached) Parquet file.
        var image = await cluster.Client.GetAsync((string)results[0]!["image_url"]!);
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.StartsWith("image/", image.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }
}
