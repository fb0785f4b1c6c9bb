using System.Diagnostics.CodeAnalysis;

namespace VisionSearch.Hnsw;

/// <summary>
/// The metrics' names, hnswlib's spaces (<c>cosine</c>, <c>ip</c>, <c>l2</c>), the only place a name becomes a
/// <see cref="Metric"/>: requests, stored records and messages all go through here.
/// </summary>
public static class MetricNames
{
    /// <summary>For messages: the names a caller may use.</summary>
    public const string Choices = "cosine, ip or l2";

    /// <summary>The name written for <paramref name="metric"/>.</summary>
    public static string Of(Metric metric) => metric switch
    {
        Metric.Cosine => "cosine",
        Metric.InnerProduct => "ip",
        Metric.L2 => "l2",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Not a metric."),
    };

    /// <summary>Reads a name, any case, or one of its aliases (<c>inner_product</c>, <c>dot</c>, <c>euclidean</c>).</summary>
    public static bool TryParse([NotNullWhen(true)] string? name, out Metric metric)
    {
        Metric? parsed = name?.ToLowerInvariant() switch
        {
            "cosine" => Metric.Cosine,
            "ip" or "inner_product" or "dot" => Metric.InnerProduct,
            "l2" or "euclidean" => Metric.L2,
            _ => null,
        };
        metric = parsed.GetValueOrDefault();
        return parsed is not null;
    }

    /// <summary>A request's metric: <see cref="TryParse"/>, with none named meaning <see cref="HnswOptions.DefaultMetric"/>.</summary>
    public static bool TryParseRequested(string? name, out Metric metric)
    {
        metric = HnswOptions.DefaultMetric;
        return name is null || TryParse(name, out metric);
    }

    /// <summary>Why <paramref name="name"/> is refused.</summary>
    public static string Unknown(string? name) => $"Metric '{name}' is unknown; use {Choices}.";
}
