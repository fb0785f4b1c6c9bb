using System.Diagnostics;
using System.Diagnostics.Metrics;
using VisionSearch.Contracts;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Api;

/// <summary>Search metrics on the VisionSearch meter: searches by dataset, query kind and outcome, and their latency as the API sees it.</summary>
internal static class SearchInstruments
{
    private static readonly Meter Meter = new(VisionSearchTelemetry.Name);
    private static readonly Counter<long> Searches = Meter.CreateCounter<long>(
        "visionsearch.search.requests", "{search}", "Searches answered, by dataset, query kind (vector, text, image, item) and outcome.");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "visionsearch.search.duration", "s", "Search latency in the API, embedding the query included.");

    public static void Record(string dataset, string kind, SearchOutcome outcome, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { "visionsearch.dataset", dataset },
            { "visionsearch.query", kind },
            { "visionsearch.outcome", outcome.ToString() },
        };
        Searches.Add(1, tags);
        if (Duration.Enabled)
        {
            Duration.Record(elapsed.TotalSeconds, tags);
        }
    }
}
