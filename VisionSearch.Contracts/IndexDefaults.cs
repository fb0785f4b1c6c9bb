using VisionSearch.Hnsw;

namespace VisionSearch.Contracts;

/// <summary>
/// What an index is made with when a request leaves it out, and the largest vector, for the API and the grains: the
/// index library's own (<see cref="HnswOptions"/>, <see cref="ExactIndex.MaxDimension"/>), named where requests are.
/// </summary>
public static class IndexDefaults
{
    /// <summary>The distance.</summary>
    public const Metric Metric = HnswOptions.DefaultMetric;

    /// <summary>HNSW links per node.</summary>
    public const int M = HnswOptions.DefaultM;

    /// <summary>HNSW's candidate list while building.</summary>
    public const int EfConstruction = HnswOptions.DefaultEfConstruction;

    /// <summary>The longest vector an index holds.</summary>
    public const int MaxDimension = ExactIndex.MaxDimension;
}
