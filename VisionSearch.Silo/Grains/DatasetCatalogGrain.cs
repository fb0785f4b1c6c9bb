using StackExchange.Redis;
using VisionSearch.Contracts;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Grains;

/// <summary>Keeps the set of dataset names in Redis, so the list survives every silo.</summary>
public sealed class DatasetCatalogGrain(IConnectionMultiplexer redis) : Grain, IDatasetCatalogGrain
{
    public Task AddAsync(string dataset) => redis.GetDatabase().SetAddAsync(RedisKeys.Datasets, dataset);

    public Task RemoveAsync(string dataset) => redis.GetDatabase().SetRemoveAsync(RedisKeys.Datasets, dataset);

    public async Task<string[]> ListAsync()
    {
        var members = await redis.GetDatabase().SetMembersAsync(RedisKeys.Datasets);
        return [.. members.Select(m => m.ToString()).Order(StringComparer.Ordinal)];
    }
}
