using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using VisionSearch.LocalServers;
using VisionSearch.ServiceDefaults;
using VisionSearch.Silo;

namespace VisionSearch.Testing;

/// <summary>
/// A real VisionSearch silo in the test process, composed by the production <see cref="SiloHostingExtensions.AddVisionSearchSilo"/>,
/// with Redis membership and fixed loopback ports so that a restarted silo comes back where clients expect it.
/// </summary>
public sealed class SiloHost : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private WebApplication? _app;

    /// <param name="settings">Configuration beyond Redis and the cluster id, e.g. <c>Ingestion:VectorBatchSize</c>.</param>
    public SiloHost(string redisConnectionString, string clusterId, IReadOnlyDictionary<string, string?>? settings = null)
    {
        RedisConnectionString = redisConnectionString;
        ClusterId = clusterId;
        _settings = settings ?? new Dictionary<string, string?>();
    }

    public string RedisConnectionString { get; }

    public string ClusterId { get; }

    public int SiloPort { get; } = FreePort.Next();

    public int GatewayPort { get; } = FreePort.Next();

    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The silo is not running.");

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseSetting("urls", _settings.GetValueOrDefault("urls") ?? "http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(Settings(RedisConnectionString, ClusterId, new(_settings)
        {
            ["Orleans:Endpoints:SiloPort"] = $"{SiloPort}",
            ["Orleans:Endpoints:GatewayPort"] = $"{GatewayPort}",
            ["Orleans:Endpoints:AdvertisedIPAddress"] = "127.0.0.1",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        builder.AddVisionSearchSilo();
        _app = builder.Build();
        _app.MapVisionSearchSilo();
        await _app.StartAsync();
    }

    /// <summary>Stops the silo gracefully (it leaves the cluster) and disposes it.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>
    /// The configuration a silo and its API clients share: Redis, membership on it, and one cluster id per test class; and, unless
    /// <paramref name="extra"/> names its own, the folders a test silo shares: the tests' temporary folders and the fixtures.
    /// </summary>
    public static Dictionary<string, string?> Settings(string redis, string clusterId, Dictionary<string, string?> extra)
    {
        extra["ConnectionStrings:redis"] = redis;
        extra["Orleans:ClusterId"] = clusterId;
        extra["Orleans:ServiceId"] = clusterId;
        extra["Orleans:Clustering:ProviderType"] = "Redis"; // membership on the connection above, as the AppHost configures it
        extra["Orleans:Clustering:ServiceKey"] = "redis";
        if (!extra.Keys.Any(k => k.StartsWith("Datasets:Roots", StringComparison.Ordinal)))
        {
            extra["Datasets:Roots:0"] = TempDirectory.Root;
            extra["Datasets:Roots:1"] = TestFiles.Fixture();
        }

        return extra;
    }
}
