using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Api.Tests;

/// <summary>
/// The settings every service starts from where nothing it reads sets them, kept in code (no project's appsettings.json
/// carries them, so the silo, which references the API's project, never gets the API's file in place of its own).
/// </summary>
public sealed class ConfigurationDefaultsTests
{
    [Fact]
    public void A_service_joins_the_visionsearch_cluster_on_redis_and_logs_no_line_per_request_unless_told_otherwise()
    {
        var builder = WebApplication.CreateBuilder(["--Orleans:ClusterId=mine", "--Logging:LogLevel:Orleans=Debug"]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:redis"] = "127.0.0.1:1" });
        builder.Configuration["Orleans:ServiceId"] = "set"; // through the indexer: no source holds it, and it must stay
        builder.AddServiceDefaults();
        builder.AddVisionSearchRedis();

        var orleans = builder.Configuration.GetSection("Orleans");
        Assert.Equal(("mine", "set", "Redis", "redis"), (orleans["ClusterId"], orleans["ServiceId"], orleans["Clustering:ProviderType"], orleans["Clustering:ServiceKey"]));
        using var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Orleans.Runtime.Silo").IsEnabled(LogLevel.Debug)); // the command line's, over the default
        Assert.True(loggers.CreateLogger("VisionSearch.Silo").IsEnabled(LogLevel.Information));
    }
}
