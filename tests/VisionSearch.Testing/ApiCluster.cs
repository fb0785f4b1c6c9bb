using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Xunit;

namespace VisionSearch.Testing;

/// <summary>
/// The whole system in the test process: real Redis, a real silo, and the API on Kestrel over loopback,
/// connected exactly as in production (Orleans membership in Redis). <see cref="GarnetApiCluster"/> runs the
/// same system on embedded Garnet, the default on a machine without redis-server.
/// </summary>
public class ApiCluster : IAsyncLifetime
{
    private readonly RedisServerFixture _redis;
    private readonly Dictionary<string, string?> _settings;
    private WebApplicationFactory<Program> _api = null!;

    public ApiCluster() : this(new RedisServerFixture())
    {
    }

    /// <param name="settings">Configuration of the API and the silo beyond Redis and the cluster, e.g. <c>Api:ApiKey</c>.</param>
    protected ApiCluster(RedisServerFixture redis, Dictionary<string, string?>? settings = null)
    {
        _redis = redis;
        _settings = settings ?? [];
    }

    /// <summary>Configuration a subclass adds once its own servers run (before the silo and the API start).</summary>
    protected virtual Task<Dictionary<string, string?>> MoreSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());

    public string RedisConnectionString => _redis.ConnectionString;

    public SiloHost Silo { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The API host's services, for checking what configuration made of them.</summary>
    public IServiceProvider ApiServices => _api.Services;

    public TempDirectory Data { get; } = new();

    /// <summary>What the API logged, at the levels the settings enable.</summary>
    public LogSink Logs { get; } = new();

    public virtual async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        var clusterId = $"test-{Guid.NewGuid():N}";
        foreach (var (key, value) in await MoreSettingsAsync())
        {
            _settings[key] = value;
        }

        Silo = new SiloHost(_redis.ConnectionString, clusterId, _settings);
        await Silo.StartAsync();

        // urls: the appsettings default (5080) would collide with a running AppHost or a parallel test class.
        var settings = SiloHost.Settings(_redis.ConnectionString, clusterId, new(_settings)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        _api = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureLogging(logging => logging.AddProvider(Logs));
        });
        _api.UseKestrel();
        _api.StartServer();
        Client = _api.CreateClient();
        if (!Client.BaseAddress!.ToString().StartsWith("http://127.0.0.1:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The API listens on {Client.BaseAddress}, not on loopback.");
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _api.DisposeAsync();
        await Silo.DisposeAsync();
        await _redis.DisposeAsync();
        Data.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class GarnetApiCluster() : ApiCluster(new GarnetServerFixture());
