using StackExchange.Redis;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// Every Redis key VisionSearch writes, in one place. Plain strings and sets only, so the same layout works
/// on Redis and on Garnet (which has no streams). A dataset's keys share the hash tag <c>{name}</c> so
/// they land on one Redis Cluster slot.
/// </summary>
internal static class RedisKeys
{
    /// <summary>The set of every dataset name that has been built.</summary>
    public static readonly RedisKey Datasets = "vs:datasets";

    /// <summary>The JSON manifest naming a dataset's current snapshot.</summary>
    public static RedisKey Manifest(string dataset) => $"vs:{{{dataset}}}:manifest";

    /// <summary>
    /// A counter that hands out snapshot versions. Every write attempt gets a fresh one, so the chunks of a
    /// torn attempt never mix with those of a later, published snapshot.
    /// </summary>
    public static RedisKey VersionCounter(string dataset) => $"vs:{{{dataset}}}:version";

    /// <summary>Chunk <paramref name="index"/> of snapshot <paramref name="version"/>.</summary>
    public static RedisKey Chunk(string dataset, long version, int index) => $"{ChunkPrefix(dataset)}{version}:{index:D6}";

    /// <summary>The prefix shared by all snapshot chunks of a dataset, for sweeping stale versions.</summary>
    public static string ChunkPrefix(string dataset) => $"vs:{{{dataset}}}:snap:";
}
