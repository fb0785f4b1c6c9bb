using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Silos in this process on one Redis and one cluster id, and a client. With two (the default) grain calls between them
/// cross a silo boundary as in a deployment. Starting them again with the same cluster id brings every grain back from Redis.
/// </summary>
internal sealed class LocalSilos : IAsyncDisposable
{
    private LocalSilos(List<SiloHost> silos, ClusterClient client) => (Silos, Client) = (silos, client);

    public IReadOnlyList<SiloHost> Silos { get; }

    public ClusterClient Client { get; }

    public IGrainFactory Grains => Client.Grains;

    public static async Task<LocalSilos> StartAsync(string redisConnectionString, string clusterId, IReadOnlyDictionary<string, string?> settings, int count = 2)
    {
        var silos = new List<SiloHost>();
        for (var i = 0; i < count; i++)
        {
            var silo = new SiloHost(redisConnectionString, clusterId, settings);
            await silo.StartAsync();
            silos.Add(silo);
        }

        return new LocalSilos(silos, await ClusterClient.StartAsync(redisConnectionString, clusterId));
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }
    }
}
