using System.Diagnostics.Metrics;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Silo.Ingestion;

/// <summary>Build metrics on the VisionSearch meter: items indexed and skipped, per dataset.</summary>
public sealed class BuildInstruments
{
    private readonly Counter<long> _indexed;
    private readonly Counter<long> _skipped;

    public BuildInstruments(IMeterFactory meters)
    {
        var meter = meters.Create(VisionSearchTelemetry.Name);
        _indexed = meter.CreateCounter<long>("visionsearch.build.items.indexed", "{item}", "Items logged and indexed by builds.");
        _skipped = meter.CreateCounter<long>("visionsearch.build.items.skipped", "{item}", "Items builds could not index.");
    }

    public void Record(string dataset, long indexed, long skipped)
    {
        var tag = new KeyValuePair<string, object?>("visionsearch.dataset", dataset);
        _indexed.Add(indexed, tag);
        if (skipped > 0)
        {
            _skipped.Add(skipped, tag);
        }
    }
}
