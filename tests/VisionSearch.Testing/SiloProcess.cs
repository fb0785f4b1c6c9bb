using VisionSearch.LocalServers;

namespace VisionSearch.Testing;

/// <summary>
/// A VisionSearch silo as its own process (the built VisionSearch.Silo), so that a test can kill it outright,
/// as a crash or an OOM kill would: no graceful shutdown, no deactivation, its builds cut mid-batch.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private SiloProcess(ChildProcess process) => _process = process;

    /// <param name="settings">Configuration in environment form (<c>Ingestion__VectorBatchSize</c>).</param>
    public static async Task<SiloProcess> StartAsync(string name, string redisConnectionString, string clusterId, IReadOnlyDictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string>(settings)
        {
            ["ConnectionStrings__redis"] = redisConnectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__ServiceId"] = clusterId,
            ["Orleans__Clustering__ProviderType"] = "Redis",
            ["Orleans__Clustering__ServiceKey"] = "redis",
            ["Orleans__Endpoints__SiloPort"] = $"{FreePort.Next()}",
            ["Orleans__Endpoints__GatewayPort"] = $"{FreePort.Next()}",
            ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        environment.TryAdd("Datasets__Roots__0", TempDirectory.Root);
        environment.TryAdd("Datasets__Roots__1", TestFiles.Fixture());
        var process = await ProjectProcess.StartAsync(name, "VisionSearch.Silo", FreePort.Next(), environment, TimeSpan.FromSeconds(90), CancellationToken.None);
        return new SiloProcess(process);
    }

    /// <summary>What the silo last wrote, for assertion messages.</summary>
    public string Tail => _process.Tail;

    /// <summary>SIGKILL: the process ends at once, mid-whatever.</summary>
    public async Task KillAsync()
    {
        _ = ChildProcess.SendSignal(_process.Id, 9);
        await _process.WaitForExitAsync(CancellationToken.None);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
