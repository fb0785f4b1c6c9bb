using VisionSearch.Contracts;

namespace VisionSearch.Api.Models;

/// <summary>A dataset's index: phase, progress and size.</summary>
/// <param name="Dataset">The dataset name.</param>
/// <param name="Status"><c>empty</c>, <c>building</c>, <c>ready</c> or <c>failed</c> (the Python original's field: ready only once searchable).</param>
/// <param name="Source">The source kind of the running or last build.</param>
/// <param name="Location">The source location of the running or last build.</param>
/// <param name="Metric">How vectors are compared.</param>
/// <param name="ItemsTotal">Items the build will index, when known.</param>
/// <param name="ItemsIndexed">Items indexed so far.</param>
/// <param name="ItemsSkipped">Items the build could not index.</param>
/// <param name="Count">Items in the searchable index.</param>
/// <param name="Dimension">The vector length.</param>
/// <param name="SnapshotVersion">The Redis snapshot the searchable index was saved as.</param>
/// <param name="StartedAt">When the running or last build started.</param>
/// <param name="FinishedAt">When the last build finished.</param>
/// <param name="Error">Why the last build failed.</param>
public sealed record IndexStatusResponse(
    string Dataset,
    IndexPhase Status,
    string? Source,
    string? Location,
    string? Metric,
    long? ItemsTotal,
    long ItemsIndexed,
    long ItemsSkipped,
    long Count,
    int Dimension,
    long SnapshotVersion,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error)
{
    public static IndexStatusResponse From(IndexStatus s) => new(
        s.Dataset, s.Phase, s.Spec?.Source, s.Spec?.Location, s.Spec?.Metric, s.ItemsTotal, s.ItemsIndexed, s.ItemsSkipped,
        s.Count, s.Dimension, s.SnapshotVersion, s.StartedAt, s.FinishedAt, s.Error);
}
