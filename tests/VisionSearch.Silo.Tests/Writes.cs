using System.Text.Json;
using VisionSearch.Contracts;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// What the write tests check against: the items a dataset must hold after a sequence of writes and deletes, kept
/// beside the grain, and the grain's answers held to it (exact counts, records, and the exact top-k at an exhaustive ef).
/// </summary>
internal sealed class Writes(IGrainFactory grains, string dataset)
{
    public Dictionary<string, (float[] Vector, IReadOnlyDictionary<string, JsonElement>? Metadata)> Expected { get; } = new(StringComparer.Ordinal);

    private IDatasetIndexGrain Index => grains.GetGrain<IDatasetIndexGrain>(dataset);

    public static ItemWrite Item(string id, float[] vector, string? tag = null) =>
        new(id, Vector: vector, Metadata: tag is null ? null : new Dictionary<string, JsonElement> { ["tag"] = JsonSerializer.SerializeToElement(tag) });

    public async Task CreateAsync(int dimension, int shards = 1)
    {
        var result = await Index.CreateAsync(new BuildSpec(SourceKinds.Api, "", null, IndexDefaults.Metric, Shards: shards), dimension);
        Assert.True(result.Outcome == BuildOutcome.Started, $"{result.Outcome}: {result.Field} {result.Message}");
    }

    /// <summary>Writes items and expects each to be indexed (new) or replaced (known), then records them as expected.</summary>
    public async Task WriteAsync(IReadOnlyList<ItemWrite> items, bool searchable = true)
    {
        var result = await Index.WriteItemsAsync([.. items], searchable);
        Assert.Equal(WriteOutcome.Ok, result.Outcome);
        for (var i = 0; i < items.Count; i++)
        {
            var expected = Expected.ContainsKey(items[i].Id) ? ItemOutcome.Replaced : ItemOutcome.Indexed;
            Assert.Equal(new ItemResult(items[i].Id, expected), result.Items[i]);
            Expected[items[i].Id] = (items[i].Vector!, items[i].Metadata);
        }
    }

    /// <summary>Deletes ids and expects each known one deleted and the others not found.</summary>
    public async Task DeleteAsync(IReadOnlyList<string> ids, bool searchable = true)
    {
        var result = await Index.DeleteItemsAsync([.. ids], searchable);
        Assert.Equal(WriteOutcome.Ok, result.Outcome);
        for (var i = 0; i < ids.Count; i++)
        {
            Assert.Equal(new ItemResult(ids[i], Expected.Remove(ids[i]) ? ItemOutcome.Deleted : ItemOutcome.NotFound), result.Items[i]);
        }
    }

    /// <summary>The count, a sample of records, and for every query the exact top-10 of the expected items.</summary>
    public async Task AssertHoldsAsync(IEnumerable<float[]> queries)
    {
        var status = await Index.GetStatusAsync();
        Assert.Equal(Expected.Count, status.Count);
        foreach (var (id, (_, metadata)) in Expected.Take(50))
        {
            var record = await Index.GetItemAsync(id);
            Assert.NotNull(record);
            Assert.Equal(metadata?.Select(m => (m.Key, m.Value.GetRawText())), record.Metadata?.Select(m => (m.Key, m.Value.GetRawText())));
        }

        foreach (var query in queries)
        {
            var exact = Expected.OrderByDescending(e => TestVectors.Cosine(e.Value.Vector, query)).ThenBy(e => e.Key, StringComparer.Ordinal).Take(10).Select(e => e.Key);
            Assert.Equal(exact, await Builds.SearchIdsAsync(grains, dataset, query, 10, Math.Max(Expected.Count, 10)));
        }
    }
}
