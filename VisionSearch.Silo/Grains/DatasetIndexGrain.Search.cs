using VisionSearch.Contracts;
using VisionSearch.Embeddings;
using VisionSearch.Hnsw;
using VisionSearch.Hnsw.Payloads;
using VisionSearch.ServiceDefaults;
using VisionSearch.Silo.Filtering;
using VisionSearch.Silo.Ingestion;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// Searches: the query becomes a vector here (checked, embedded by a local ingestion worker with the model that
/// built the index, or read from the shard that holds the item), goes to every shard of the served build at
/// once, and the merged hits get their item records in one Redis read.
/// </summary>
public sealed partial class DatasetIndexGrain
{
    /// <summary>The served build's metadata keys as <see cref="SchemaAsync"/> last read them, and the writes applied before that read began.</summary>
    private (long Version, long Writes, Dictionary<string, PayloadTypes> Keys)? _schema;

    /// <summary>Counts writes and deletes applied to shards, so that a schema read before one is read again.</summary>
    private long _writesApplied;

    public async Task<SearchResult> SearchAsync(SearchQuery query)
    {
        using var activity = VisionSearchTelemetry.ActivitySource.StartActivity("index.search");
        activity?.SetTag("visionsearch.dataset", Dataset);
        activity?.SetTag("visionsearch.k", query.K);
        activity?.SetTag("visionsearch.query", query.Kind);
        var serving = _serving;
        if (serving is null)
        {
            return _record is { IsRunning: true }
                ? new SearchResult(SearchOutcome.NotReady, [], $"The first build of '{Dataset}' is still running.")
                : new SearchResult(SearchOutcome.NotFound, [], $"Dataset '{Dataset}' has not been built.");
        }

        if (query.Filter is { } filter && FilterCheck.Problem(filter, await SchemaAsync(serving)) is { } invalid)
        {
            return new SearchResult(SearchOutcome.InvalidFilter, [], invalid.Message, invalid.Path);
        }

        var metric = serving.Spec.Metric;
        var (vector, problem) = await QueryVectorAsync(serving, metric, query);
        if (problem is not null)
        {
            return problem;
        }

        // A page is hits Offset to Offset + K of the top Offset + K. "More like this" asks for one more: the item itself
        // is its own nearest neighbour, and is left out.
        var k = query.Offset + query.K + (query.ItemId is null ? 0 : 1);
        activity?.SetTag("visionsearch.shards", serving.Shards);
        var hits = await SearchShardsAsync(serving, new VectorQuery(vector!, k, query.Ef, query.Filter), metric);
        IEnumerable<SearchHit> kept = hits;
        if (query.ItemId is { } self)
        {
            kept = kept.Where(h => h.Id != self);
        }

        kept = kept.Skip(query.Offset).Take(query.K);

        if (query.ScoreThreshold is { } threshold)
        {
            kept = kept.Where(h => metric == Metric.L2 ? h.Score <= threshold : h.Score >= threshold);
        }

        hits = [.. kept];
        if (query.WithItems && hits.Length > 0 && (serving.Spec.Source != SourceKinds.Vectors || serving.Written))
        {
            // Every item of such a build has a record, so a hit without one is in passing: an item being deleted (its
            // record goes once the delete is logged, its node once the shard has indexed it) or a build's batch whose
            // records are still being written. It is not shown.
            var stored = await items.GetAsync(Dataset, serving.Version, [.. hits.Select(h => h.Id)]);
            hits = [.. hits.Select((h, i) => h with { Item = stored[i]?.ToRecord() }).Where(h => h.Item is not null)];
        }

        return new SearchResult(SearchOutcome.Ok, hits);
    }

    /// <summary>The query's vector, or why there is none.</summary>
    private async Task<(float[]? Vector, SearchResult? Problem)> QueryVectorAsync(ServingRecord serving, Metric metric, SearchQuery query)
    {
        if (query.Vector is { } given)
        {
            if (given.Length != serving.Dimension)
            {
                return (null, new SearchResult(SearchOutcome.DimensionMismatch, [],
                    $"The vector has {given.Length} dimensions; dataset '{Dataset}' has {serving.Dimension}.", "vector"));
            }

            return Check(metric, given, serving.Dimension) is { } invalid
                ? (null, new SearchResult(SearchOutcome.InvalidVector, [], invalid, "vector"))
                : (given, null);
        }

        if (query.ItemId is { } id)
        {
            var vector = await StoredVectorAsync(serving, id);
            return vector is null
                ? (null, new SearchResult(SearchOutcome.ItemNotFound, [], $"Dataset '{Dataset}' has no item '{id}'.", "item_id"))
                : (vector, null);
        }

        if (serving.Model == Precomputed)
        {
            return (null, new SearchResult(SearchOutcome.InvalidQuery, [],
                $"Dataset '{Dataset}' holds precomputed vectors, so no model can embed a {query.Kind} for it: search it with a vector or an item id.", query.Kind));
        }

        using var activity = VisionSearchTelemetry.ActivitySource.StartActivity("query.embed");
        activity?.SetTag("visionsearch.model", serving.Model);
        var embedded = await grains.GetGrain<IIngestionWorkerGrain>(0).EmbedAsync(
            serving.Spec.Embedder ?? EmbedderKinds.Local, serving.Model, [new EmbedItem("query", query.Image, query.Text)]);
        return embedded.Vectors[0] is { } queryVector
            ? (queryVector, null)
            : (null, new SearchResult(SearchOutcome.InvalidQuery, [], $"The {query.Kind} could not be embedded: {embedded.Failures[0]}", query.Kind));
    }

    /// <summary>
    /// The metadata keys of the served build's items, with their types: the union of its shards', kept until a write
    /// or a new build changes them.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, PayloadTypes>> SchemaAsync(ServingRecord serving)
    {
        if (_schema is { } cached && cached.Version == serving.Version && cached.Writes == _writesApplied)
        {
            return cached.Keys;
        }

        var writes = _writesApplied;
        var perShard = await Task.WhenAll(Enumerable.Range(0, serving.Shards).Select(shard => Shard(serving.Version, shard).GetSchemaAsync()));
        var keys = new Dictionary<string, PayloadTypes>(StringComparer.Ordinal);
        foreach (var (key, types) in perShard.SelectMany(s => s))
        {
            keys[key] = keys.GetValueOrDefault(key) | types;
        }

        _schema = (serving.Version, writes, keys);
        return keys;
    }

    private async Task<float[]?> StoredVectorAsync(ServingRecord serving, string id)
    {
        if (await StoredItemAsync(serving, id) is not { } stored)
        {
            return null;
        }

        var (shard, label) = ShardKeys.Locate(stored.Label, serving.Shards);
        return await Shard(serving.Version, shard).GetVectorAsync(label);
    }

    private async Task<SearchHit[]> SearchShardsAsync(ServingRecord serving, VectorQuery query, Metric metric)
    {
        if (serving.Shards == 1)
        {
            return await Shard(serving.Version, 0).SearchAsync(query);
        }

        var perShard = await Task.WhenAll(Enumerable.Range(0, serving.Shards).Select(shard => Shard(serving.Version, shard).SearchAsync(query)));
        return Merge(perShard, query.K, metric);
    }

    /// <summary>The best <paramref name="k"/> of the shards' hits: highest similarity, or lowest L2 distance.</summary>
    internal static SearchHit[] Merge(SearchHit[][] perShard, int k, Metric metric)
    {
        var all = perShard.SelectMany(h => h);
        var ordered = metric == Metric.L2 ? all.OrderBy(h => h.Score) : all.OrderByDescending(h => h.Score);
        return [.. ordered.ThenBy(h => h.Id, StringComparer.Ordinal).Take(k)];
    }
}
