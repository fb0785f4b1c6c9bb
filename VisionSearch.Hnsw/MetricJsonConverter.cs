namespace VisionSearch.Hnsw;

/// <summary>A <see cref="Metric"/> as its name (<see cref="Names.Metric"/>).</summary>
public sealed class MetricJsonConverter() : EnumNameJsonConverter<Metric>(Names.Metric);
