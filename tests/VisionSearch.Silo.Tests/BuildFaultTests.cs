using VisionSearch.LocalServers;
using VisionSearch.Contracts;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Builds that lose their Redis or their silo halfway. Small batches and frequent snapshots make a build
/// long enough to interrupt and put both snapshots and log records in play; the end state must equal an
/// uninterrupted build: every item once, the exact answers at an exhaustive ef.
/// </summary>
public sealed class BuildFaultTests : IDisposable
{
    private const int Rows = 40_000;
    private const int Dimension = 24;

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

    public BuildFaultTests()
    {
        _path = _data.File("rows.fvecs");
        TestVectors.WriteFvecs(_path, _rows);
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
    public async Task Build_on_a_killed_silo_resumes_on_another_and_ends_as_if_uninterrupted()
    {
        await using var redis = await LocalRedis.StartAsync(configured: null);
        var clusterId = $"test-{Guid.NewGuid():N}";
        var doomed = await SiloProcess.StartAsync("silo-a", redis.ConnectionString, clusterId, Settings);
        await using var client = await ClusterClient.StartAsync(redis.ConnectionString, clusterId);
        SiloProcess? survivor = null;
        try
        {
            // Activate the index grain while silo A is the only silo, so the build runs there; then add B.
            Assert.Equal(IndexPhase.Empty, (await client.Grains.GetGrain<IDatasetIndexGrain>("crash").GetStatusAsync()).Status);
            survivor = await SiloProcess.StartAsync("silo-b", redis.ConnectionString, clusterId, Settings);
            await Builds.StartAsync(client.Grains, "crash", Builds.Vectors(_path));
            var before = await WaitIndexedAsync(client.Grains, "crash", 8_000);

            await doomed.KillAsync();

            var status = await Builds.WaitReadyAsync(client.Grains, "crash", TimeSpan.FromMinutes(3));
            Assert.True(before is { Status: IndexPhase.Building, ItemsIndexed: < Rows, ItemsPerSecond: > 0, EtaSeconds: > 0 },
                $"Expected a build in progress with a rate and an ETA when its silo was killed: {before}");
            await AssertCompleteAsync(client.Grains, "crash", status);
        }
        catch (Exception e) when (survivor is not null)
        {
            throw new InvalidOperationException($"{e.Message}{Environment.NewLine}Silo B's last lines:{Environment.NewLine}{survivor.Tail}", e);
        }
        finally
        {
            await doomed.DisposeAsync();
            if (survivor is not null)
            {
                await survivor.DisposeAsync();
            }
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
