using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VisionSearch.AppHost.Resources;

namespace VisionSearch.AppHost;

/// <summary>
/// Starts Redis, the silos and the API in dependency order, each with its configuration passed as Aspire would
/// (<c>ConnectionStrings__redis</c>, <c>Orleans__*</c>, <c>OTEL_*</c>), waits until each is healthy, prints the
/// resource table, keeps every process running (see <see cref="Supervisor"/>), and stops them in reverse order
/// when the AppHost stops.
/// </summary>
internal sealed partial class Orchestrator(
    IConfiguration configuration,
    IOptions<AppHostOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<Orchestrator> logger) : BackgroundService
{
    private Supervisor?[] _silos = [];
    private IAsyncDisposable? _redis;
    private Supervisor? _api;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var timeout = TimeSpan.FromSeconds(settings.StartupTimeoutSeconds);
        try
        {
            _silos = new Supervisor?[settings.Silos];
            EnsurePortsFree([settings.ApiPort, .. Enumerable.Range(1, settings.Silos).Select(settings.SiloHttpPortOf)]);
            var redis = await RedisResource.StartAsync(configuration.GetConnectionString("redis"), settings.DataDir);
            _redis = redis.Process is { } server ? Supervisor.Adopt("redis", server, redis.StartAgain!, logger) : redis;
            LogStarted(logger, "redis", redis.ConnectionString);

            var shared = new Dictionary<string, string>
            {
                ["ConnectionStrings__redis"] = redis.ConnectionString,
                ["Datasets__Roots__0"] = Directory.CreateDirectory(settings.DatasetsDir).FullName,
                ["DOTNET_ENVIRONMENT"] = configuration["DOTNET_ENVIRONMENT"] ?? "Production",
            };
            if (configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } otlp)
            {
                shared["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
            }

            // The first silo creates the cluster's membership table; the others then join it together.
            await StartSiloAsync(1, settings, shared, timeout, stoppingToken);
            await Task.WhenAll(Enumerable.Range(2, settings.Silos - 1).Select(n => StartSiloAsync(n, settings, shared, timeout, stoppingToken)));

            _api = await Supervisor.StartAsync("api", ct => ProjectResource.StartAsync("api", "VisionSearch.Api", settings.ApiPort, new Dictionary<string, string>(shared)
            {
                ["OTEL_SERVICE_NAME"] = "api",
                ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=api",
            }, timeout, ct), logger, stoppingToken);
            LogHealthy(logger, "api", settings.ApiPort);

            Console.Out.WriteLine(ResourceTable.Format(settings, redis, _redis as Supervisor, [.. _silos.OfType<Supervisor>()], _api, configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM during startup: StopAsync cleans up.
        }
#pragma warning disable CA1031 // Any startup failure ends the AppHost with a message and exit code 1.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogStartupFailed(logger, e.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    private async Task StartSiloAsync(
        int n, AppHostOptions settings, Dictionary<string, string> shared, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var name = $"silo-{n}";
        var httpPort = settings.SiloHttpPortOf(n);
        // Fixed for the AppHost's lifetime: a restarted silo comes back at the address the cluster and the API know.
        var environment = new Dictionary<string, string>(shared)
        {
            ["OTEL_SERVICE_NAME"] = "silo",
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={name}",
            ["Orleans__SiloName"] = name,
            ["Orleans__Endpoints__SiloPort"] = $"{FreePort.Next()}",
            ["Orleans__Endpoints__GatewayPort"] = $"{FreePort.Next()}",
        };
        foreach (var (key, value) in settings.EmbedderEnvironment())
        {
            environment[key] = value;
        }

        var silo = await Supervisor.StartAsync(
            name, ct => ProjectResource.StartAsync(name, "VisionSearch.Silo", httpPort, environment, timeout, ct), logger, cancellationToken);
        _silos[n - 1] = silo;

        LogHealthy(logger, name, httpPort);
    }

    /// <summary>Stops the API first (no new requests), then the silos together (they leave the cluster), then Redis.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        await Task.WhenAll(_silos.OfType<Supervisor>().Select(s => s.DisposeAsync().AsTask()));
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    /// <summary>Fails before anything starts when a port is taken, typically by a VisionSearch already running.</summary>
    private static void EnsurePortsFree(IEnumerable<int> ports)
    {
        if (ports.FirstOrDefault(port => !FreePort.IsFree(port)) is > 0 and var taken)
        {
            throw new InvalidOperationException(
                $"Port {taken} is in use (is VisionSearch already running?). Stop it, or choose other ports: --api-port 5180 --silo-port 5190.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} is healthy at {Address}")]
    private static partial void LogStarted(ILogger logger, string resource, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} is healthy at http://127.0.0.1:{Port}")]
    private static partial void LogHealthy(ILogger logger, string resource, int port);

    [LoggerMessage(Level = LogLevel.Error, Message = "Startup failed: {Reason}")]
    private static partial void LogStartupFailed(ILogger logger, string reason);
}
