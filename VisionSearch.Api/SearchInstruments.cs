using System.Diagnostics;
using System.Diagnostics.Metrics;
using VisionSearch.Contracts;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Api;

/// <summary>Search metrics on the VisionSearch meter: searches by dataset, query kind and outcome, and their latency as the API sees it.</summary>
internal sealed class SearchInstruments
{
    private readonly Counter<long> _searches;
    private readonly Histogram<double> _duration;

    public SearchInstruments(IMeterFactory meters)
    {
        var meter = meters.Create(VisionSearchTelemetry.Name);
        _searches = meter.CreateCounter<long>(
            "visionsearch.search.requests", "{search}", "Searches answered, by dataset, query kind (vector, text, image, item) and outcome.");
        _duration = meter.CreateHistogram<double>("visionsearch.search.duration", "s", "Search latency in the API, embedding the query included.");
    }

    public void Record(string dataset, string kind, SearchOutcome outcome, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { "visionsearch.dataset", dataset },
            { "visionsearch.query", kind },
            { "visionsearch.outcome", outcome.ToString() },
        };
        _searches.Add(1, tags);
        if (_duration.Enabled)
        {
            _duration.Record(elapsed.TotalSeconds, tags);
        }
    }
}
