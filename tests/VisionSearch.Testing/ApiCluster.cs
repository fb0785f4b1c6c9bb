using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using VisionSearch.LocalServers;
using VisionSearch.Silo;
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
    private readonly bool _oneProcess;
    private WebApplicationFactory<Program>? _api;

    public ApiCluster() : this(new RedisServerFixture())
    {
    }

    /// <param name="settings">Configuration of the API and the silo beyond Redis and the cluster, e.g. <c>Api:ApiKey</c>.</param>
    /// <param name="oneProcess">The silo serves the API itself (<c>Silo:ServeApi</c>, the AppHost's <c>--single-process</c>): no API host and no client.</param>
    protected ApiCluster(RedisServerFixture redis, Dictionary<string, string?>? settings = null, bool oneProcess = false)
    {
        _redis = redis;
        _settings = settings ?? [];
        _oneProcess = oneProcess;
    }

    /// <summary>Configuration a subclass adds once its own servers run (before the silo and the API start).</summary>
    protected virtual Task<Dictionary<string, string?>> MoreSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());

    public string RedisConnectionString => _redis.ConnectionString;

    public SiloHost Silo { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The API host's services (the silo's when it serves the API), for checking what configuration made of them.</summary>
    public IServiceProvider ApiServices => _api?.Services ?? Silo.Services;

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

        if (_oneProcess)
        {
            // A fixed port, so that a restarted silo answers where the client calls.
            var url = $"http://127.0.0.1:{FreePort.Next()}";
            Silo = new SiloHost(_redis.ConnectionString, clusterId, new Dictionary<string, string?>(_settings) { [SiloHostingExtensions.ServeApiKey] = "true", ["urls"] = url });
            await Silo.StartAsync();
            Client = new HttpClient { BaseAddress = new Uri(url) };
            return;
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
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        await Silo.DisposeAsync();
        await _redis.DisposeAsync();
        Data.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class GarnetApiCluster() : ApiCluster(new GarnetServerFixture());

/// <summary>The system as one process: a silo that serves the API itself, on real Redis.</summary>
public sealed class OneProcessApiCluster() : ApiCluster(new RedisServerFixture(), oneProcess: true);
