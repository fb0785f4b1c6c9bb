namespace VisionSearch.Embeddings.Caching;

/// <summary>
/// Vectors by <see cref="EmbeddingKeys">content key</see>, shared by every embedder that knows its model's
/// identity. A cache is an optimisation: one that cannot answer reports misses and drops stores rather than
/// failing the embedding.
/// </summary>
public interface IEmbeddingCache
{
    /// <summary>The vector stored under each key, or null, in order.</summary>
    Task<float[]?[]> GetAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="vectors"/> under <paramref name="keys"/> (pairwise), evicting the least recently used entries past the budget.</summary>
    Task SetAsync(IReadOnlyList<string> keys, IReadOnlyList<float[]> vectors, CancellationToken cancellationToken = default);
}
