using VisionSearch.LocalServers;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// The killed-silo scenario of the fault tests: silo processes A and B on one Redis, and a client. What runs while A is
/// alone activates its grains there; then B joins and the scenario runs, killing A when it wants to. A failure names B's
/// last lines, since B is where the work carries on.
/// </summary>
internal static class KilledSilo
{
    public static async Task RunAsync(
        IReadOnlyDictionary<string, string> settings, Func<IGrainFactory, Task> whileAlone, Func<IGrainFactory, SiloProcess, Task> scenario)
    {
        await using var redis = await LocalRedis.StartAsync(configured: null);
        var clusterId = $"test-{Guid.NewGuid():N}";
        var doomed = await SiloProcess.StartAsync("silo-a", redis.ConnectionString, clusterId, settings);
        await using var client = await ClusterClient.StartAsync(redis.ConnectionString, clusterId);
        SiloProcess? survivor = null;
        try
        {
            await whileAlone(client.Grains);
            survivor = await SiloProcess.StartAsync("silo-b", redis.ConnectionString, clusterId, settings);
            await scenario(client.Grains, doomed);
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
