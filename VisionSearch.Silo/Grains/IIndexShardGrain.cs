using Orleans.Concurrency;
using VisionSearch.Contracts;
using VisionSearch.Hnsw;
using VisionSearch.Hnsw.Payloads;

namespace VisionSearch.Silo.Grains;

/// <summary>How a shard's HNSW index is made; the same for every shard of one build.</summary>
[GenerateSerializer, Immutable, Alias("vs.ShardSpec")]
public sealed record ShardSpec(Metric Metric, int Dimension, int M, int EfConstruction, Quantization Quantization = Quantization.None);

/// <summary>
/// Changes to one shard: items to add or replace (shard-local labels, the dataset's ids, the vectors end to end, and
/// what filters read: each item's kind and metadata), then labels to delete (items deleted through the API).
/// </summary>
[GenerateSerializer, Immutable, Alias("vs.ShardBatch")]
public sealed record ShardBatch(int[] Labels, string[] Ids, float[] Vectors, int[]? Deleted = null, ItemPayload[]? Payloads = null)
{
    /// <summary>How many items the batch adds, replaces or deletes.</summary>
    public int Changes => Labels.Length + (Deleted?.Length ?? 0);
}

/// <summary>What a shard's filters read of an item: its kind (<see cref="ItemKinds"/>) and its metadata as a JSON object.</summary>
[GenerateSerializer, Immutable, Alias("vs.ItemPayload")]
public sealed record ItemPayload(string Kind, string? Metadata);

/// <summary>
/// A shard's nearest-neighbour query: the vector, checked and embedded already, k and ef (0: the index default), and
/// a filter the dataset's grain has checked against the shards' keys.
/// </summary>
[GenerateSerializer, Immutable, Alias("vs.VectorQuery")]
public sealed record VectorQuery(float[] Vector, int K, int Ef = 0, SearchFilter? Filter = null);

/// <summary>What a shard holds: items, the native memory of its index, and the size of its last published snapshot.</summary>
[GenerateSerializer, Immutable, Alias("vs.ShardStats")]
public sealed record ShardStats(int Count, long MemoryBytes, long SnapshotBytes);

/// <summary>
/// One shard of one build of a dataset's index, keyed <c>{dataset}/{build}/{shard}</c>. It owns an HNSW
/// graph, logs every appended batch to Redis as it indexes it, and snapshots by item count and time;
/// on activation it loads its snapshot and replays the log behind it. Orleans places shards on any silo.
/// </summary>
[Alias("vs.IIndexShardGrain")]
public interface IIndexShardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Logs a batch, then indexes it: a label indexed before is replaced (a resumed build re-sends some), deleted labels
    /// leave the index. The call returns once the batch is searchable, or with <paramref name="searchable"/> false once
    /// it is in the log (durable): indexing then goes on in the background, and the shard's next call waits for it.
    /// Returns the batch's sequence in the log.
    /// </summary>
    [Alias("append")]
    Task<long> AppendAsync(ShardSpec spec, ShardBatch batch, bool searchable = true);

    /// <summary>
    /// Returns once the batch that <see cref="AppendAsync"/> logged as <paramref name="sequence"/> is searchable, or
    /// fails as its indexing did. Interleaves with appends, so a writer that logged without waiting can wait here while
    /// the next writer appends.
    /// </summary>
    [Alias("wait-indexed")]
    [AlwaysInterleave]
    Task WaitIndexedAsync(long sequence);

    /// <summary>Writes the final snapshot and empties the log; returns how many items the shard holds.</summary>
    [Alias("complete")]
    Task<int> CompleteAsync(ShardSpec spec);

    /// <summary>The shard's top-k, best first; runs on pool threads beside appends and other searches.</summary>
    [Alias("search")]
    [AlwaysInterleave]
    Task<SearchHit[]> SearchAsync(VectorQuery query);

    /// <summary>The stored vector of shard-local <paramref name="label"/>, or null when the shard does not hold it.</summary>
    [Alias("vector")]
    [AlwaysInterleave]
    Task<float[]?> GetVectorAsync(int label);

    /// <summary>The metadata keys the shard's items hold, with the types of their values, to check filters against.</summary>
    [Alias("schema")]
    [AlwaysInterleave]
    Task<Dictionary<string, PayloadTypes>> GetSchemaAsync();

    /// <summary>The ids of the items <paramref name="filter"/> accepts.</summary>
    [Alias("match")]
    [AlwaysInterleave]
    Task<string[]> MatchAsync(SearchFilter filter);

    /// <summary>Items, memory and snapshot size, for the dataset's status.</summary>
    [Alias("stats")]
    [AlwaysInterleave]
    Task<ShardStats> GetStatsAsync();

    /// <summary>Deletes the shard's snapshot and log from Redis and deactivates it (its build was replaced).</summary>
    [Alias("drop")]
    Task DropAsync();
}
