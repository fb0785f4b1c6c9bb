using VisionSearch.Contracts;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Builds and syncs that lose their Redis or their silo halfway. Small batches and frequent
/// snapshots make a build long enough to interrupt and put both snapshots and log records in play; the end state must
/// equal an uninterrupted build (every item once, the exact answers at an exhaustive ef), or for the sync, the source.
/// </summary>
public sealed class BuildFaultTests : IDisposable
{
    private const int Rows = 40_000;
    private const int Dimension = 24;
    private const int SyncChanged = 20_000;
    private const int SyncLost = 1_000;

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Ingestion__VectorBatchSize"] = "250",
        ["Ingestion__BatchesInFlight"] = "2",
        ["Ingestion__ResumeInterval"] = "00:00:01",
        ["Snapshots__EveryItems"] = "6000",
        ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
        ["Orleans__Membership__NumMissedProbesLimit"] = "2",
        ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
    };

    private readonly TempDirectory _data = new();
    private readonly float[][] _rows = TestVectors.Clustered(Rows, Dimension, seed: 21);
    private readonly string _path;

    /// <summary>What the syncs find: the first <see cref="SyncChanged"/> rows changed, the last <see cref="SyncLost"/> gone.</summary>
    private readonly float[][] _syncSource;

    public BuildFaultTests()
    {
        _path = _data.File("rows.fvecs");
        TestVectors.WriteFvecs(_path, _rows);
        _syncSource = [.. TestVectors.Clustered(SyncChanged, Dimension, seed: 23), .. _rows[SyncChanged..(Rows - SyncLost)]];
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Build_waits_out_a_redis_restart_and_completes_with_every_item()
    {
        await using var cluster = await RestartableRedisCluster.StartAsync(_data.File("redis"), Settings);
        var grains = cluster.Client.Grains;
        await Builds.StartAsync(grains, "outage", Builds.Vectors(_path));
        var before = await WaitIndexedAsync(grains, "outage", 8_000);

        await cluster.StopRedisAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await cluster.StartRedisAgainAsync();

        var status = await Builds.WaitReadyAsync(grains, "outage", TimeSpan.FromMinutes(3));
        Assert.True(before.ItemsIndexed < Rows, "The build ended before Redis went away.");
        await AssertCompleteAsync(grains, "outage", status);
    }

    [Fact]
    public Task Build_on_a_killed_silo_resumes_on_another_and_ends_as_if_uninterrupted() => KilledSilo.RunAsync(
        Settings,
        async grains => Assert.Equal(IndexPhase.Empty, (await grains.GetGrain<IDatasetIndexGrain>("crash").GetStatusAsync()).Status),
        async (grains, doomed) =>
        {
            await Builds.StartAsync(grains, "crash", Builds.Vectors(_path));
            var before = await WaitIndexedAsync(grains, "crash", 8_000);

            await doomed.KillAsync();

            var status = await Builds.WaitReadyAsync(grains, "crash", TimeSpan.FromMinutes(3));
            Assert.True(before is { Status: IndexPhase.Building, ItemsIndexed: < Rows, ItemsPerSecond: > 0, EtaSeconds: > 0 },
                $"Expected a build in progress with a rate and an ETA when its silo was killed: {before}");
            await AssertCompleteAsync(grains, "crash", status);
        });

    [Fact]
    public Task Sync_on_a_killed_silo_resumes_on_another_and_leaves_the_index_equal_to_the_source() => KilledSilo.RunAsync(
        Settings,
        async grains =>
        {
            await Builds.StartAsync(grains, "sync", Builds.Vectors(_path));
            await Builds.WaitReadyAsync(grains, "sync", TimeSpan.FromMinutes(2));
        },
        async (grains, doomed) =>
        {
            var before = await StartSyncAsync(grains);

            await doomed.KillAsync();

            var status = await Builds.WaitReadyAsync(grains, "sync", TimeSpan.FromMinutes(3));
            Assert.True(before is { Status: IndexPhase.Building, Sync.Replaced: < SyncChanged }, $"Expected a sync in progress when its silo was killed: {before}");
            var counts = status.Sync!;
            // Rows replaced after the last checkpoint before the kill are read again and found unchanged: each row is counted once.
            Assert.Equal((0L, SyncLost, Rows - (long)SyncLost), (counts.Added, counts.Deleted, counts.Replaced + counts.Unchanged));
            Assert.InRange(counts.Replaced, 4_000, SyncChanged);
            await AssertSyncedAsync(grains, status);
        });

    [Fact]
    public async Task Sync_waits_out_a_redis_restart_and_leaves_the_index_equal_to_the_source()
    {
        await using var cluster = await RestartableRedisCluster.StartAsync(_data.File("redis"), Settings);
        var grains = cluster.Client.Grains;
        await Builds.StartAsync(grains, "sync", Builds.Vectors(_path));
        await Builds.WaitReadyAsync(grains, "sync", TimeSpan.FromMinutes(2));
        var before = await StartSyncAsync(grains);

        // Longer than StackExchange.Redis's 5 s timeout: a command sent as Redis goes away fails, rather than waiting in the
        // client's backlog, and the sync must retry it.
        await cluster.StopRedisAsync();
        await Task.Delay(TimeSpan.FromSeconds(6));
        await cluster.StartRedisAgainAsync();

        var status = await Builds.WaitReadyAsync(grains, "sync", TimeSpan.FromMinutes(3));
        Assert.True(before is { Status: IndexPhase.Building, Sync.Replaced: < SyncChanged }, $"Expected a sync in progress when Redis went away: {before}");
        Assert.Equal(new SyncCounts(Replaced: SyncChanged, Deleted: SyncLost, Unchanged: Rows - SyncChanged - SyncLost), status.Sync);
        await AssertSyncedAsync(grains, status);
    }

    /// <summary>Writes the sync's source over the built file, starts the sync and returns its status once 4,000 rows are replaced.</summary>
    private async Task<IndexStatus> StartSyncAsync(IGrainFactory grains)
    {
        TestVectors.WriteFvecs(_path, _syncSource);
        var index = grains.GetGrain<IDatasetIndexGrain>("sync");
        Assert.Equal(BuildOutcome.Started, (await index.SyncAsync()).Outcome);
        return await Wait.ForAsync(
            async () => await index.GetStatusAsync() is { Sync.Replaced: >= 4_000 } status ? status : null,
            TimeSpan.FromMinutes(2),
            () => "the sync never replaced 4,000 rows");
    }

    /// <summary>The sync ended without error, with the source's rows and the source's exact top-10.</summary>
    private async Task AssertSyncedAsync(IGrainFactory grains, IndexStatus status)
    {
        Assert.Null(status.Error);
        Assert.Equal(Rows - (long)SyncLost, status.Count);
        foreach (var query in TestVectors.Clustered(10, Dimension, seed: 22))
        {
            Assert.Equal(Builds.Exact(_syncSource, query, 10), await Builds.SearchIdsAsync(grains, "sync", query, 10, Rows));
        }
    }

    private static Task<IndexStatus> WaitIndexedAsync(IGrainFactory grains, string dataset, long items)
    {
        IndexStatus? status = null;
        return Wait.ForAsync(
            async () =>
            {
                status = await grains.GetGrain<IDatasetIndexGrain>(dataset).GetStatusAsync();
                return status.ItemsIndexed >= items ? status : null;
            },
            TimeSpan.FromMinutes(2),
            () => $"'{dataset}' never indexed {items} items: {status}");
    }

    /// <summary>Every row exactly once, nothing skipped, and the exact top-10 when the search is exhaustive.</summary>
    private async Task AssertCompleteAsync(IGrainFactory grains, string dataset, IndexStatus status)
    {
        Assert.Equal((Rows, (long)Rows, (long)Rows, 0L), (status.Count, status.ItemsIndexed, status.ItemsRead, status.ItemsSkipped));
        foreach (var query in TestVectors.Clustered(10, Dimension, seed: 22))
        {
            Assert.Equal(Builds.Exact(_rows, query, 10), await Builds.SearchIdsAsync(grains, dataset, query, 10, Rows));
        }
    }
}
