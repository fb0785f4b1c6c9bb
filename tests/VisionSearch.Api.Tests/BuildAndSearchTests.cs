using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using VisionSearch.Testing;

namespace VisionSearch.Api.Tests;

/// <summary>
/// The thin slice end to end: a vectors file is built into a dataset's HNSW index, searched with ef as
/// large as the dataset (which makes the walk exhaustive, so the answer must be the exact top-k: this also
/// proves ef reaches the index), and survives a silo restart.
/// </summary>
public abstract class BuildAndSearchTests(ApiCluster cluster)
{
    private const int Dimension = 48;

    [Fact]
    public async Task Built_dataset_answers_the_exact_top_k_and_the_same_after_a_silo_restart()
    {
        var rows = TestVectors.Clustered(2000, Dimension, seed: 5);
        var path = cluster.Data.File("slice.fvecs");
        TestVectors.WriteFvecs(path, rows);

        var build = await cluster.Client.PostJsonAsync("/index/build", new { dataset = "slice", source = "vectors", location = path });
        Assert.Equal(HttpStatusCode.Accepted, build.StatusCode);
        Assert.Equal("/index/status?dataset=slice", build.Headers.Location?.ToString());

        var status = await cluster.Client.WaitUntilReadyAsync("slice");
        Assert.Equal(2000, (long)status["count"]!);
        Assert.Equal(2000, (long)status["items_indexed"]!);
        Assert.Equal(Dimension, (int)status["dimension"]!);
        // The index in memory holds at least the raw vectors; the snapshot holds them too, and is smaller than the paged memory.
        var memory = (long)status["memory_bytes"]!;
        var snapshot = (long)status["snapshot_bytes"]!;
        Assert.InRange(snapshot, 2000L * Dimension * sizeof(float), memory);

        var queries = TestVectors.Clustered(20, Dimension, seed: 77);
        var before = new List<JsonArray>();
        foreach (var query in queries)
        {
            var results = await SearchAsync("slice", query, 10);
            Assert.Equal(TestVectors.BruteForceCosine(rows, query, 10), results.Select(r => int.Parse((string)r!["id"]!, CultureInfo.InvariantCulture)));
            Assert.Equal(TestVectors.Cosine(rows[int.Parse((string)results[0]!["id"]!, CultureInfo.InvariantCulture)], query), (double)results[0]!["score"]!, 5);
            before.Add(results);
        }

        await cluster.Silo.StopAsync();
        await cluster.Silo.StartAsync();

        // The client reconnects to the restarted gateway; the grain reactivates from its Redis snapshot.
        Exception? refused = null;
        var first = await Wait.ForAsync(
            async () =>
            {
                try
                {
                    return await SearchAsync("slice", queries[0], 10);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException)
                {
                    refused = e; // the gateway not back yet, or an answer other than 200
                    return null;
                }
            },
            TimeSpan.FromSeconds(60),
            () => $"no search answered after the silo restarted; the last try: {refused?.Message}");
        Assert.Equal(before[0].ToJsonString(), first.ToJsonString());
        for (var i = 1; i < queries.Length; i++)
        {
            Assert.Equal(before[i].ToJsonString(), (await SearchAsync("slice", queries[i], 10)).ToJsonString());
        }

        var restored = await (await cluster.Client.GetAsync("/index/status?dataset=slice")).ReadJsonAsync();
        Assert.Equal("ready", (string)restored["status"]!);
        Assert.Equal((long)status["snapshot_version"]!, (long)restored["snapshot_version"]!);
        Assert.Equal(memory, (long)restored["memory_bytes"]!); // the restored index takes what the built one took
        Assert.Equal(snapshot, (long)restored["snapshot_bytes"]!);
    }

    [Fact]
    public async Task Same_build_request_again_is_accepted_without_a_rebuild_and_listed_once()
    {
        var path = cluster.Data.File("twice.fvecs");
        TestVectors.WriteFvecs(path, TestVectors.Clustered(50, 8, seed: 1));
        var request = new { dataset = "twice", location = path };

        Assert.Equal(HttpStatusCode.Accepted, (await cluster.Client.PostJsonAsync("/index/build", request)).StatusCode);
        var ready = await cluster.Client.WaitUntilReadyAsync("twice");
        var again = await cluster.Client.PostJsonAsync("/index/build", request);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var body = await again.ReadJsonAsync();
        Assert.Equal("ready", (string)body["status"]!);
        Assert.Equal((long)ready["snapshot_version"]!, (long)body["snapshot_version"]!);

        var all = (await (await cluster.Client.GetAsync("/index/status")).ReadJsonAsync())["datasets"]!.AsArray();
        Assert.Single(all, s => (string)s!["dataset"]! == "twice");
    }

    [Fact]
    public async Task A_first_build_answers_searches_before_it_finishes()
    {
        var rows = TestVectors.Clustered(60_000, 32, seed: 8);
        var path = cluster.Data.File("early.fvecs");
        TestVectors.WriteFvecs(path, rows);
        Assert.Equal(HttpStatusCode.Accepted, (await cluster.Client.PostJsonAsync("/index/build", new { dataset = "early", location = path })).StatusCode);

        // Poll until the build has passed its first items; searching then must already work.
        JsonNode status;
        do
        {
            status = await (await cluster.Client.GetAsync("/index/status?dataset=early")).ReadJsonAsync();
        }
        while ((string)status["status"]! == "building" && (long)status["count"]! < 100);

        Assert.True((string)status["status"]! == "building", "the build ended before a search could be tried while it ran");
        var results = await SearchAsync("early", rows[7], 5);
        Assert.Equal(5, results.Count);
        Assert.Equal(0L, (long)status["snapshot_version"]!);
        Assert.Equal(60_000, (long)(await cluster.Client.WaitUntilReadyAsync("early"))["count"]!);
    }

    [Fact]
    public async Task Delete_removes_every_key_of_a_ready_or_building_dataset_and_a_rebuild_starts_afresh()
    {
        var small = cluster.Data.File("doomed.fvecs");
        TestVectors.WriteFvecs(small, TestVectors.Clustered(500, 8, seed: 2));
        var large = cluster.Data.File("doomed-large.fvecs");
        TestVectors.WriteFvecs(large, TestVectors.Clustered(50_000, 32, seed: 3));
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(cluster.RedisConnectionString + ",allowAdmin=true");

        await cluster.Client.PostJsonAsync("/index/build", new { dataset = "doomed", location = small });
        var first = await cluster.Client.WaitUntilReadyAsync("doomed");
        Assert.NotEmpty(KeysOf(redis, "doomed"));

        Assert.Equal(HttpStatusCode.NoContent, (await cluster.Client.DeleteAsync("/datasets/doomed")).StatusCode);
        Assert.Equal(["vs:{doomed}:builds"], KeysOf(redis, "doomed")); // the version counter stays: no later build reuses a key
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.GetAsync("/datasets/doomed")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.PostJsonAsync("/search", new { dataset = "doomed", vector = new float[8] { 1, 0, 0, 0, 0, 0, 0, 0 } })).StatusCode);
        Assert.DoesNotContain("doomed", (await (await cluster.Client.GetAsync("/datasets")).ReadJsonAsync()).AsArray().Select(d => (string)d!["dataset"]!));
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.DeleteAsync("/datasets/doomed")).StatusCode);

        // A build deleted while it runs stops, and leaves nothing behind either.
        await cluster.Client.PostJsonAsync("/index/build", new { dataset = "doomed", location = large });
        Assert.Equal(HttpStatusCode.NoContent, (await cluster.Client.DeleteAsync("/datasets/doomed")).StatusCode);
        Assert.Equal(["vs:{doomed}:builds"], KeysOf(redis, "doomed"));
        Assert.False(await redis.GetDatabase().SetContainsAsync("vs:building", "doomed"));

        await cluster.Client.PostJsonAsync("/index/build", new { dataset = "doomed", location = small });
        var again = await cluster.Client.WaitUntilReadyAsync("doomed");
        Assert.Equal(500, (long)again["count"]!);
        Assert.True((long)again["snapshot_version"]! > (long)first["snapshot_version"]!);
    }

    /// <summary>The dataset's own keys and its shards' (<c>vs:{doomed}:…</c>, <c>vs:{doomed/2/0}:…</c>).</summary>
    private static string[] KeysOf(StackExchange.Redis.ConnectionMultiplexer redis, string dataset) =>
        [.. redis.GetServers().SelectMany(s => s.Keys(pattern: $"vs:{{{dataset}[}}/]*")).Select(k => k.ToString()).Order(StringComparer.Ordinal)];

    private async Task<JsonArray> SearchAsync(string dataset, float[] vector, int k)
    {
        var response = await cluster.Client.PostJsonAsync("/search", new { dataset, vector, k, ef = 2000 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync())["results"]!.AsArray();
    }
}

public sealed class BuildAndSearchOnRedisTests(ApiCluster cluster) : BuildAndSearchTests(cluster), IClassFixture<ApiCluster>;

public sealed class BuildAndSearchOnGarnetTests(GarnetApiCluster cluster) : BuildAndSearchTests(cluster), IClassFixture<GarnetApiCluster>;

public sealed class BuildAndSearchInOneProcessTests(OneProcessApiCluster cluster) : BuildAndSearchTests(cluster), IClassFixture<OneProcessApiCluster>;
