namespace VisionSearch.Hnsw;

/// <summary>One search result: the label given at insert and its distance to the query.</summary>
/// <param name="Label">The caller's label for the vector.</param>
/// <param name="Distance">
/// hnswlib's convention, smaller is closer: <c>1 - dot</c> for <see cref="Metric.Cosine"/> and
/// <see cref="Metric.InnerProduct"/>, the squared distance for <see cref="Metric.L2"/>.
/// </param>
public readonly record struct Neighbor(int Label, float Distance);
