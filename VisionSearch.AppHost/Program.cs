using VisionSearch.AppHost;

// The design card: Redis, an Orleans cluster on it, N silos, the API as the cluster's client, the search page as the
// API's (or, with --single-process, one silo serving the API in place of both); the Aspire dashboard shows them all.
// Settings: AppHost:* (appsettings.json, AppHost__Silos=3, or the short switches of --help).
if (AppHostSwitches.WantsHelp(args))
{
    Console.Out.WriteLine(AppHostSwitches.Help());
    return 0;
}

var builder = DistributedApplication.CreateBuilder(AppHostSwitches.Expand(args));
if (AppHostOptions.Bind(builder.Configuration, Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."))) is not { } options)
{
    return 2; // the one line that says what is wrong has been printed
}

var redis = builder.AddVisionSearchRedis(options);
// A cluster id of its own per run: silos that did not leave the last run's cluster (a kill, a crash) stay listed in its
// membership, and joining a cluster waits until such silos are declared dead. The data (our own keys) outlives it.
var orleans = builder.AddOrleans("cluster")
    .WithClusterId($"visionsearch-{DateTime.UtcNow:yyyyMMddHHmmss}")
    .WithServiceId("visionsearch")
    .WithClustering(redis);

IResourceBuilder<ProjectResource> api;
if (options.SingleProcess)
{
    // One process: a silo serving the API on the API's port, named as the API is, so that the page finds it alike.
    api = builder.AddProject<Projects.VisionSearch_Silo>("api", launchProfileName: null)
        .WithReference(orleans)
        .WithEnvironment("Silo__ServeApi", "true")
        .WithSiloSettings(options);
}
else
{
    var silo = builder.AddProject<Projects.VisionSearch_Silo>("silo", launchProfileName: null)
        .WithReference(orleans)
        .WaitFor(redis)
        .WithReplicas(options.Silos)
        .WithHttpEndpoint(port: options.SiloHttpPort, name: "http")
        .WithHttpHealthCheck("/health")
        .WithUrlForEndpoint("http", url => (url.Url, url.DisplayText) = ("/dashboard", "Orleans dashboard"))
        .WithSiloSettings(options);
    api = builder.AddProject<Projects.VisionSearch_Api>("api", launchProfileName: null)
        .WithReference(orleans.AsClient())
        .WaitFor(silo)
        .WithServiceSettings(options);
}

api.WaitFor(redis)
    .WithHttpEndpoint(port: options.ApiPort, name: "http", isProxied: false)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url => url.DisplayText = "API")
    .WithUrlForEndpoint("http", endpoint => new() { Url = "/docs", DisplayText = "Swagger" });
if (options.SingleProcess)
{
    api.WithUrlForEndpoint("http", endpoint => new() { Url = "/dashboard", DisplayText = "Orleans dashboard" });
}

builder.AddProject<Projects.VisionSearch_Web>("web", launchProfileName: null)
    .WithReference(api)
    .WaitFor(api)
    .WithHttpEndpoint(port: options.WebPort, name: "http", isProxied: false)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url => url.DisplayText = "Search page")
    .WithServiceSettings(options)
    .PrintsLinksWhenReady(options);

builder.Build().Run();
return 0;
