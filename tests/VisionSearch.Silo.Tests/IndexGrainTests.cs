using System.Globalization;
using StackExchange.Redis;
using VisionSearch.Contracts;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Index grains on two in-process silos with real Redis (then Garnet): sharding, reactivation, rebuilds and
/// a real CLIP build from a folder of images.
/// </summary>
public abstract class IndexGrainTests(RedisServerFixture redis) : IAsyncLifetime
{
    private LocalSilos _cluster = null!;
    private ConnectionMultiplexer _redis = null!;

    protected TempDirectory Data { get; } = new();

    private IGrainFactory Grains => _cluster.Grains;

    public async ValueTask InitializeAsync()
    {
        await redis.InitializeAsync();
        var clusterId = $"test-{Guid.NewGuid():N}";
        _cluster = await LocalSilos.StartAsync(redis.ConnectionString, clusterId, new Dictionary<string, string?>
        {
            ["Ingestion:VectorBatchSize"] = "1000",
            ["Ingestion:BatchSize"] = "4", // a folder of the fixture's images takes several batches
        });
        _redis = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
    }

    public async ValueTask DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _cluster.DisposeAsync();

        await redis.DisposeAsync();
        Data.Dispose();
        GC.SuppressFinalize(this);
    }

    private (float[][] Rows, string Path) WriteRows(string name, int count, int dimension, int seed)
    {
        var rows = TestVectors.Clustered(count, dimension, seed);
        var path = Data.File($"{name}.fvecs");
        TestVectors.WriteFvecs(path, rows);
        return (rows, path);
    }

    [Fact]
    public async Task Sharded_index_has_every_item_and_recall_within_0_01_of_the_unsharded_one()
    {
        var (rows, path) = WriteRows("rows", 20_000, 32, seed: 3);
        var requested = DateTimeOffset.UtcNow;
        await Builds.StartAsync(Grains, "whole", Builds.Vectors(path, shards: 1));
        await Builds.StartAsync(Grains, "split", Builds.Vectors(path, shards: 4));
        var whole = await Builds.WaitReadyAsync(Grains, "whole", TimeSpan.FromMinutes(3));
        var split = await Builds.WaitReadyAsync(Grains, "split", TimeSpan.FromMinutes(3));
        var seen = DateTimeOffset.UtcNow;
        Assert.Equal((20_000L, 1), (whole.Count, whole.Shards));
        Assert.Equal((20_000L, 4, 20_000L), (split.Count, split.Shards, split.ItemsIndexed));

        // The build ran inside the time this test watched it, so its rate is at least the items over that time.
        Assert.InRange(split.StartedAt!.Value, requested, seen);
        Assert.InRange(split.FinishedAt!.Value, split.StartedAt.Value, seen);
        Assert.True(split.ItemsPerSecond >= 20_000 / (seen - requested).TotalSeconds, $"{split.ItemsPerSecond} items/s in a build watched for {(seen - requested).TotalSeconds:F1} s");
        Assert.Null(split.EtaSeconds);

        var queries = TestVectors.Clustered(200, 32, seed: 9);
        foreach (var ef in new[] { 10, 40 })
        {
            var (hitsWhole, hitsSplit) = (0, 0);
            foreach (var query in queries)
            {
                var exact = Builds.Exact(rows, query, 10);
                hitsWhole += (await Builds.SearchIdsAsync(Grains, "whole", query, 10, ef)).Intersect(exact).Count();
                hitsSplit += (await Builds.SearchIdsAsync(Grains, "split", query, 10, ef)).Intersect(exact).Count();
            }

            var (recallWhole, recallSplit) = (hitsWhole / 2000.0, hitsSplit / 2000.0);
            Assert.True(recallSplit >= recallWhole - 0.01, $"ef {ef}: sharded recall {recallSplit:F3}, unsharded {recallWhole:F3}");
        }

        // With ef as large as a shard, every shard's walk is exhaustive: the merged answer is the exact top-k.
        foreach (var query in queries.Take(10))
        {
            Assert.Equal(Builds.Exact(rows, query, 10), await Builds.SearchIdsAsync(Grains, "split", query, 10, 5_000));
        }
    }

    [Fact]
    public async Task Shard_0_lives_beside_its_index_grain_and_further_shards_go_round_the_silos()
    {
        var (_, path) = WriteRows("rows", 2_000, 16, seed: 5);
        await Builds.StartAsync(Grains, "whole", Builds.Vectors(path, shards: 1));
        await Builds.StartAsync(Grains, "split", Builds.Vectors(path, shards: 4));
        await Builds.WaitReadyAsync(Grains, "whole", TimeSpan.FromMinutes(1));
        await Builds.WaitReadyAsync(Grains, "split", TimeSpan.FromMinutes(1));

        var activations = await Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var silos = activations.Select(a => a.SiloAddress).Distinct().Order().ToArray();
        foreach (var (dataset, shards) in new[] { ("whole", 1), ("split", 4) })
        {
            var index = Array.IndexOf(silos, activations.Single(a => a.GrainId.Key.ToString() == dataset).SiloAddress);
            var placed = activations.Where(a => a.GrainId.Key.ToString()!.StartsWith(dataset + "/", StringComparison.Ordinal))
                .ToDictionary(a => int.Parse(a.GrainId.Key.ToString()!.Split('/')[^1], CultureInfo.InvariantCulture), a => Array.IndexOf(silos, a.SiloAddress));
            Assert.Equal(2, silos.Length);
            Assert.Equal(Enumerable.Range(0, shards).ToDictionary(s => s, s => (index + s) % 2), placed);
        }
    }

    [Fact]
    public async Task Deactivated_grains_come_back_from_redis_with_identical_results()
    {
        var (_, path) = WriteRows("again", 3_000, 16, seed: 4);
        await Builds.StartAsync(Grains, "again", Builds.Vectors(path, shards: 2));
        var ready = await Builds.WaitReadyAsync(Grains, "again", TimeSpan.FromMinutes(2));

        var queries = TestVectors.Clustered(20, 16, seed: 5);
        var before = new List<SearchHit[]>();
        foreach (var query in queries)
        {
            before.Add((await Grains.GetGrain<IDatasetIndexGrain>("again").SearchAsync(new SearchQuery(10, 20, Vector: query))).Hits);
        }

        var management = Grains.GetGrain<IManagementGrain>(0);
        var active = await management.GetTotalActivationCount();
        await management.ForceActivationCollection(TimeSpan.Zero);
        Assert.True(await management.GetTotalActivationCount() < active - 2, "The index and shard grains were not deactivated.");

        for (var i = 0; i < queries.Length; i++)
        {
            var after = (await Grains.GetGrain<IDatasetIndexGrain>("again").SearchAsync(new SearchQuery(10, 20, Vector: queries[i]))).Hits;
            Assert.Equal(before[i], after);
        }

        var status = await Grains.GetGrain<IDatasetIndexGrain>("again").GetStatusAsync();
        Assert.Equal((IndexPhase.Ready, ready.SnapshotVersion, 3_000L), (status.Status, status.SnapshotVersion, status.Count));
    }

    [Fact]
    public async Task A_rabitq_build_returns_exact_scores_near_brute_force_and_comes_back_from_redis_with_the_same_answers()
    {
        var all = TestVectors.Patches(3_020, 256, seed: 6);
        var (rows, queries) = (all[..3_000], all[3_000..]);
        var path = Data.File("bits.fvecs");
        TestVectors.WriteFvecs(path, rows);
        await Builds.StartAsync(Grains, "bits", Builds.Vectors(path, shards: 2) with { Quantization = Hnsw.Quantization.RaBitQ });
        var ready = await Builds.WaitReadyAsync(Grains, "bits", TimeSpan.FromMinutes(2));
        Assert.Equal((Hnsw.Quantization.RaBitQ, 3_000L), (ready.Spec!.Quantization, ready.Count));

        var before = new List<SearchHit[]>();
        var found = 0;
        foreach (var query in queries)
        {
            var hits = (await Grains.GetGrain<IDatasetIndexGrain>("bits").SearchAsync(new SearchQuery(10, 64, Vector: query))).Hits;
            before.Add(hits);
            found += hits.Select(h => h.Id).Intersect(Builds.Exact(rows, query, 10)).Count();

            // Re-ranked with the originals: the score is the exact cosine, not the codes' estimate.
            Assert.Equal(TestVectors.Cosine(rows[int.Parse(hits[0].Id, CultureInfo.InvariantCulture)], query), hits[0].Score, 1e-5);
        }

        Assert.True(found >= 0.95 * 10 * queries.Length, $"{found} of the {10 * queries.Length} exact neighbours");

        var management = Grains.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        for (var i = 0; i < queries.Length; i++)
        {
            Assert.Equal(before[i], (await Grains.GetGrain<IDatasetIndexGrain>("bits").SearchAsync(new SearchQuery(10, 64, Vector: queries[i]))).Hits);
        }
    }

    [Fact]
    public async Task Rebuild_with_other_parameters_serves_the_old_version_until_the_new_one_is_complete()
    {
        var (rows, path) = WriteRows("swap", 40_000, 32, seed: 6);
        await Builds.StartAsync(Grains, "swap", Builds.Vectors(path) with { Limit = 1_000 });
        var first = await Builds.WaitReadyAsync(Grains, "swap", TimeSpan.FromMinutes(2));
        Assert.Equal(1_000L, first.Count);

        var rebuilding = await Builds.StartAsync(Grains, "swap", Builds.Vectors(path, m: 8));
        Assert.Equal((IndexPhase.Building, first.SnapshotVersion, 1_000L), (rebuilding.Status, rebuilding.SnapshotVersion, rebuilding.Count));
        var query = rows[123];
        Assert.Equal("123", (await Builds.SearchIdsAsync(Grains, "swap", query, 1, 64))[0]);

        var second = await Builds.WaitReadyAsync(Grains, "swap", TimeSpan.FromMinutes(3));
        Assert.True(second.SnapshotVersion > first.SnapshotVersion);
        Assert.Equal((40_000L, 8), (second.Count, second.Spec!.M));
        Assert.Equal("39999", (await Builds.SearchIdsAsync(Grains, "swap", rows[39_999], 1, 64))[0]);

        // The replaced build's shard is gone from Redis (snapshot chunks, manifest and log) once the new one is
        // published: the drop follows the publication, so a status poll can see ready a moment before it.
        var server = _redis.GetServer(_redis.GetEndPoints()[0]);
        List<RedisKey> stale = [];
        await Wait.UntilAsync(
            async () => (stale = await server.KeysAsync(pattern: $"vs:{{swap/{first.SnapshotVersion}/*").ToListAsync()).Count == 0,
            TimeSpan.FromSeconds(30),
            () => $"the replaced build's keys stayed: {string.Join(", ", stale)}");
        Assert.True(await server.KeysAsync(pattern: $"vs:{{swap/{second.SnapshotVersion}/*").CountAsync() > 0);
    }

    [Fact]
    public async Task Folder_of_images_is_embedded_with_clip_and_undecodable_images_are_skipped_with_their_reason_by_builds_and_rebuilds()
    {
        var folder = Directory.CreateDirectory(Data.File("photos")).FullName;
        var images = TestFiles.Fixture("clip-tiny", "images");
        TestFiles.CopyFixtureImages(folder);

        // Last in path order, both in the build's last batch: the worker embeds it again in halves down to each of them.
        await File.WriteAllBytesAsync(Path.Combine(folder, "zz-broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4]);
        await File.WriteAllBytesAsync(Path.Combine(folder, "zz-broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4]);
        var model = TestFiles.Fixture("clip-tiny");
        var spec = new BuildSpec(SourceKinds.Folder, folder, null, IndexDefaults.Metric, Model: model);
        await Builds.StartAsync(Grains, "photos", spec);
        var status = await Builds.WaitReadyAsync(Grains, "photos", TimeSpan.FromMinutes(2));

        var count = Directory.GetFiles(images).Length;
        Assert.Equal((count + 2L, (long)count, (long)count, 2L), (status.ItemsRead, status.ItemsEmbedded, status.Count, status.ItemsSkipped));
        Assert.Equal(["zz-broken.jpg", "zz-broken.png"], status.Skips!.Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.All(status.Skips!, skip => Assert.Contains("decod", skip.Reason, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(model, status.Model);

        // A rebuild with another m takes every vector from the cache, in larger batches once one came whole from it, and
        // skips the same two.
        await Builds.StartAsync(Grains, "photos-m8", spec with { M = 8 });
        var rebuilt = await Builds.WaitReadyAsync(Grains, "photos-m8", TimeSpan.FromMinutes(2));
        Assert.Equal((count + 2L, (long)count, (long)count, (long)count, 2L), (rebuilt.ItemsRead, rebuilt.ItemsEmbedded, rebuilt.ItemsCached, rebuilt.Count, rebuilt.ItemsSkipped));
        Assert.Equal(["zz-broken.jpg", "zz-broken.png"], rebuilt.Skips!.Select(s => s.Id).Order(StringComparer.Ordinal));

        // The index holds what the embedder makes of each file: an image's own vector finds it first.
        using var embedder = ClipEmbedder.Open(new ClipModelFolder(model), new ClipOptions());
        var landscape = (await embedder.EmbedImagesAsync([await File.ReadAllBytesAsync(Path.Combine(images, "landscape_321x240.jpg"))]))[0];
        var hit = (await Grains.GetGrain<IDatasetIndexGrain>("photos").SearchAsync(new SearchQuery(3, Vector: landscape))).Hits[0];
        Assert.Equal("landscape_321x240.jpg", hit.Id);
        Assert.Equal(1.0, hit.Score, 4);
    }
}

public sealed class RedisIndexGrainTests() : IndexGrainTests(new RedisServerFixture());

public sealed class GarnetIndexGrainTests() : IndexGrainTests(new GarnetServerFixture());
