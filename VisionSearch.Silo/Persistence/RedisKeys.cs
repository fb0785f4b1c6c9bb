using System.Globalization;
using StackExchange.Redis;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// Every Redis key VisionSearch writes, in one place. Plain strings and sets only, so the same layout works
/// on Redis and on Garnet (which has no streams: the shard log is one string key per record). Keys of one
/// owner (a dataset, or one shard of one build of it) share the hash tag <c>{owner}</c>, so each lands on
/// one Redis Cluster slot while the shards of a large dataset spread over the cluster.
/// </summary>
internal static class RedisKeys
{
    /// <summary>The set of every dataset name that has been built.</summary>
    public static readonly RedisKey Datasets = "vs:datasets";

    /// <summary>The set of datasets with a build in progress: every silo resumes these (see BuildResumer).</summary>
    public static readonly RedisKey Building = "vs:building";

    /// <summary>The JSON record of a dataset's running or last build, with its checkpoint (cursor and counters).</summary>
    public static RedisKey Build(string dataset) => $"vs:{{{dataset}}}:build";

    /// <summary>The JSON record of the build a dataset's searches are served from.</summary>
    public static RedisKey Serving(string dataset) => $"vs:{{{dataset}}}:serving";

    /// <summary>A counter that hands out build versions of a dataset.</summary>
    public static RedisKey BuildCounter(string dataset) => $"vs:{{{dataset}}}:builds";

    /// <summary>The hash of build <paramref name="version"/>'s item records (field: item id; see ItemStore).</summary>
    public static RedisKey Items(string dataset, long version) => $"vs:{{{dataset}}}:items:{version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The counter that hands out labels to items written through the API into build <paramref name="version"/>.</summary>
    public static RedisKey Labels(string dataset, long version) => $"vs:{{{dataset}}}:labels:{version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The set of item ids a running sync of build <paramref name="version"/> has read from the source: what it leaves is deleted at its end.</summary>
    public static RedisKey SyncSeen(string dataset, long version) => $"vs:{{{dataset}}}:seen:{version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The hash of what the API wrote to a dataset (field: item id; see WriteJournal).</summary>
    public static RedisKey Writes(string dataset) => $"vs:{{{dataset}}}:writes";

    /// <summary>The hash of the images written through the API (field: item id).</summary>
    public static RedisKey WrittenImages(string dataset) => $"vs:{{{dataset}}}:images";

    /// <summary>The JSON manifest naming an owner's current snapshot.</summary>
    public static RedisKey Manifest(string owner) => $"vs:{{{owner}}}:manifest";

    /// <summary>
    /// A counter that hands out snapshot versions. Every write attempt gets a fresh one, so the chunks of a
    /// torn attempt never mix with those of a later, published snapshot.
    /// </summary>
    public static RedisKey VersionCounter(string owner) => $"vs:{{{owner}}}:version";

    /// <summary>Chunk <paramref name="index"/> of snapshot <paramref name="version"/>.</summary>
    public static RedisKey Chunk(string owner, long version, int index) => $"{ChunkPrefix(owner)}{version}:{index:D6}";

    /// <summary>The prefix shared by all snapshot chunks of an owner.</summary>
    public static string ChunkPrefix(string owner) => $"vs:{{{owner}}}:snap:";

    /// <summary>Record <paramref name="sequence"/> of an owner's log (what was appended since its snapshot).</summary>
    public static RedisKey Log(string owner, long sequence) => $"vs:{{{owner}}}:log:{sequence.ToString("D12", CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The prefix of the embedding cache's vectors (one string per content key, see EmbeddingKeys). The cache is one
    /// owner, <c>{emb}</c>, shared by every dataset and silo, so its scripts touch a single Cluster slot.
    /// </summary>
    public const string CachedVectorPrefix = "vs:{emb}:v:";

    /// <summary>The embedding cache's vector under content key <paramref name="key"/>.</summary>
    public static RedisKey CachedVector(string key) => CachedVectorPrefix + key;

    /// <summary>The embedding cache's sorted set of content keys by last use (milliseconds since the epoch): eviction takes the lowest.</summary>
    public static readonly RedisKey CacheRecency = "vs:{emb}:recency";

    /// <summary>The embedding cache's hash of counters: <c>bytes</c> held, lookups that were <c>hits</c> and <c>misses</c>.</summary>
    public static readonly RedisKey CacheCounters = "vs:{emb}:counters";

    /// <summary>The pattern matching every key of an owner, for dropping it (a dataset's own keys do not match its shards').</summary>
    public static string AllOf(string owner) => $"vs:{{{owner}}}:*";
}
