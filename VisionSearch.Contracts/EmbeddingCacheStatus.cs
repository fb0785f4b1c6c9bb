namespace VisionSearch.Contracts;

/// <summary>The embedding cache every silo shares: what it holds and how lookups went since it was created.</summary>
/// <param name="Entries">Vectors held.</param>
/// <param name="Bytes">Bytes held, counted against <paramref name="MaxBytes"/> (vectors plus a fixed overhead per entry).</param>
/// <param name="MaxBytes">The budget (<c>Embeddings:Cache:MaxBytes</c>); 0 when the cache is off.</param>
/// <param name="Hits">Texts and images whose vector was found instead of embedded.</param>
/// <param name="Misses">Texts and images embedded, then stored.</param>
[GenerateSerializer, Immutable, Alias("vs.EmbeddingCacheStatus")]
public sealed record EmbeddingCacheStatus(long Entries, long Bytes, long MaxBytes, long Hits, long Misses);
