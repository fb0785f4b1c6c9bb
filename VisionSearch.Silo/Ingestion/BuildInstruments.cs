using System.Diagnostics.Metrics;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Silo.Ingestion;

/// <summary>Build metrics on the VisionSearch meter: items indexed and skipped, per dataset.</summary>
internal static class BuildInstruments
{
    private static readonly Meter Meter = new(VisionSearchTelemetry.Name);
    private static readonly Counter<long> Indexed = Meter.CreateCounter<long>("visionsearch.build.items.indexed", "{item}", "Items logged and indexed by builds.");
    private static readonly Counter<long> Skipped = Meter.CreateCounter<long>("visionsearch.build.items.skipped", "{item}", "Items builds could not index.");

    public static void Record(string dataset, long indexed, long skipped)
    {
        var tag = new KeyValuePair<string, object?>("visionsearch.dataset", dataset);
        Indexed.Add(indexed, tag);
        if (skipped > 0)
        {
            Skipped.Add(skipped, tag);
        }
    }
}
