using System.Text.Json;
using StackExchange.Redis;
using VisionSearch.Contracts;
using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// What a build keeps about each indexed item beside its vector, in one Redis hash per build (field: the
/// item id). Search results read their hits' records in one HMGET; "more like this" and the item endpoints
/// read one. Writes are idempotent (a resumed build writes the same fields again) and wait out an outage.
/// </summary>
public sealed class ItemStore(IConnectionMultiplexer redis, RedisOutageRetry retry)
{
    internal Task WriteAsync(string dataset, long version, IReadOnlyList<StoredItem> items)
    {
        if (items.Count == 0)
        {
            return Task.CompletedTask;
        }

        var fields = items.Select(i => new HashEntry(i.Id, JsonSerializer.SerializeToUtf8Bytes(i, RedisJson.Options))).ToArray();
        return retry.RunAsync(
            async () =>
            {
                await redis.GetDatabase().HashSetAsync(RedisKeys.Items(dataset, version), fields);
                return true;
            },
            "item records");
    }

    /// <summary>The records of <paramref name="ids"/> (null where there is none), failing at once when Redis is away: a search or a write answers now.</summary>
    internal async Task<StoredItem?[]> GetAsync(string dataset, long version, IReadOnlyList<string> ids)
    {
        var values = await redis.GetDatabase().HashGetAsync(RedisKeys.Items(dataset, version), [.. ids.Select(id => (RedisValue)id)]);
        return [.. values.Select(v => v.IsNull ? null : JsonSerializer.Deserialize<StoredItem>((byte[])v!, RedisJson.Options))];
    }

    /// <summary>As <see cref="GetAsync"/>, waiting out an outage as writes do: a sync's read, which nobody waits on.</summary>
    internal Task<StoredItem?[]> GetWaitingAsync(string dataset, long version, IReadOnlyList<string> ids, CancellationToken cancellationToken = default) =>
        retry.RunAsync(() => GetAsync(dataset, version, ids), "item records read", cancellationToken);

    /// <summary>Deletes the records of items deleted through the API.</summary>
    internal Task RemoveAsync(string dataset, long version, IReadOnlyList<string> ids) => ids.Count == 0 ? Task.CompletedTask : retry.RunAsync(
        () => redis.GetDatabase().HashDeleteAsync(RedisKeys.Items(dataset, version), [.. ids.Select(id => (RedisValue)id)]), "item records delete");

    /// <summary>
    /// Sets where build <paramref name="version"/>'s labels for API-written items start: after its source's last label. Only the
    /// build itself calls it, once, before it takes writes.
    /// </summary>
    internal Task StartLabelsAsync(string dataset, long version, long next) => retry.RunAsync(
        () => redis.GetDatabase().StringSetAsync(RedisKeys.Labels(dataset, version), next), "label counter");

    /// <summary>
    /// Hands out <paramref name="count"/> fresh labels of build <paramref name="version"/> and returns the first. A retry after a
    /// lost reply skips some labels, which is harmless: labels only need to be unique.
    /// </summary>
    internal async Task<long> AllocateLabelsAsync(string dataset, long version, int count) => await retry.RunAsync(
        () => redis.GetDatabase().StringIncrementAsync(RedisKeys.Labels(dataset, version), count), "label counter") - count;

    /// <summary>
    /// The ids of build <paramref name="version"/>'s records that came from its source (not written through the API) but
    /// those in <paramref name="except"/>. The ids are the hash's fields, so a record left out is never parsed: a sync's
    /// delete phase skips almost all. A scan cut by an outage starts again once Redis is back.
    /// </summary>
    internal Task<List<string>> SourceIdsExceptAsync(string dataset, long version, IReadOnlySet<string> except) => retry.RunAsync(
        async () =>
        {
            var ids = new List<string>();
            await foreach (var field in redis.GetDatabase().HashScanAsync(RedisKeys.Items(dataset, version), pageSize: 1024))
            {
                if (!except.Contains((string)field.Name!) && !JsonSerializer.Deserialize<StoredItem>((byte[])field.Value!, RedisJson.Options)!.Written)
                {
                    ids.Add((string)field.Name!);
                }
            }

            return ids;
        },
        "item records scan");

    /// <summary>Records that a sync of build <paramref name="version"/> found <paramref name="ids"/> in the source.</summary>
    internal Task AddSeenAsync(string dataset, long version, IReadOnlyList<string> ids) => ids.Count == 0 ? Task.CompletedTask : retry.RunAsync(
        () => redis.GetDatabase().SetAddAsync(RedisKeys.SyncSeen(dataset, version), [.. ids.Select(id => (RedisValue)id)]), "sync seen ids");

    /// <summary>Every id the running sync of build <paramref name="version"/> has found in the source (waiting out an outage).</summary>
    internal Task<HashSet<string>> SeenAsync(string dataset, long version) => retry.RunAsync(
        async () =>
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var id in redis.GetDatabase().SetScanAsync(RedisKeys.SyncSeen(dataset, version), pageSize: 1024))
            {
                seen.Add((string)id!);
            }

            return seen;
        },
        "sync seen ids read");

    /// <summary>Forgets what a sync of build <paramref name="version"/> found (it is over, or a new one starts).</summary>
    internal Task ForgetSeenAsync(string dataset, long version) => retry.RunAsync(
        () => redis.GetDatabase().KeyDeleteAsync(RedisKeys.SyncSeen(dataset, version)), "sync seen ids drop");

    internal Task DeleteAsync(string dataset, long version) => retry.RunAsync(
        () => redis.GetDatabase().KeyDeleteAsync([RedisKeys.Items(dataset, version), RedisKeys.Labels(dataset, version), RedisKeys.SyncSeen(dataset, version)]), "item records drop");
}

/// <summary>One item's record: its label in the build (which shard holds it, and where), what it is, and where its source has it.</summary>
/// <param name="Id">The item id (the hash field; also kept in the value so a record stands alone).</param>
/// <param name="Label">The build-wide label; <see cref="Grains.ShardKeys.Locate"/> says which shard holds it, under which local label.</param>
/// <param name="Kind">image, text or vector.</param>
/// <param name="Text">The text or caption.</param>
/// <param name="Path">A folder image's relative path.</param>
/// <param name="From">The source cursor just before the item: reading after it gives the item again (its image bytes).</param>
/// <param name="Metadata">The source's other fields.</param>
/// <param name="Written">Written through the API: an image item's image is in the write journal, not in the source.</param>
/// <param name="Hash">What the source gave for the item (see ContentHash): a sync replaces only items whose hash changed. Null for items written through the API and for builds made before hashes were kept.</param>
/// <param name="Stamp">The source's stamp of the item when it was read (a folder image's size and time): a sync does not read an item whose stamp is the same. Null where the source has none.</param>
internal sealed record StoredItem(
    string Id, long Label, string Kind, string? Text = null, string? Path = null, string? From = null, Dictionary<string, JsonElement>? Metadata = null, bool Written = false,
    string? Hash = null, string? Stamp = null)
{
    public ItemRecord ToRecord() => new(Id, Kind, Text, Path, Metadata);

    /// <summary>What the item's shard indexes for filters: its kind and metadata.</summary>
    public ItemPayload Payload() => new(Kind, Metadata is { Count: > 0 } ? JsonSerializer.Serialize(Metadata) : null);
}
