using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Two silos in this process on one Redis and one cluster id, and a client: grain calls between them cross a silo
/// boundary as in a deployment. Starting it again with the same cluster id brings every grain back from Redis.
/// </summary>
internal sealed class TwoSilos : IAsyncDisposable
{
    private readonly List<SiloHost> _silos;

    private TwoSilos(List<SiloHost> silos, ClusterClient client) => (_silos, Client) = (silos, client);

    public ClusterClient Client { get; }

    public IGrainFactory Grains => Client.Grains;

    public static async Task<TwoSilos> StartAsync(string redisConnectionString, string clusterId, IReadOnlyDictionary<string, string?> settings)
    {
        var silos = new List<SiloHost>();
        for (var i = 0; i < 2; i++)
        {
            var silo = new SiloHost(redisConnectionString, clusterId, settings);
            await silo.StartAsync();
            silos.Add(silo);
        }

        return new TwoSilos(silos, await ClusterClient.StartAsync(redisConnectionString, clusterId));
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }
}
