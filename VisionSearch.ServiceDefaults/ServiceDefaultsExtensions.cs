using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace VisionSearch.ServiceDefaults;

/// <summary>Aspire's service defaults (the template's, as code of our own): telemetry, health checks and resilience.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>New traces kept a second unless configured: a few pages of clicks, a sliver of a load test.</summary>
    public const int DefaultTracesPerSecond = 20;

    private const string LivenessTag = "live";

    /// <summary>A line per request from ASP.NET Core and per membership step from Orleans would bury our own logs.</summary>
    private static readonly Dictionary<string, string?> LoggingDefaults = new()
    {
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Orleans"] = "Warning",
    };

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Configuration.AddDefaults(LoggingDefaults);
        builder.ConfigureOpenTelemetry();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LivenessTag]);
        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        return builder;
    }

    private static void ConfigureOpenTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(VisionSearchTelemetry.Name, VisionSearchTelemetry.LibraryNames, "Microsoft.Orleans"))
            .WithTracing(tracing => tracing
                .AddSource(VisionSearchTelemetry.Name, VisionSearchTelemetry.LibraryNames, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsHealthPath(ctx.Request.Path))
                .AddHttpClientInstrumentation()
                .SetTracesPerSecond(builder.Configuration));
        // Redis commands are spans too: Aspire's Redis client adds them for the shared connection (VisionSearchCluster).

        // Export only where a collector is named, as Aspire does: no endpoint, no exporter, no overhead.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
    }

    /// <summary>
    /// New traces are kept up to <c>Telemetry:TracesPerSecond</c> (default <see cref="DefaultTracesPerSecond"/>; 0
    /// keeps none) and children follow their parent; <c>OTEL_TRACES_SAMPLER</c>, when set, decides instead.
    /// </summary>
    private static TracerProviderBuilder SetTracesPerSecond(this TracerProviderBuilder tracing, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_TRACES_SAMPLER"]))
        {
            return tracing;
        }

        var perSecond = configuration.GetValue("Telemetry:TracesPerSecond", DefaultTracesPerSecond);
        if (perSecond < 0)
        {
            throw new InvalidOperationException($"Telemetry:TracesPerSecond must be at least 0 (0 keeps no trace); it is {perSecond}.");
        }

        return tracing.SetSampler(services => new ParentBasedSampler(
            perSecond == 0 ? new AlwaysOffSampler() : new RateLimitedSampler(perSecond, services.GetService<TimeProvider>() ?? TimeProvider.System)));
    }

    /// <summary>Maps <c>/health</c> (every check, ready to serve) and <c>/alive</c> (the process answers).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health");
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LivenessTag) });
        return app;
    }

    /// <summary>Whether <paramref name="path"/> is a health check: not traced, never rate limited.</summary>
    public static bool IsHealthPath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/alive");
}
