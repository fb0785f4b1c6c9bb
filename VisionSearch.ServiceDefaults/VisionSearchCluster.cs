using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Clustering.Redis;
using Orleans.Hosting;
using StackExchange.Redis;

namespace VisionSearch.ServiceDefaults;

/// <summary>
/// The shared Redis connection and Orleans cluster membership on it, configured the way an Aspire AppHost hands them
/// over: <c>ConnectionStrings__redis</c> for Aspire's Redis client integration (keyed <c>redis</c>, with its health
/// check and a span per command), and the <c>Orleans</c> section (<c>Orleans__Clustering__ProviderType=Redis</c>,
/// <c>Orleans__Clustering__ServiceKey=redis</c>, cluster and service ids, silo ports) for Orleans itself.
/// </summary>
public static class VisionSearchCluster
{
    /// <summary>The connection name: <c>ConnectionStrings:redis</c>, and the service key Orleans' Redis provider resolves.</summary>
    public const string RedisName = "redis";

    /// <summary>One cluster with membership on the Redis above, unless the AppHost (or the operator) names another.</summary>
    private static readonly Dictionary<string, string?> ClusterDefaults = new()
    {
        ["Orleans:ClusterId"] = "visionsearch",
        ["Orleans:ServiceId"] = "visionsearch",
        ["Orleans:Clustering:ProviderType"] = "Redis",
        ["Orleans:Clustering:ServiceKey"] = RedisName,
    };

    /// <summary>The keyed connection Aspire's client makes, also as the plain <see cref="IConnectionMultiplexer"/> the stores take.</summary>
    public static TBuilder AddVisionSearchRedis<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Configuration.AddDefaults(ClusterDefaults);
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(RedisName)))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{RedisName} is not set. Start the whole system with 'dotnet run --project VisionSearch.AppHost', " +
                $"or set ConnectionStrings__{RedisName}=host:port.");
        }

        // Keep retrying while Redis restarts instead of failing the first call after a blip.
        builder.AddKeyedRedisClient(RedisName, configureOptions: options => options.AbortOnConnectFail = false);
        builder.Services.AddSingleton(sp => sp.GetRequiredKeyedService<IConnectionMultiplexer>(RedisName));
        // Orleans finds the provider that Orleans:Clustering:ProviderType names among the assemblies loaded when it
        // reads its configuration; nothing else would load this one before that.
        _ = typeof(RedisClusteringOptions).Assembly;
        return builder;
    }

    /// <summary>An Orleans client of the VisionSearch cluster: gateways from the membership in Redis; the caller's trace continues in the grains.</summary>
    public static TBuilder AddVisionSearchClusterClient<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddVisionSearchRedis();
        builder.UseOrleansClient(client => client.AddActivityPropagation());
        return builder;
    }
}
