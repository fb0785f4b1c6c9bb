using Microsoft.Extensions.DependencyInjection;
using Orleans.Clustering.Redis;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using StackExchange.Redis;

namespace VisionSearch.ServiceDefaults;

/// <summary>
/// Cluster membership on the shared Redis connection, for silos and clients alike. What Aspire's
/// <c>Orleans__Clustering__ServiceKey=redis</c> does, written out, because Orleans discovers such
/// configuration-named providers only once their assembly happens to be loaded.
/// </summary>
public static class OrleansRedisClustering
{
    /// <summary>An Orleans client of the VisionSearch cluster: the keyed Redis connection, and membership (the gateways) read from it.</summary>
    public static TBuilder AddVisionSearchClusterClient<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddKeyedRedisClient(RedisClientExtensions.ConnectionName);
        builder.UseOrleansClient(client =>
        {
            client.UseSharedRedisClustering(RedisClientExtensions.ConnectionName);
            client.AddActivityPropagation(); // the API request's trace continues in the grains
        });
        return builder;
    }

    public static void UseSharedRedisClustering(this ISiloBuilder silo, string connectionName)
    {
        silo.UseRedisClustering(_ => { });
        ShareConnection(silo.Services, connectionName);
    }

    public static void UseSharedRedisClustering(this IClientBuilder client, string connectionName)
    {
        client.UseRedisClustering(_ => { });
        ShareConnection(client.Services, connectionName);
    }

    private static void ShareConnection(IServiceCollection services, string connectionName) =>
        services.AddOptions<RedisClusteringOptions>().Configure<IServiceProvider>((options, sp) =>
        {
            var multiplexer = sp.GetRequiredKeyedService<IConnectionMultiplexer>(connectionName);
            options.CreateMultiplexer = _ => Task.FromResult((Multiplexer: multiplexer, IsShared: true));
            options.ConfigurationOptions = new ConfigurationOptions();
        });
}
