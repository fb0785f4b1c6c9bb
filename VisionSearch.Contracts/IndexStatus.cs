namespace VisionSearch.Contracts;

/// <summary>Where a dataset's index is in its life.</summary>
[GenerateSerializer, Alias("vs.IndexPhase")]
public enum IndexPhase
{
    /// <summary>Never built.</summary>
    Empty,

    /// <summary>A build is running.</summary>
    Building,

    /// <summary>Built and searchable.</summary>
    Ready,

    /// <summary>The last build failed; <see cref="IndexStatus.Error"/> says why.</summary>
    Failed,
}

/// <summary>A dataset's index: phase, build counters and size.</summary>
/// <param name="Dataset">The dataset name (the grain key).</param>
/// <param name="Status">Where the index is in its life (the Python original's <c>status</c>: ready only once searchable).</param>
/// <param name="Spec">The spec of the running or last build.</param>
/// <param name="ItemsTotal">How many items the build will index, when known.</param>
/// <param name="ItemsIndexed">How many items the running build has indexed so far.</param>
/// <param name="ItemsSkipped">How many items the running build could not index (an invalid vector, say).</param>
/// <param name="Count">How many items the searchable index holds.</param>
/// <param name="Dimension">The vector length of the searchable index (0 when there is none).</param>
/// <param name="SnapshotVersion">The version of the last snapshot written to Redis (0: none).</param>
/// <param name="StartedAt">When the running or last build started.</param>
/// <param name="FinishedAt">When the last build finished.</param>
/// <param name="Error">Why the last build failed.</param>
[GenerateSerializer, Immutable, Alias("vs.IndexStatus")]
public sealed record IndexStatus(
    string Dataset,
    IndexPhase Status,
    BuildSpec? Spec,
    long? ItemsTotal,
    long ItemsIndexed,
    long ItemsSkipped,
    long Count,
    int Dimension,
    long SnapshotVersion,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error);
