using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Testing;

/// <summary>An Orleans client of a test cluster, connected the way the API connects (gateways from Redis membership).</summary>
public sealed class ClusterClient : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterClient(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<ClusterClient> StartAsync(string redisConnectionString, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(SiloHost.Settings(redisConnectionString, clusterId, new()
        {
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        builder.AddVisionSearchClusterClient();
        var host = builder.Build();
        await host.StartAsync();
        return new ClusterClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
