using System.Text.Json;
using StackExchange.Redis;
using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Persistence;

/// <summary>A dataset's build and serving records in Redis, each one JSON string, every call retried through an outage.</summary>
public sealed class BuildRecordStore(IConnectionMultiplexer redis, RedisOutageRetry retry)
{
    internal Task<BuildRecord?> GetBuildAsync(string dataset) => GetAsync<BuildRecord>(RedisKeys.Build(dataset));

    internal Task<ServingRecord?> GetServingAsync(string dataset) => GetAsync<ServingRecord>(RedisKeys.Serving(dataset));

    /// <summary>Saves the checkpoint, and keeps the dataset in the set every silo resumes from while it runs.</summary>
    internal Task SaveBuildAsync(string dataset, BuildRecord record) => RunAsync("build checkpoint", db =>
    {
        var transaction = db.CreateTransaction();
        _ = transaction.StringSetAsync(RedisKeys.Build(dataset), JsonSerializer.Serialize(record, RedisJson.Options));
        _ = record.IsRunning
            ? transaction.SetAddAsync(RedisKeys.Building, dataset)
            : transaction.SetRemoveAsync(RedisKeys.Building, dataset);
        return transaction.ExecuteAsync();
    });

    internal Task SaveServingAsync(string dataset, ServingRecord record) =>
        RunAsync("serving record", db => db.StringSetAsync(RedisKeys.Serving(dataset), JsonSerializer.Serialize(record, RedisJson.Options)));

    /// <summary>Deletes the build and serving records (a deleted dataset); the version counter stays, so a new build never reuses an old build's keys.</summary>
    internal Task DeleteAsync(string dataset) => RunAsync("records drop", db =>
    {
        var transaction = db.CreateTransaction();
        _ = transaction.KeyDeleteAsync([RedisKeys.Build(dataset), RedisKeys.Serving(dataset)]);
        _ = transaction.SetRemoveAsync(RedisKeys.Building, dataset);
        return transaction.ExecuteAsync();
    });

    public Task<long> NextVersionAsync(string dataset) =>
        RunAsync("build version", db => db.StringIncrementAsync(RedisKeys.BuildCounter(dataset)));

    /// <summary>The datasets whose builds are running (or were, on a silo that died).</summary>
    public async Task<string[]> BuildingAsync()
    {
        var members = await redis.GetDatabase().SetMembersAsync(RedisKeys.Building);
        return [.. members.Select(m => m.ToString())];
    }

    private async Task<T?> GetAsync<T>(RedisKey key) where T : class
    {
        var value = await RunAsync("record read", db => db.StringGetAsync(key));
        return value.IsNull ? null : JsonSerializer.Deserialize<T>((string)value!, RedisJson.Options);
    }

    private Task<T> RunAsync<T>(string what, Func<IDatabase, Task<T>> operation) =>
        retry.RunAsync(() => operation(redis.GetDatabase()), what);
}
