using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using VisionSearch.Contracts;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Caching;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// The embedding cache in Redis, shared by every silo and dataset: each vector a string (float32 bytes) under its
/// content key, a sorted set of keys by last use, and a hash of counters (bytes held, hits, misses). A lookup and
/// a store are each one Lua script, so a hit's recency, a store's bytes and the eviction of the least recently used
/// past <see cref="EmbeddingCacheOptions.MaxBytes"/> happen atomically, on Redis and on Garnet alike. Redis rather
/// than a disk beside each silo: the silos share it (a vector embedded on one is a hit on all) and it is already
/// persisted and backed up with the indexes. The cache is an optimisation: while Redis cannot answer, lookups miss
/// and stores are dropped, and the embedding goes on.
/// </summary>
public sealed partial class RedisEmbeddingCache(
    IConnectionMultiplexer redis, IOptions<EmbeddingCacheOptions> options, EmbeddingInstruments instruments, TimeProvider time,
    ILogger<RedisEmbeddingCache> logger) : IEmbeddingCache
{
    /// <summary>The bytes an entry costs beyond its vector, roughly what Redis spends on its key, its recency member and their bookkeeping.</summary>
    public const int EntryOverhead = 128;

    // KEYS: recency, counters, then one vector key per lookup. ARGV: now, then each lookup's content key.
    private const string Lookup =
        """
        local found = {}
        local hits = 0
        for i = 3, #KEYS do
          local vector = redis.call('GET', KEYS[i])
          if vector then
            hits = hits + 1
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i - 1])
            found[i - 2] = vector
          else
            found[i - 2] = false
          end
        end
        redis.call('HINCRBY', KEYS[2], 'hits', hits)
        redis.call('HINCRBY', KEYS[2], 'misses', #KEYS - 2 - hits)
        return found
        """;

    // KEYS: recency, counters, then one vector key per entry. ARGV: now, budget, overhead, vector key prefix, the entries'
    // content keys, then their vectors. Evicts one least recently used entry at a time until the budget holds, at most
    // 1,000 more than twice what it stored: a budget lowered by gigabytes is reached over several stores rather than in
    // one script that would hold Redis for seconds.
    private const string Store =
        """
        local n = #KEYS - 2
        local overhead = tonumber(ARGV[3])
        local added = 0
        for i = 1, n do
          local vector = ARGV[4 + n + i]
          if redis.call('SET', KEYS[2 + i], vector, 'NX') then
            added = added + #vector + overhead
          end
          redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4 + i])
        end
        local bytes = redis.call('HINCRBY', KEYS[2], 'bytes', added)
        local budget = tonumber(ARGV[2])
        local evictions = 1000 + 2 * n
        while bytes > budget and evictions > 0 do
          evictions = evictions - 1
          local oldest = redis.call('ZPOPMIN', KEYS[1])
          if #oldest == 0 then
            break
          end
          local key = ARGV[4] .. oldest[1]
          local length = redis.call('STRLEN', key)
          redis.call('DEL', key)
          bytes = redis.call('HINCRBY', KEYS[2], 'bytes', -(length + overhead))
        end
        return { bytes, redis.call('ZCARD', KEYS[1]) }
        """;

    public async Task<float[]?[]> GetAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var found = new float[]?[keys.Count];
        if (keys.Count == 0)
        {
            return found;
        }

        try
        {
            var result = await redis.GetDatabase().ScriptEvaluateAsync(
                Lookup,
                [RedisKeys.CacheRecency, RedisKeys.CacheCounters, .. keys.Select(RedisKeys.CachedVector)],
                [Now(), .. keys.Select(k => (RedisValue)k)]);
            var values = (RedisResult[])result!;
            for (var i = 0; i < keys.Count; i++)
            {
                if (!values[i].IsNull && (byte[]?)values[i] is { Length: > 0 } bytes && bytes.Length % sizeof(float) == 0)
                {
                    found[i] = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
                }
            }
        }
        catch (RedisException e)
        {
            LogUnavailable(logger, "lookup", e.Message);
        }

        return found;
    }

    public async Task SetAsync(IReadOnlyList<string> keys, IReadOnlyList<float[]> vectors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(vectors);
        if (keys.Count == 0)
        {
            return;
        }

        try
        {
            var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
                Store,
                [RedisKeys.CacheRecency, RedisKeys.CacheCounters, .. keys.Select(RedisKeys.CachedVector)],
                [
                    Now(), options.Value.MaxBytes, EntryOverhead, RedisKeys.CachedVectorPrefix,
                    .. keys.Select(k => (RedisValue)k),
                    .. vectors.Select(v => (RedisValue)MemoryMarshal.AsBytes(v.AsSpan()).ToArray()),
                ]))!;
            instruments.RecordCacheSize((long)result[0], (long)result[1]);
        }
        catch (RedisException e)
        {
            LogUnavailable(logger, "store", e.Message);
        }
    }

    /// <summary>What the cache holds and how lookups went.</summary>
    public async Task<EmbeddingCacheStatus> StatusAsync()
    {
        var database = redis.GetDatabase();
        var counters = database.HashGetAsync(RedisKeys.CacheCounters, ["bytes", "hits", "misses"]);
        var entries = database.SortedSetLengthAsync(RedisKeys.CacheRecency);
        var values = await counters;
        return new EmbeddingCacheStatus(await entries, Count(values[0]), options.Value.MaxBytes, Count(values[1]), Count(values[2]));

        static long Count(RedisValue value) => value.IsNull ? 0 : (long)value;
    }

    private RedisValue Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The embedding cache could not {Operation} ({Reason}); embedding without it.")]
    private static partial void LogUnavailable(ILogger logger, string operation, string reason);
}
