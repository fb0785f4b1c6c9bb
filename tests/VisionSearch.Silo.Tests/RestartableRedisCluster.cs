using VisionSearch.LocalServers;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// A silo in this process and a cluster client on a redis-server that keeps its append-only file in a folder, so a
/// test can stop Redis and start it again on the same port and data. Skips the test where only the embedded Garnet
/// is at hand: it keeps nothing across a restart.
/// </summary>
internal sealed class RestartableRedisCluster : IAsyncDisposable
{
    private readonly string _dataDir;
    private readonly SiloHost _silo;
    private LocalRedis _redis;

    private RestartableRedisCluster(string dataDir, LocalRedis redis, SiloHost silo, ClusterClient client)
    {
        (_dataDir, _redis, _silo, Client) = (dataDir, redis, silo, client);
    }

    public ClusterClient Client { get; }

    /// <param name="settings">The silo's settings, in environment form (<c>Snapshots__EveryItems</c>).</param>
    public static async Task<RestartableRedisCluster> StartAsync(string dataDir, IReadOnlyDictionary<string, string> settings)
    {
        var redis = await LocalRedis.StartAsync(configured: null, dataDir);
        if (redis.IsGarnet)
        {
            await redis.DisposeAsync();
            Assert.Skip("Needs redis-server: embedded Garnet keeps nothing across a restart.");
        }

        var clusterId = $"test-{Guid.NewGuid():N}";
        var silo = new SiloHost(redis.ConnectionString, clusterId, settings.ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => (string?)s.Value));
        await silo.StartAsync();
        return new RestartableRedisCluster(dataDir, redis, silo, await ClusterClient.StartAsync(redis.ConnectionString, clusterId));
    }

    public ValueTask StopRedisAsync() => _redis.DisposeAsync();

    /// <summary>Starts Redis again where it was, with what its append-only file kept.</summary>
    public async Task StartRedisAgainAsync() => _redis = await LocalRedis.StartAsync(configured: null, _dataDir, _redis.Port);

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _silo.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
