namespace VisionSearch.Hnsw;

/// <summary>A <see cref="Metric"/> as its name (<see cref="MetricNames"/>).</summary>
public sealed class MetricJsonConverter() : EnumNameJsonConverter<Metric>(MetricNames.Of, MetricNames.TryParse, MetricNames.Unknown);
