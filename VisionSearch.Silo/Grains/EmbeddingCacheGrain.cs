using Orleans.Concurrency;
using VisionSearch.Contracts;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Grains;

/// <summary>Reads the shared embedding cache's counters for the API.</summary>
[StatelessWorker]
public sealed class EmbeddingCacheGrain(RedisEmbeddingCache cache) : Grain, IEmbeddingCacheGrain
{
    public Task<EmbeddingCacheStatus> StatusAsync() => cache.StatusAsync();
}
