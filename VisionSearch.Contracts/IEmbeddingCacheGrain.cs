namespace VisionSearch.Contracts;

/// <summary>The embedding cache the silos share, as the API reports it. Any key: a stateless worker on the silo that answers.</summary>
[Alias("vs.IEmbeddingCacheGrain")]
public interface IEmbeddingCacheGrain : IGrainWithIntegerKey
{
    /// <summary>Entries, bytes against the budget, hits and misses.</summary>
    [Alias("status")]
    Task<EmbeddingCacheStatus> StatusAsync();
}
