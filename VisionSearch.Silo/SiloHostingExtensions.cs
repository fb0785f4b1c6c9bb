using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using VisionSearch.ServiceDefaults;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo;

/// <summary>Composes a VisionSearch silo; the tests build their silos through the same method.</summary>
public static class SiloHostingExtensions
{
    public static WebApplicationBuilder AddVisionSearchSilo(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddKeyedRedisClient(RedisClientExtensions.ConnectionName);
        builder.Services.AddOptions<SnapshotOptions>()
            .BindConfiguration(SnapshotOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SnapshotStore>();

        // Ids and ports come from the "Orleans" section (Orleans__ClusterId, Orleans__Endpoints__SiloPort, ...),
        // as an Aspire AppHost passes them; membership lives in the same Redis.
        builder.UseOrleans(silo =>
        {
            silo.UseSharedRedisClustering(RedisClientExtensions.ConnectionName);
            var endpoints = builder.Configuration.GetSection("Orleans:Endpoints");
            silo.Configure<EndpointOptions>(endpoints);
            if (endpoints["AdvertisedIPAddress"] is { Length: > 0 } advertised)
            {
                silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Parse(advertised));
            }
        });
        return builder;
    }
}
