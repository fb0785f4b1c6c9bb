using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using VisionSearch.Contracts;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// What a build keeps about each indexed item beside its vector, in one Redis hash per build (field: the
/// item id). Search results read their hits' records in one HMGET; "more like this" and the item endpoints
/// read one. Writes are idempotent (a resumed build writes the same fields again) and wait out an outage.
/// </summary>
public sealed class ItemStore(IConnectionMultiplexer redis, IOptions<SnapshotOptions> options, ILogger<ItemStore> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    internal Task WriteAsync(string dataset, long version, IReadOnlyList<StoredItem> items)
    {
        if (items.Count == 0)
        {
            return Task.CompletedTask;
        }

        var fields = items.Select(i => new HashEntry(i.Id, JsonSerializer.SerializeToUtf8Bytes(i, Json))).ToArray();
        return RedisRetry.RunAsync(
            async () =>
            {
                await redis.GetDatabase().HashSetAsync(RedisKeys.Items(dataset, version), fields);
                return true;
            },
            options.Value.RedisOutage,
            logger,
            "item records");
    }

    internal async Task<StoredItem?[]> GetAsync(string dataset, long version, IReadOnlyList<string> ids)
    {
        var values = await redis.GetDatabase().HashGetAsync(RedisKeys.Items(dataset, version), [.. ids.Select(id => (RedisValue)id)]);
        return [.. values.Select(v => v.IsNull ? null : JsonSerializer.Deserialize<StoredItem>((byte[])v!, Json))];
    }

    internal Task DeleteAsync(string dataset, long version) => RedisRetry.RunAsync(
        () => redis.GetDatabase().KeyDeleteAsync(RedisKeys.Items(dataset, version)), options.Value.RedisOutage, logger, "item records drop");
}

/// <summary>One item's record: its label in the build (which shard holds it, and where), what it is, and where its source has it.</summary>
/// <param name="Id">The item id (the hash field; also kept in the value so a record stands alone).</param>
/// <param name="Label">The build-wide label; <see cref="Grains.ShardKeys.Locate"/> says which shard holds it, under which local label.</param>
/// <param name="Kind">image, text or vector.</param>
/// <param name="Text">The text or caption.</param>
/// <param name="Path">A folder image's relative path.</param>
/// <param name="From">The source cursor just before the item: reading after it gives the item again (its image bytes).</param>
/// <param name="Metadata">The source's other fields.</param>
internal sealed record StoredItem(
    string Id, long Label, string Kind, string? Text = null, string? Path = null, string? From = null, Dictionary<string, string>? Metadata = null)
{
    public ItemRecord ToRecord() => new(Id, Kind, Text, Path, Metadata);
}
