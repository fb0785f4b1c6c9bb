using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace VisionSearch.ServiceDefaults;

/// <summary>
/// Registers one shared Redis connection from <c>ConnectionStrings:{name}</c>, keyed by that name as
/// Aspire's <c>AddKeyedRedisClient</c> does, so Orleans' provider configuration (<c>Orleans:Clustering:ServiceKey</c>) finds it.
/// </summary>
public static class RedisClientExtensions
{
    /// <summary>The connection name VisionSearch uses, passed by an AppHost as <c>ConnectionStrings__redis</c>.</summary>
    public const string ConnectionName = "redis";

    public static IHostApplicationBuilder AddKeyedRedisClient(this IHostApplicationBuilder builder, string name)
    {
        var connectionString = builder.Configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{name} is not set. Start the whole system with 'dotnet run --project VisionSearch.AppHost', " +
                $"or set ConnectionStrings__{name}=host:port.");
        }

        var options = ConfigurationOptions.Parse(connectionString);
        // Keep retrying while Redis restarts instead of failing the first call after a blip.
        options.AbortOnConnectFail = false;
        builder.Services.AddKeyedSingleton<IConnectionMultiplexer>(name, (_, _) => ConnectionMultiplexer.Connect(options));
        builder.Services.AddSingleton(sp => sp.GetRequiredKeyedService<IConnectionMultiplexer>(name));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            $"redis-{name}",
            sp => new RedisHealthCheck(sp.GetRequiredKeyedService<IConnectionMultiplexer>(name)),
            HealthStatus.Unhealthy,
            ["ready"]));
        return builder;
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:F1} ms");
            }
            catch (RedisException e)
            {
                return HealthCheckResult.Unhealthy("Redis does not answer.", e);
            }
        }
    }
}
