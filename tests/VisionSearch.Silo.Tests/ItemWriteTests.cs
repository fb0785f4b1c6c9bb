using VisionSearch.Contracts;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Items written and deleted through the index grain on two in-process silos, on Redis and on Garnet: exact counts,
/// records and top-k after mixed writes, concurrent writers beside searchers, and builds that carry the writes on.
/// </summary>
public abstract class ItemWriteTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const int Dimension = 16;
    private LocalSilos _cluster = null!;

    protected TempDirectory Data { get; } = new();

    private IGrainFactory Grains => _cluster.Grains;

    public async ValueTask InitializeAsync()
    {
        await redis.InitializeAsync();
        var settings = new Dictionary<string, string?> { ["Ingestion:VectorBatchSize"] = "100", ["Snapshots:EveryItems"] = "400" };
        _cluster = await LocalSilos.StartAsync(redis.ConnectionString, $"test-{Guid.NewGuid():N}", settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await redis.DisposeAsync();
        Data.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Mixed_writes_replaces_and_deletes_leave_exact_counts_records_and_top_k()
    {
        var writes = new Writes(Grains, "mixed");
        await writes.CreateAsync(Dimension, shards: 3);
        var rows = TestVectors.Clustered(600, Dimension, seed: 31);

        for (var batch = 0; batch < 3; batch++)
        {
            await writes.WriteAsync([.. Enumerable.Range(batch * 100, 100).Select(i => Writes.Item($"w{i}", rows[i], "first"))], searchable: batch != 1);
        }

        await writes.WriteAsync([.. Enumerable.Range(0, 50).Select(i => Writes.Item($"w{i * 3}", rows[300 + i], "replaced"))]);
        await writes.DeleteAsync([.. Enumerable.Range(0, 40).Select(i => $"w{i * 2}").Append("never-written")]);
        await writes.WriteAsync([.. Enumerable.Range(0, 20).Select(i => Writes.Item($"w{i * 2}", rows[400 + i], "back"))]); // deleted, then new again

        Assert.Equal(280, writes.Expected.Count);
        await writes.AssertHoldsAsync(TestVectors.Clustered(15, Dimension, seed: 32));
        Assert.Null(await Grains.GetGrain<IDatasetIndexGrain>("mixed").GetItemAsync("w60"));
        Assert.Equal(ItemOutcome.NotFound, (await Grains.GetGrain<IDatasetIndexGrain>("mixed").DeleteItemsAsync(["w60"])).Items[0].Outcome);
    }

    [Fact]
    public async Task A_bad_item_gets_its_reason_and_the_rest_of_the_batch_is_written()
    {
        var writes = new Writes(Grains, "bad");
        await writes.CreateAsync(4);
        var index = Grains.GetGrain<IDatasetIndexGrain>("bad");

        var result = await index.WriteItemsAsync(
        [
            new ItemWrite("ok", Vector: [1, 0, 0, 0]),
            new ItemWrite("short", Vector: [1, 0]),
            new ItemWrite("zero", Vector: [0, 0, 0, 0]),
            new ItemWrite("words", Text: "a text"),
            new ItemWrite("twice", Vector: [0, 1, 0, 0]),
            new ItemWrite("twice", Vector: [0, 0, 1, 0]),
        ]);

        Assert.Equal(WriteOutcome.Ok, result.Outcome);
        Assert.Equal(
            [("ok", ItemOutcome.Indexed, null), ("short", ItemOutcome.Invalid, "items[1].vector"), ("zero", ItemOutcome.Invalid, "items[2].vector"),
             ("words", ItemOutcome.Invalid, "items[3].text"), ("twice", ItemOutcome.Invalid, "items[4].id"), ("twice", ItemOutcome.Indexed, (string?)null)],
            result.Items.Select(r => (r.Id, r.Outcome, r.Field)));
        Assert.Contains("4", result.Items[1].Message, StringComparison.Ordinal);
        Assert.Contains("has no model to embed a text", result.Items[3].Message, StringComparison.Ordinal);
        Assert.Equal(2, (await index.GetStatusAsync()).Count);
        Assert.Equal("twice", (await index.SearchAsync(new SearchQuery(1, Vector: [0, 0, 1, 0]))).Hits[0].Id);

        Assert.Equal(WriteOutcome.NotFound, (await Grains.GetGrain<IDatasetIndexGrain>("nothing").WriteItemsAsync([new ItemWrite("a", Vector: [1])])).Outcome);
        Assert.Equal(BuildOutcome.Unchanged, (await index.CreateAsync(new BuildSpec(SourceKinds.Api, "", null, IndexDefaults.Metric), 4)).Outcome);
        Assert.Equal(BuildOutcome.Conflict, (await index.CreateAsync(new BuildSpec(SourceKinds.Api, "", null, IndexDefaults.Metric), 8)).Outcome);
    }

    [Fact]
    public async Task A_hit_whose_record_is_gone_is_an_item_being_deleted_and_is_not_shown()
    {
        var writes = new Writes(Grains, "going");
        await writes.CreateAsync(4);
        var index = Grains.GetGrain<IDatasetIndexGrain>("going");
        await writes.WriteAsync([Writes.Item("a", [1, 0, 0, 0], "kept"), Writes.Item("b", [0.9f, 0.1f, 0, 0], "going"), Writes.Item("c", [0, 1, 0, 0], "kept")]);

        // The moment of a delete between its record's removal and its shard's indexing, held still: the record goes alone.
        var version = (await index.GetStatusAsync()).SnapshotVersion;
        await using (var redisClient = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            Assert.True(await redisClient.GetDatabase().HashDeleteAsync($"vs:{{going}}:items:{version}", "b"));
        }

        var hits = (await index.SearchAsync(new SearchQuery(3, Vector: [1, 0, 0, 0]))).Hits;
        Assert.Equal(["a", "c"], hits.Select(h => h.Id));
        Assert.All(hits, h => Assert.Equal("kept", h.Item!.Metadata!["tag"].GetString()));
    }

    [Fact]
    public async Task The_journal_holds_each_written_vector_once_as_float32_bytes()
    {
        var writes = new Writes(Grains, "journal");
        await writes.CreateAsync(4);
        float[] vector = [0.5f, -0.25f, 1e-7f, 3];
        await writes.WriteAsync([Writes.Item("a", vector, "kept")]);

        await using var redisClient = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        using var stored = System.Text.Json.JsonDocument.Parse((string)(await redisClient.GetDatabase().HashGetAsync("vs:{journal}:writes", "a"))!);
        Assert.Equal(["id", "deleted", "kind", "metadata", "vector", "model"], stored.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(vector, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(stored.RootElement.GetProperty("vector").GetBytesFromBase64()).ToArray());
    }

    [Fact]
    public async Task Concurrent_writers_beside_searchers_end_with_every_item_once()
    {
        // Writes interleave and wait to be searchable outside the dataset's write lock: an answer that waited still
        // means its items (and every item answered before it) are in the shards' graphs.
        var searchable = 0;
        var writes = new Writes(Grains, "busy");
        await writes.CreateAsync(Dimension, shards: 2);
        var rows = TestVectors.Clustered(1000, Dimension, seed: 41);
        using var stop = new CancellationTokenSource();
        var index = Grains.GetGrain<IDatasetIndexGrain>("busy");
        var searches = 0;
        var searcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.Equal(SearchOutcome.Ok, (await index.SearchAsync(new SearchQuery(5, Vector: rows[searches % rows.Length]))).Outcome);
                searches++;
            }
        });

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var batch = 0; batch < 10; batch++)
            {
                var ids = Enumerable.Range((w * 250) + (batch * 25), 25);
                var waited = batch % 2 == 1; // the last batch waits, so every earlier one is in
                var result = await index.WriteItemsAsync([.. ids.Select(i => Writes.Item($"c{i}", rows[i]))], searchable: waited);
                Assert.All(result.Items, r => Assert.Equal(ItemOutcome.Indexed, r.Outcome));
                if (waited)
                {
                    var atLeast = Interlocked.Add(ref searchable, 50); // this batch and the one before it
                    Assert.True((await index.GetStatusAsync()).Count >= atLeast, "an answered write was not searchable yet");
                }
            }
        }));
        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await searcher;

        foreach (var i in Enumerable.Range(0, 1000))
        {
            writes.Expected[$"c{i}"] = (rows[i], null);
        }

        Assert.True(searches > 0, "no search ran beside the writers");
        await writes.AssertHoldsAsync(TestVectors.Clustered(10, Dimension, seed: 42));
    }

    [Fact]
    public async Task A_rebuild_carries_the_writes_and_deletes_and_a_write_during_it_lands_in_the_new_build()
    {
        var rows = TestVectors.Clustered(3000, Dimension, seed: 51);
        var path = Data.File("rows.fvecs");
        TestVectors.WriteFvecs(path, rows);
        await Builds.StartAsync(Grains, "carried", Builds.Vectors(path));
        await Builds.WaitReadyAsync(Grains, "carried", TimeSpan.FromMinutes(2));
        var writes = new Writes(Grains, "carried");
        for (var i = 0; i < rows.Length; i++)
        {
            writes.Expected[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = (rows[i], null);
        }

        var extra = TestVectors.Clustered(60, Dimension, seed: 52);
        await writes.WriteAsync([.. Enumerable.Range(0, 20).Select(i => Writes.Item($"api{i}", extra[i], "api"))]);
        await writes.WriteAsync([.. Enumerable.Range(0, 10).Select(i => Writes.Item($"{i * 7}", extra[20 + i], "replaced"))]);
        await writes.DeleteAsync([.. Enumerable.Range(0, 10).Select(i => $"{1000 + i}")]);

        await Builds.StartAsync(Grains, "carried", Builds.Vectors(path, m: 8));
        var index = Grains.GetGrain<IDatasetIndexGrain>("carried");
        var during = await index.GetStatusAsync();
        await writes.WriteAsync([.. Enumerable.Range(0, 10).Select(i => Writes.Item($"during{i}", extra[40 + i], "during"))]);
        var rebuilt = await Builds.WaitReadyAsync(Grains, "carried", TimeSpan.FromMinutes(2));

        Assert.Equal(IndexPhase.Building, during.Status);
        Assert.Equal(8, rebuilt.Spec!.M);
        Assert.Equal(3000 + 20 + 10 - 10, rebuilt.Count);
        await writes.AssertHoldsAsync(TestVectors.Clustered(15, Dimension, seed: 53));
        Assert.Equal("replaced", (await index.GetItemAsync("7"))!.Metadata!["tag"].GetString());
    }
}

public sealed class RedisItemWriteTests() : ItemWriteTests(new RedisServerFixture());

public sealed class GarnetItemWriteTests() : ItemWriteTests(new GarnetServerFixture());
