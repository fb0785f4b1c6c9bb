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
/// <param name="ItemsTotal">How many items the build will index, when the source knows it up front.</param>
/// <param name="ItemsIndexed">How many items the build has indexed (durably: they survive a restart).</param>
/// <param name="ItemsSkipped">How many items the build could not index; <see cref="Skips"/> says why.</param>
/// <param name="Count">How many items the searchable index holds.</param>
/// <param name="Dimension">The vector length of the searchable index (0 when there is none).</param>
/// <param name="SnapshotVersion">The build version the searchable index comes from (0: none).</param>
/// <param name="StartedAt">When the running or last build started.</param>
/// <param name="FinishedAt">When the last build finished.</param>
/// <param name="Error">Why the last build failed.</param>
/// <param name="ItemsRead">How many items the build has read from the source.</param>
/// <param name="ItemsEmbedded">How many items the build has embedded (or taken as given vectors).</param>
/// <param name="ItemsPerSecond">Items indexed per second since the build started or resumed.</param>
/// <param name="EtaSeconds">Seconds the running build still needs at that rate, when the total is known.</param>
/// <param name="Shards">How many shard grains hold the searchable index.</param>
/// <param name="Model">What produced the vectors: the CLIP model, or <c>precomputed</c>.</param>
/// <param name="Skips">The most recent skipped items and why (at most 20).</param>
/// <param name="MemoryBytes">The native memory the searchable index's shards hold (vectors, links, node metadata), summed over shards.</param>
/// <param name="SnapshotBytes">The size of the shards' last published snapshots in Redis, summed.</param>
/// <param name="Sync">What the running or last sync with the source changed; null when the last run was a build.</param>
/// <param name="ItemsCached">How many of <paramref name="ItemsEmbedded"/> came from the embedding cache instead of the model.</param>
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
    string? Error,
    long ItemsRead = 0,
    long ItemsEmbedded = 0,
    double ItemsPerSecond = 0,
    double? EtaSeconds = null,
    int Shards = 0,
    string? Model = null,
    SkippedItem[]? Skips = null,
    long MemoryBytes = 0,
    long SnapshotBytes = 0,
    long ItemsCached = 0,
    SyncCounts? Sync = null);

/// <summary>What a sync of a dataset with its source did, item by item.</summary>
/// <param name="Added">Items new in the source, embedded and indexed.</param>
/// <param name="Replaced">Items whose content or metadata changed, embedded again and replaced.</param>
/// <param name="Deleted">Items gone from the source, deleted from the index.</param>
/// <param name="Unchanged">Items the index already held as they are (and items written through the API, which the source does not override).</param>
[GenerateSerializer, Immutable, Alias("vs.SyncCounts")]
public sealed record SyncCounts(long Added = 0, long Replaced = 0, long Deleted = 0, long Unchanged = 0);

/// <summary>An item a build could not index.</summary>
/// <param name="Id">The item's id in the dataset.</param>
/// <param name="Reason">Why: undecodable, invalid vector, failed embedding.</param>
[GenerateSerializer, Immutable, Alias("vs.SkippedItem")]
public sealed record SkippedItem(string Id, string Reason);
