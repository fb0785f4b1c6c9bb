using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VisionSearch.Contracts;
using VisionSearch.LocalServers;
using VisionSearch.ServiceDefaults;
using VisionSearch.Silo;

namespace VisionSearch.Bench;

/// <summary>A silo, composed as in production, and a cluster client in the bench's own process, on a local Redis.</summary>
internal sealed class InProcessCluster : IAsyncDisposable
{
    private readonly WebApplication _silo;
    private readonly IHost _client;

    private InProcessCluster(WebApplication silo, IHost client)
    {
        _silo = silo;
        _client = client;
    }

    public IGrainFactory Grains => _client.Services.GetRequiredService<IClusterClient>();

    /// <param name="redis">The Redis the silo keeps its state in.</param>
    /// <param name="roots">The folders the silo may read local data (and models) from.</param>
    public static async Task<InProcessCluster> StartAsync(LocalRedis redis, params string[] roots)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Orleans:ClusterId"] = "bench",
            ["Orleans:ServiceId"] = "bench",
            ["Orleans:Clustering:ProviderType"] = "Redis",
            ["Orleans:Clustering:ServiceKey"] = "redis",
            ["Orleans:Endpoints:SiloPort"] = $"{FreePort.Next()}",
            ["Orleans:Endpoints:GatewayPort"] = $"{FreePort.Next()}",
            ["Orleans:Endpoints:AdvertisedIPAddress"] = "127.0.0.1",
            ["Logging:LogLevel:Default"] = "Warning",
            ["urls"] = "http://127.0.0.1:0",
        };
        for (var i = 0; i < roots.Length; i++)
        {
            settings[$"Datasets:Roots:{i}"] = roots[i];
        }

        var siloBuilder = WebApplication.CreateBuilder();
        siloBuilder.Configuration.AddInMemoryCollection(settings);
        siloBuilder.AddVisionSearchSilo();
        var silo = siloBuilder.Build();
        await silo.StartAsync();

        var clientBuilder = Host.CreateApplicationBuilder();
        clientBuilder.Configuration.AddInMemoryCollection(settings);
        clientBuilder.AddVisionSearchClusterClient();
        var client = clientBuilder.Build();
        await client.StartAsync();
        return new InProcessCluster(silo, client);
    }

    /// <summary>Builds <paramref name="dataset"/> and waits for the build's end: its last status, and the seconds from the request to the end.</summary>
    public Task<(IndexStatus Status, double Seconds)> BuildAsync(string dataset, BuildSpec spec) => RunAsync(dataset, grain => grain.BuildAsync(spec));

    /// <summary>Syncs <paramref name="dataset"/> with its source and waits for the sync's end, as <see cref="BuildAsync"/> does.</summary>
    public Task<(IndexStatus Status, double Seconds)> SyncAsync(string dataset) => RunAsync(dataset, grain => grain.SyncAsync());

    private async Task<(IndexStatus Status, double Seconds)> RunAsync(string dataset, Func<IDatasetIndexGrain, Task<BuildResult>> start)
    {
        var grain = Grains.GetGrain<IDatasetIndexGrain>(dataset);
        var started = Stopwatch.GetTimestamp();
        var result = await start(grain);
        if (result.Outcome != BuildOutcome.Started)
        {
            throw new InvalidOperationException($"{result.Outcome}: {result.Message}");
        }

        // Asked every 10 ms, so that the wait adds at most that to a time: a sync takes about half a second.
        IndexStatus status;
        while ((status = await grain.GetStatusAsync()).Status == IndexPhase.Building)
        {
            await Task.Delay(10);
        }

        if (status.Status != IndexPhase.Ready || status.Error is not null)
        {
            throw new InvalidOperationException($"The run on {dataset} ended {status.Status}: {status.Error}");
        }

        return (status, Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3));
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        await _silo.StopAsync();
        await _silo.DisposeAsync();
    }
}
