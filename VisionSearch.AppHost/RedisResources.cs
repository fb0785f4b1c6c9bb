using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using VisionSearch.LocalServers;

namespace VisionSearch.AppHost;

/// <summary>
/// The Redis the cluster lives on, always the resource <c>redis</c>, chosen so that <c>dotnet run</c> works on a
/// machine with only the .NET SDK: a configured connection string (<c>ConnectionStrings:redis</c>); else Aspire's Redis
/// container with a data volume, when Docker or Podman answers; else <c>redis-server</c> from PATH, its append-only file
/// in the data folder; else an embedded Garnet (in memory). Each is an Orleans Redis provider.
/// </summary>
internal static class RedisResources
{
    public const string Name = "redis";

    public static IResourceBuilder<IResourceWithConnectionString> AddVisionSearchRedis(this IDistributedApplicationBuilder builder, AppHostOptions options)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(Name)))
        {
            return builder.AddConnectionString(Name).WithOrleansProviderType("Redis");
        }

        if (ContainerRuntimeAnswers())
        {
            return builder.AddRedis(Name).WithDataVolume("visionsearch-redis").WithPersistence();
        }

        var port = FreePort.Next();
        builder.Services.AddHealthChecks().AddAsyncCheck($"{Name}-ping", async cancellationToken =>
            await LocalRedis.PingAsync(port, cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"No PONG on 127.0.0.1:{port}."));
        if (LocalRedis.FindRedisServer() is { } redisServer)
        {
            var data = Directory.CreateDirectory(options.DataDir).FullName;
            return builder.AddResource(new RedisServerResource(Name, redisServer, data, port))
                .WithArgs("--port", $"{port}", "--bind", "127.0.0.1", "--protected-mode", "no", "--save", "", "--appendonly", "yes", "--dir", data)
                .WithEndpoint(port: port, targetPort: port, name: "tcp", scheme: "tcp", isProxied: false)
                .WithHealthCheck($"{Name}-ping")
                .WithOrleansProviderType("Redis");
        }

        return builder.AddResource(new GarnetResource(Name, port))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Garnet (embedded)",
                State = KnownResourceStates.NotStarted,
                Properties = [new("connection", $"127.0.0.1:{port}"), new("note", "in memory only: install redis-server to keep data across runs")],
            })
            .OnInitializeResource(async (garnet, e, cancellationToken) =>
            {
                await e.Eventing.PublishAsync(new BeforeResourceStartedEvent(garnet, e.Services), cancellationToken);
                garnet.Start();
                await e.Notifications.PublishUpdateAsync(garnet, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });
            })
            .WithHealthCheck($"{Name}-ping")
            .WithOrleansProviderType("Redis");
    }

    /// <summary>Whether a container runtime (Docker, or Podman) answers now; a client without an engine does not.</summary>
    private static bool ContainerRuntimeAnswers()
    {
        var runtime = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") is { Length: > 0 } named ? named : "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}

/// <summary><c>redis-server</c> as an executable resource, with the connection string Orleans and the services use.</summary>
internal sealed class RedisServerResource(string name, string command, string workingDirectory, int port)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
}

/// <summary>An embedded Garnet server in the AppHost's process, started when the resource initialises, stopped with the AppHost.</summary>
internal sealed class GarnetResource(string name, int port) : Resource(name), IResourceWithConnectionString, IDisposable
{
    private Garnet.GarnetServer? _server;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    public void Start() => _server = LocalRedis.StartGarnet(port);

    public void Dispose() => _server?.Dispose();
}
