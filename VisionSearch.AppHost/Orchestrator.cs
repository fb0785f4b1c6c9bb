using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VisionSearch.AppHost.Resources;

namespace VisionSearch.AppHost;

/// <summary>
/// Starts Redis, the silo and the API in dependency order, each with its configuration passed as Aspire
/// would (<c>ConnectionStrings__redis</c>, <c>Orleans__*</c>, <c>OTEL_*</c>), waits until each is healthy,
/// prints where they are, and stops them in reverse order when the AppHost stops.
/// </summary>
internal sealed partial class Orchestrator(
    IConfiguration configuration,
    IOptions<AppHostOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<Orchestrator> logger) : BackgroundService
{
    private readonly Stack<IAsyncDisposable> _started = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var timeout = TimeSpan.FromSeconds(settings.StartupTimeoutSeconds);
        try
        {
            EnsurePortFree(settings.ApiPort);
            var redis = await RedisResource.StartAsync(configuration.GetConnectionString("redis"), settings.DataDir);
            _started.Push(redis);
            LogStarted(logger, "redis", redis.ConnectionString);

            var shared = new Dictionary<string, string>
            {
                ["ConnectionStrings__redis"] = redis.ConnectionString,
                ["DOTNET_ENVIRONMENT"] = configuration["DOTNET_ENVIRONMENT"] ?? "Production",
            };
            if (configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } otlp)
            {
                shared["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
            }

            var siloHttp = FreePort.Next();
            var silo = await ProjectResource.StartAsync("silo", "VisionSearch.Silo", siloHttp, new Dictionary<string, string>(shared)
            {
                ["OTEL_SERVICE_NAME"] = "silo",
                ["Orleans__Endpoints__SiloPort"] = $"{FreePort.Next()}",
                ["Orleans__Endpoints__GatewayPort"] = $"{FreePort.Next()}",
            }, timeout, stoppingToken);
            _started.Push(silo);
            var siloHealth = $"http://127.0.0.1:{siloHttp}/health";
            LogStarted(logger, "silo", siloHealth);

            var api = await ProjectResource.StartAsync("api", "VisionSearch.Api", settings.ApiPort, new Dictionary<string, string>(shared)
            {
                ["OTEL_SERVICE_NAME"] = "api",
            }, timeout, stoppingToken);
            _started.Push(api);

            PrintResources(redis, siloHttp, settings.ApiPort);
            var exited = await Task.WhenAny(silo.WaitForExitAsync(stoppingToken), api.WaitForExitAsync(stoppingToken));
            await exited;
            LogResourceExited(logger, exited == silo.WaitForExitAsync(CancellationToken.None) ? "silo" : "api");
            Environment.ExitCode = 1;
            lifetime.StopApplication();
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

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        while (_started.TryPop(out var resource))
        {
            await resource.DisposeAsync();
        }
    }

    /// <summary>Fails before anything starts when the API port is taken, typically by a VisionSearch already running.</summary>
    private static void EnsurePortFree(int port)
    {
        try
        {
            using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            probe.Start();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new InvalidOperationException(
                $"Port {port} is in use (is VisionSearch already running?). Stop it, or choose another port: --AppHost:ApiPort=5081.", e);
        }
    }

    private static void PrintResources(RedisResource redis, int siloHttp, int apiPort)
    {
        var api = $"http://127.0.0.1:{apiPort}";
        Console.Out.WriteLine($"""

            VisionSearch is running. Press Ctrl+C to stop everything.
              API       {api}
              Swagger   {api}/docs
              OpenAPI   {api}/openapi/v1.json
              Silo      http://127.0.0.1:{siloHttp}/health
              Redis     {redis.ConnectionString}  {redis.Description}

            """);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} is healthy at {Address}")]
    private static partial void LogStarted(ILogger logger, string resource, string address);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} exited; stopping everything")]
    private static partial void LogResourceExited(ILogger logger, string resource);

    [LoggerMessage(Level = LogLevel.Error, Message = "Startup failed: {Reason}")]
    private static partial void LogStartupFailed(ILogger logger, string reason);
}
