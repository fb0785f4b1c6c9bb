using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Api.Tests;

/// <summary>
/// Which traces the services keep: new ones up to <c>Telemetry:TracesPerSecond</c>, children with their parent,
/// everything when <c>OTEL_TRACES_SAMPLER</c> says so.
/// </summary>
public sealed class TraceSamplingTests
{
    private const string Source = "VisionSearch.Tests.Sampling";

    [Theory]
    [InlineData(null, null, 20)]
    [InlineData("3", null, 3)]
    [InlineData("0", null, 0)]
    [InlineData("3", "always_on", 100)]
    public void A_burst_of_new_traces_keeps_the_configured_budget(string? perSecond, string? otelSampler, int kept)
    {
        using var host = Host(("Telemetry:TracesPerSecond", perSecond), ("OTEL_TRACES_SAMPLER", otelSampler));
        host.Services.GetRequiredService<TracerProvider>();
        using var source = new ActivitySource(Source);

        // The budget refills a second after the provider was built: a burst right after it sees the first second's.
        var recorded = 0;
        for (var i = 0; i < 100; i++)
        {
            using var root = source.StartActivity("root");
            recorded += root is { Recorded: true } ? 1 : 0;
        }

        Assert.Equal(kept, recorded);
    }

    [Fact]
    public void Children_follow_their_trace_whatever_is_left_of_the_budget()
    {
        using var host = Host(("Telemetry:TracesPerSecond", "1"));
        host.Services.GetRequiredService<TracerProvider>();
        using var source = new ActivitySource(Source);

        // One trace kept and the next dropped, within one second of the budget: the bucket refills each second, so a
        // pair that straddled a refill (both kept) is started again.
        Activity? kept = null, dropped = null;
        var pairs = 0;
        do
        {
            kept?.Dispose();
            dropped?.Dispose();
            kept = source.StartActivity("kept")!;
            Activity.Current = null;
            dropped = source.StartActivity("dropped")!;
            Activity.Current = null;
        }
        while (dropped.Recorded && ++pairs < 5);
        using var keptSpan = kept;
        using var droppedSpan = dropped;
        Assert.True(kept.Recorded);
        Assert.False(dropped.Recorded);

        // The budget is spent, yet every span under the kept trace is recorded (a grain call on a silo, say), and
        // none under the dropped one (whose root is still made, unrecorded, so its context travels marked not sampled).
        for (var i = 0; i < 10; i++)
        {
            using var underKept = source.StartActivity("child", ActivityKind.Client, kept.Context);
            using var underDropped = source.StartActivity("child", ActivityKind.Client, dropped.Context);
            Assert.True(underKept!.Recorded);
            Assert.False(underDropped is { Recorded: true });
        }
    }

    [Fact]
    public void A_negative_budget_stops_the_start_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Host(("Telemetry:TracesPerSecond", "-1")));
        Assert.Contains("Telemetry:TracesPerSecond", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A host with the service defaults and these settings, its tracer provider listening to the test's source once resolved.</summary>
    private static IHost Host(params (string Key, string? Value)[] settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        builder.AddServiceDefaults();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(Source));
        return builder.Build();
    }
}
