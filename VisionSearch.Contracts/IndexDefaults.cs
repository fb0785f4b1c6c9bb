using VisionSearch.Hnsw;

namespace VisionSearch.Contracts;

/// <summary>
/// What an index is made with when a request leaves it out, and the largest vector, in one place for the API and the
/// grains. They are <c>VisionSearch.Hnsw</c>'s own (<c>HnswOptions</c>, <c>ExactIndex.MaxDimension</c>), which knows
/// nothing of these contracts; a silo test holds the two equal.
/// </summary>
public static class IndexDefaults
{
    /// <summary>The distance: cosine (CLIP vectors are compared by angle).</summary>
    public const Metric Metric = Hnsw.Metric.Cosine;

    /// <summary>HNSW links per node.</summary>
    public const int M = 16;

    /// <summary>HNSW's candidate list while building.</summary>
    public const int EfConstruction = 200;

    /// <summary>The longest vector an index holds.</summary>
    public const int MaxDimension = 65_536;
}
