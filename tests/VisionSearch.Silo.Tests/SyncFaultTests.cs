using VisionSearch.Contracts;
using VisionSearch.LocalServers;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// A sync whose silo is killed halfway resumes on another from its checkpoint and ends with the index equal to the
/// source: every changed row replaced, the rows the source lost deleted, the exact answers at an exhaustive ef.
/// </summary>
public sealed class SyncFaultTests : IDisposable
{
    private const int Rows = 40_000;
    private const int Changed = 20_000;
    private const int Lost = 1_000;
    private const int Dimension = 24;

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Ingestion__VectorBatchSize"] = "250",
        ["Ingestion__ResumeInterval"] = "00:00:01",
        ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
        ["Orleans__Membership__NumMissedProbesLimit"] = "2",
        ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
    };

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_sync_on_a_killed_silo_resumes_on_another_and_leaves_the_index_equal_to_the_source()
    {
        var path = _data.File("rows.fvecs");
        var rows = TestVectors.Clustered(Rows, Dimension, seed: 21);
        TestVectors.WriteFvecs(path, rows);
        await using var redis = await LocalRedis.StartAsync(configured: null);
        var clusterId = $"test-{Guid.NewGuid():N}";
        var doomed = await SiloProcess.StartAsync("silo-a", redis.ConnectionString, clusterId, Settings);
        await using var client = await ClusterClient.StartAsync(redis.ConnectionString, clusterId);
        SiloProcess? survivor = null;
        try
        {
            // The index grain lives on silo A, the only one when it activates; B joins before the sync.
            await Builds.StartAsync(client.Grains, "rows", Builds.Vectors(path));
            await Builds.WaitReadyAsync(client.Grains, "rows", TimeSpan.FromMinutes(2));
            survivor = await SiloProcess.StartAsync("silo-b", redis.ConnectionString, clusterId, Settings);

            var source = TestVectors.Clustered(Changed, Dimension, seed: 23).Concat(rows[Changed..(Rows - Lost)]).ToArray();
            TestVectors.WriteFvecs(path, source);
            var index = client.Grains.GetGrain<IDatasetIndexGrain>("rows");
            Assert.Equal(BuildOutcome.Started, (await index.SyncAsync()).Outcome);
            var before = await Wait.ForAsync(
                async () => await index.GetStatusAsync() is { Sync.Replaced: >= 4_000 } status ? status : null,
                TimeSpan.FromMinutes(2),
                () => "the sync never replaced 4,000 rows");

            await doomed.KillAsync();

            var status = await Builds.WaitReadyAsync(client.Grains, "rows", TimeSpan.FromMinutes(3));
            Assert.True(before is { Status: IndexPhase.Building, Sync.Replaced: < Changed }, $"Expected a sync in progress when its silo was killed: {before}");
            Assert.Null(status.Error);
            var counts = status.Sync!;
            // Rows replaced after the last checkpoint before the kill are read again and found unchanged: each row is counted once.
            Assert.Equal((0L, Lost, Rows - (long)Lost), (counts.Added, counts.Deleted, counts.Replaced + counts.Unchanged));
            Assert.InRange(counts.Replaced, 4_000, Changed);
            Assert.Equal(Rows - (long)Lost, status.Count);
            foreach (var query in TestVectors.Clustered(10, Dimension, seed: 22))
            {
                Assert.Equal(Builds.Exact(source, query, 10), await Builds.SearchIdsAsync(client.Grains, "rows", query, 10, Rows));
            }
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
}
