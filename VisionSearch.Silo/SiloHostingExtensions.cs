using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using VisionSearch.Api;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.SageMaker;
using VisionSearch.HuggingFace;
using VisionSearch.ServiceDefaults;
using VisionSearch.Silo.Ingestion;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo;

/// <summary>Composes a VisionSearch silo; the tests build their silos through the same method.</summary>
public static class SiloHostingExtensions
{
    /// <summary>
    /// Set true, the silo serves the API as well, on its own HTTP port: one process for one machine (the AppHost's
    /// <c>--single-process</c>). A search then reaches the grains without the client's hop to a gateway.
    /// </summary>
    public const string ServeApiKey = "Silo:ServeApi";

    public static WebApplicationBuilder AddVisionSearchSilo(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        if (ServesApi(builder.Configuration))
        {
            builder.AddVisionSearchApiServices();
        }

        builder.AddVisionSearchRedis();
        builder.Services.AddOptions<SnapshotOptions>()
            .BindConfiguration(SnapshotOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<RedisOutageOptions>().BindConfiguration(RedisOutageOptions.SectionName);
        builder.Services.AddOptions<Grains.ShardIndexOptions>().BindConfiguration(Grains.ShardIndexOptions.SectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RedisOutageRetry>();
        builder.Services.AddSingleton<SnapshotStore>();
        builder.Services.AddSingleton<ShardLog>();
        builder.Services.AddSingleton<BuildRecordStore>();
        builder.Services.AddSingleton<ItemStore>();
        builder.Services.AddSingleton<WriteJournal>();
        builder.Services.AddSingleton<BuildInstruments>();
        builder.Services.AddOptions<EmbeddingCacheOptions>()
            .BindConfiguration(EmbeddingCacheOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<RedisEmbeddingCache>();

        builder.Services.AddOptions<IngestionOptions>()
            .BindConfiguration(IngestionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<EmbeddingsOptions>()
            .BindConfiguration(EmbeddingsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ClipOptions>()
            .BindConfiguration(ClipOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<SageMakerOptions>()
            .BindConfiguration(SageMakerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // The Hub client retries and resumes downloads itself; the standard resilience handler's 30 s
        // request timeout would cut a model download short, so it gets its own HttpClient.
        // Section "HuggingFace" (Endpoint, Token, CacheDirectory); unset values fall back to HF_ENDPOINT, HF_TOKEN and HF_HOME.
        builder.Services.AddSingleton(builder.Configuration.GetSection("HuggingFace").Get<HubOptions>() ?? new HubOptions());
        builder.Services.AddSingleton(sp => new HubClient(
            new HttpClient(HubClient.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan },
            sp.GetRequiredService<HubOptions>(),
            sp.GetRequiredService<ILogger<HubClient>>()));
        builder.Services.AddOptions<DatasetsOptions>()
            .BindConfiguration(DatasetsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DatasetSources>();
        builder.Services.AddSingleton<EmbeddingInstruments>();
        builder.Services.AddSingleton<EmbedderProvider>();
        builder.Services.AddSingleton<Grains.ThumbnailCache>();
        builder.Services.AddHostedService<BuildResumer>();
        builder.Services.AddHostedService<FolderWatcher>();

        // Ids, ports and clustering come from the "Orleans" section (Orleans__ClusterId, Orleans__Endpoints__SiloPort,
        // Orleans__Clustering__ProviderType=Redis with ServiceKey=redis), as the Aspire AppHost passes them.
        builder.UseOrleans(silo =>
        {
            silo.AddActivityPropagation(); // one trace from the API request through every grain call
            silo.AddPlacementDirector<Grains.ShardPlacement, Grains.ShardPlacementDirector>();
            if (DashboardEnabled(builder.Configuration))
            {
                silo.AddDashboard(); // collects silo, grain and call statistics for /dashboard
            }

            var endpoints = builder.Configuration.GetSection("Orleans:Endpoints");
            // How fast a dead silo is noticed (and its builds resumed elsewhere): Orleans__Membership__ProbeTimeout, ...
            silo.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Orleans:Membership"));
            // The name the dashboard and the membership table show, e.g. silo-2 from the AppHost.
            if (builder.Configuration["Orleans:SiloName"] is { Length: > 0 } name)
            {
                silo.Configure<SiloOptions>(o => o.SiloName = name);
            }

            // Bound by hand: the binder would set an empty AdvertisedIPAddress to null, which Orleans refuses.
            silo.Configure<EndpointOptions>(o =>
            {
                o.SiloPort = endpoints.GetValue(nameof(o.SiloPort), o.SiloPort);
                o.GatewayPort = endpoints.GetValue(nameof(o.GatewayPort), o.GatewayPort);
                o.AdvertisedIPAddress = AdvertisedAddress(endpoints[nameof(o.AdvertisedIPAddress)]);
            });
        });
        return builder;
    }

    /// <summary>
    /// Maps the Orleans dashboard at <c>/dashboard</c> on the silo's HTTP port, unless <c>Orleans:Dashboard:Enabled</c>
    /// is false. It has no login of its own, so it answers loopback callers only unless <c>Orleans:Dashboard:AllowRemote</c>
    /// is true (as in docker-compose, whose published port is bound to the host's 127.0.0.1 instead).
    /// </summary>
    public static WebApplication MapVisionSearchSilo(this WebApplication app)
    {
        if (ServesApi(app.Configuration))
        {
            app.MapVisionSearchApi();
        }

        app.MapDefaultEndpoints();
        if (DashboardEnabled(app.Configuration))
        {
            var allowRemote = app.Configuration.GetValue("Orleans:Dashboard:AllowRemote", defaultValue: false);
            app.UseWhen(
                context => context.Request.Path.StartsWithSegments(DashboardPath) && !allowRemote && context.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote),
                remote => remote.Run(context => TypedResults.Problem(
                    title: "The Orleans dashboard answers this machine only.",
                    detail: "It has no login: open it from the silo's host, or set Orleans:Dashboard:AllowRemote=true where its port is reachable only by operators.",
                    statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context)));
            app.MapOrleansDashboard(DashboardPath);
        }

        return app;
    }

    /// <summary>
    /// The address other silos and clients reach this silo at: the configured one (appsettings.json says 127.0.0.1 for
    /// one machine), or, set empty as in docker-compose, this host's own address, which differs for every replica.
    /// </summary>
    private static IPAddress AdvertisedAddress(string? configured) =>
        !string.IsNullOrWhiteSpace(configured)
            ? IPAddress.Parse(configured)
            : Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
                ?? IPAddress.Loopback;

    /// <summary>Where each silo serves the Orleans dashboard.</summary>
    public const string DashboardPath = "/dashboard";

    private static bool DashboardEnabled(IConfiguration configuration) =>
        configuration.GetValue("Orleans:Dashboard:Enabled", defaultValue: true);

    private static bool ServesApi(IConfiguration configuration) => configuration.GetValue(ServeApiKey, defaultValue: false);
}
