using System.ComponentModel.DataAnnotations;

namespace VisionSearch.Silo.Persistence;

/// <summary>The embedding cache every silo shares in Redis. Section <c>Embeddings:Cache</c>.</summary>
public sealed class EmbeddingCacheOptions
{
    public const string SectionName = "Embeddings:Cache";

    /// <summary>
    /// The most the cache may hold, in bytes (vectors plus <see cref="RedisEmbeddingCache.EntryOverhead"/> per entry for
    /// its key and recency); the least recently used vectors go first. 0 turns the cache off. The default, 1 GiB, holds
    /// about 490,000 vectors of 512 dimensions.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxBytes { get; set; } = 1L << 30;
}
