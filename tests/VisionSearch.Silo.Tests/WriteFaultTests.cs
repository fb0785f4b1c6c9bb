using VisionSearch.Contracts;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Writes acknowledged before a fault are all there after it, once: the silo holding the dataset SIGKILLed right after its last answer, and a
/// Redis restarted between writes. Frequent snapshots put both snapshots and log records behind the shards.
/// </summary>
public sealed class WriteFaultTests : IDisposable
{
    private const int Dimension = 12;

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Snapshots__EveryItems"] = "150",
        ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
        ["Orleans__Membership__NumMissedProbesLimit"] = "2",
        ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
    };

    private readonly TempDirectory _data = new();
    private readonly float[][] _rows = TestVectors.Clustered(800, Dimension, seed: 61);

    public void Dispose() => _data.Dispose();

    [Fact]
    public Task Writes_acknowledged_by_a_silo_killed_right_after_are_all_there_once()
    {
        Writes writes = null!;
        return KilledSilo.RunAsync(
            Settings,
            async grains =>
            {
                // The dataset's grains activate while silo A is the only silo, so they live there; then B joins, and A dies.
                writes = new Writes(grains, "killed");
                await writes.CreateAsync(Dimension, shards: 2);
                await writes.WriteAsync([.. Enumerable.Range(0, 10).Select(i => Writes.Item($"early{i}", _rows[i]))]);
            },
            async (_, doomed) =>
            {
                for (var batch = 0; batch < 8; batch++)
                {
                    await writes.WriteAsync([.. Enumerable.Range(batch * 100, 100).Select(i => Writes.Item($"k{i}", _rows[i], $"b{batch}"))], searchable: batch % 2 == 0);
                }

                await writes.DeleteAsync([.. Enumerable.Range(0, 30).Select(i => $"k{i * 5}")], searchable: false);
                await writes.WriteAsync([.. Enumerable.Range(0, 20).Select(i => Writes.Item($"k{(i * 5) + 1}", _rows[799 - i], "replaced"))], searchable: false);

                await doomed.KillAsync();

                await Wait.UntilAsync(() => HoldsAsync(writes), TimeSpan.FromMinutes(2), () => "the dataset never came back on silo B");
                await writes.AssertHoldsAsync(TestVectors.Clustered(10, Dimension, seed: 62));
            });
    }

    [Fact]
    public async Task Writes_on_both_sides_of_a_redis_restart_are_all_there_once()
    {
        await using var cluster = await RestartableRedisCluster.StartAsync(_data.File("redis"), Settings);
        var writes = new Writes(cluster.Client.Grains, "restarted");
        await writes.CreateAsync(Dimension, shards: 2);
        await writes.WriteAsync([.. Enumerable.Range(0, 400).Select(i => Writes.Item($"r{i}", _rows[i]))]);

        await cluster.StopRedisAsync();
        var restart = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            await cluster.StartRedisAgainAsync();
        });
        // Sent while Redis is down: the write waits the outage out, then lands once.
        await writes.WriteAsync([.. Enumerable.Range(400, 200).Select(i => Writes.Item($"r{i}", _rows[i]))]);
        await restart;
        await writes.DeleteAsync([.. Enumerable.Range(0, 50).Select(i => $"r{i * 3}")]);

        await writes.AssertHoldsAsync(TestVectors.Clustered(10, Dimension, seed: 63));
    }

    private static async Task<bool> HoldsAsync(Writes writes)
    {
        try
        {
            await writes.AssertHoldsAsync([]);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
        {
            return false;
        }
    }
}
