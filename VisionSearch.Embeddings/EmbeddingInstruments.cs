using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VisionSearch.Embeddings;

/// <summary>The library's OpenTelemetry names: one Meter and one ActivitySource, both <see cref="Name"/>.</summary>
public static class EmbeddingInstruments
{
    public const string Name = "VisionSearch.Embeddings";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);
    private static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>(
        "visionsearch.embedding.run.duration", "s", "Time inside the model (session.Run) per batch.");
    private static readonly Histogram<double> PrepareDuration = Meter.CreateHistogram<double>(
        "visionsearch.embedding.prepare.duration", "s", "Time tokenizing or decoding and resizing per batch.");
    private static readonly Counter<long> Items = Meter.CreateCounter<long>(
        "visionsearch.embedding.items", "{item}", "Texts and images embedded.");

    internal static void RecordRun(string output, TimeSpan elapsed)
    {
        if (RunDuration.Enabled)
        {
            RunDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("visionsearch.output", output));
        }
    }

    internal static void RecordPrepare(string kind, TimeSpan elapsed, int items)
    {
        if (PrepareDuration.Enabled)
        {
            PrepareDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("visionsearch.kind", kind));
        }

        Items.Add(items, new KeyValuePair<string, object?>("visionsearch.kind", kind));
    }
}
