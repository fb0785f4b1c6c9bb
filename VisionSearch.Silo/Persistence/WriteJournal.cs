using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using StackExchange.Redis;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// What the API wrote to a dataset, whatever build serves it: one hash field per item id holding its latest write
/// (an item, or a delete), and the images of image items in a second hash. Builds replay it after their source, so
/// API-written items are part of the dataset and a rebuild neither loses them nor brings deleted items back.
/// Both hashes are plain HSET/HSCAN, which Redis and Garnet serve alike.
/// </summary>
public sealed class WriteJournal(IConnectionMultiplexer redis, RedisOutageRetry retry)
{
    /// <summary>Records writes (with the images of image items) in one transaction: all of them or none.</summary>
    internal Task RecordAsync(string dataset, IReadOnlyList<JournalEntry> entries, IReadOnlyDictionary<string, byte[]> images) => retry.RunAsync(
        () =>
        {
            var transaction = redis.GetDatabase().CreateTransaction();
            _ = transaction.HashSetAsync(RedisKeys.Writes(dataset), [.. entries.Select(e => new HashEntry(e.Id, JsonSerializer.SerializeToUtf8Bytes(e, RedisJson.Options)))]);
            if (images.Count > 0)
            {
                _ = transaction.HashSetAsync(RedisKeys.WrittenImages(dataset), [.. images.Select(i => new HashEntry(i.Key, i.Value))]);
            }

            var withoutImage = entries.Where(e => !images.ContainsKey(e.Id)).Select(e => (RedisValue)e.Id).ToArray();
            if (withoutImage.Length > 0)
            {
                _ = transaction.HashDeleteAsync(RedisKeys.WrittenImages(dataset), withoutImage);
            }

            return transaction.ExecuteAsync();
        }, "write journal");

    /// <summary>Every item's latest write, in no particular order (each id once).</summary>
    internal async IAsyncEnumerable<JournalEntry> ReadAsync(string dataset, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var field in redis.GetDatabase().HashScanAsync(RedisKeys.Writes(dataset), pageSize: 256).WithCancellation(cancellationToken))
        {
            yield return JsonSerializer.Deserialize<JournalEntry>((byte[])field.Value!, RedisJson.Options)!;
        }
    }

    /// <summary>The latest write of each of <paramref name="ids"/> (an item or a delete), or null where the API wrote none.</summary>
    internal async Task<JournalEntry?[]> GetAsync(string dataset, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var values = await redis.GetDatabase().HashGetAsync(RedisKeys.Writes(dataset), [.. ids.Select(id => (RedisValue)id)]);
        return [.. values.Select(v => v.IsNull ? null : JsonSerializer.Deserialize<JournalEntry>((byte[])v!, RedisJson.Options))];
    }

    /// <summary>As <see cref="GetAsync"/>, waiting out an outage as writes do: a sync's read, which nobody waits on.</summary>
    internal Task<JournalEntry?[]> GetWaitingAsync(string dataset, IReadOnlyList<string> ids, CancellationToken cancellationToken = default) =>
        retry.RunAsync(() => GetAsync(dataset, ids), "write journal read", cancellationToken);

    /// <summary>The image written for item <paramref name="id"/>, or null.</summary>
    internal async Task<byte[]?> GetImageAsync(string dataset, string id) => await redis.GetDatabase().HashGetAsync(RedisKeys.WrittenImages(dataset), id);

    /// <summary>Deletes the journal (the dataset is deleted).</summary>
    internal Task DeleteAsync(string dataset) => retry.RunAsync(
        () => redis.GetDatabase().KeyDeleteAsync([RedisKeys.Writes(dataset), RedisKeys.WrittenImages(dataset)]), "write journal drop");
}

/// <summary>An item's latest write through the API: a delete, or the item with the vector it was indexed with.</summary>
/// <param name="Id">The item id.</param>
/// <param name="Deleted">Whether the write deleted the item.</param>
/// <param name="Kind">image, text or vector.</param>
/// <param name="Text">The text or caption.</param>
/// <param name="Metadata">The item's fields.</param>
/// <param name="Vector">The vector as float32 bytes (base64 in the JSON).</param>
/// <param name="Model">What made the vector: the dataset's model, or precomputed; a build with another model embeds the item again.</param>
internal sealed record JournalEntry(
    string Id, bool Deleted, string? Kind = null, string? Text = null, Dictionary<string, JsonElement>? Metadata = null, byte[]? Vector = null, string? Model = null)
{
    /// <summary>The vector as floats. A method, not a property: the serializer would store a property beside <see cref="Vector"/>.</summary>
    public float[]? Floats() => Vector is null ? null : MemoryMarshal.Cast<byte, float>(Vector).ToArray();

    public static byte[] Bytes(float[] vector) => MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
}
