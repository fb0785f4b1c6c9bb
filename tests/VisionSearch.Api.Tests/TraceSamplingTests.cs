using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Trace;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Api.Tests;

/// <summary>
/// Which traces the services keep: new ones up to <c>Telemetry:TracesPerSecond</c>, children with their parent,
/// everything when <c>OTEL_TRACES_SAMPLER</c> says so.
/// </summary>
/// <remarks>
/// Alone in the process: an activity is recorded when any listener asks for it, and listeners are process-wide, so a
/// class running beside these that records every source (AccessTests looks for keys in every span) would record the
/// spans this sampler drops.
/// </remarks>
[Collection(nameof(TraceSamplingTests))]
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
        var time = new FakeTimeProvider();
        using var host = Host(time, ("Telemetry:TracesPerSecond", perSecond), ("OTEL_TRACES_SAMPLER", otelSampler));
        host.Services.GetRequiredService<TracerProvider>();
        using var source = new ActivitySource(Source);

        // The budget refills each second of the host's clock, which stands still here: a burst sees one second's,
        // and the next second's burst as much again.
        Assert.Equal(kept, Burst(source));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(kept, Burst(source));
    }

    [Fact]
    public void Children_follow_their_trace_whatever_is_left_of_the_budget()
    {
        using var host = Host(new FakeTimeProvider(), ("Telemetry:TracesPerSecond", "1"));
        host.Services.GetRequiredService<TracerProvider>();
        using var source = new ActivitySource(Source);

        using var kept = source.StartActivity("kept");
        Activity.Current = null;
        using var dropped = source.StartActivity("dropped");
        Activity.Current = null;
        Assert.True(kept!.Recorded);
        Assert.False(dropped!.Recorded);

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
        var error = Assert.Throws<InvalidOperationException>(() => Host(new FakeTimeProvider(), ("Telemetry:TracesPerSecond", "-1")));
        Assert.Contains("Telemetry:TracesPerSecond", error.Message, StringComparison.Ordinal);
    }

    /// <summary>How many of 100 new traces started at once are recorded.</summary>
    private static int Burst(ActivitySource source)
    {
        var recorded = 0;
        for (var i = 0; i < 100; i++)
        {
            using var root = source.StartActivity("root");
            recorded += root is { Recorded: true } ? 1 : 0;
        }

        return recorded;
    }

    /// <summary>
    /// A host with the service defaults, these settings and this clock, its tracer provider listening to the test's
    /// source once resolved.
    /// </summary>
    private static IHost Host(TimeProvider time, params (string Key, string? Value)[] settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(time);
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        builder.AddServiceDefaults();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(Source));
        return builder.Build();
    }
}

/// <summary>Runs <see cref="TraceSamplingTests"/> after the parallel classes, with nothing beside it.</summary>
[CollectionDefinition(nameof(TraceSamplingTests), DisableParallelization = true)]
public sealed class TraceSamplingCollection;
