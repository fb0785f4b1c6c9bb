using VisionSearch.Contracts;
using VisionSearch.Hnsw;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Silo.Grains;

/// <summary>Searches: checked here once, then sent to every shard of the served build at once, and merged.</summary>
public sealed partial class DatasetIndexGrain
{
    public async Task<SearchResult> SearchAsync(VectorQuery query)
    {
        using var activity = VisionSearchTelemetry.ActivitySource.StartActivity("index.search");
        activity?.SetTag("visionsearch.dataset", Dataset);
        activity?.SetTag("visionsearch.k", query.K);
        var serving = _serving;
        if (serving is null)
        {
            return _record is { IsRunning: true }
                ? new SearchResult(SearchOutcome.NotReady, [], $"The first build of '{Dataset}' is still running.")
                : new SearchResult(SearchOutcome.NotFound, [], $"Dataset '{Dataset}' has not been built.");
        }

        if (query.Vector.Length != serving.Dimension)
        {
            return new SearchResult(SearchOutcome.DimensionMismatch, [],
                $"The vector has {query.Vector.Length} dimensions; dataset '{Dataset}' has {serving.Dimension}.");
        }

        var metric = ParseMetric(serving.Spec.Metric)!.Value;
        if (Check(metric, query.Vector, serving.Dimension) is { } problem)
        {
            return new SearchResult(SearchOutcome.InvalidVector, [], problem);
        }

        activity?.SetTag("visionsearch.shards", serving.Shards);
        if (serving.Shards == 1)
        {
            return new SearchResult(SearchOutcome.Ok, await grains.GetGrain<IIndexShardGrain>(serving.ShardKey(Dataset, 0)).SearchAsync(query));
        }

        var perShard = await Task.WhenAll(Enumerable.Range(0, serving.Shards)
            .Select(shard => grains.GetGrain<IIndexShardGrain>(serving.ShardKey(Dataset, shard)).SearchAsync(query)));
        return new SearchResult(SearchOutcome.Ok, Merge(perShard, query.K, metric));
    }

    /// <summary>The best <paramref name="k"/> of the shards' hits: highest similarity, or lowest L2 distance.</summary>
    internal static SearchHit[] Merge(SearchHit[][] perShard, int k, Metric metric)
    {
        var all = perShard.SelectMany(h => h);
        var ordered = metric == Metric.L2 ? all.OrderBy(h => h.Score) : all.OrderByDescending(h => h.Score);
        return [.. ordered.ThenBy(h => h.Id, StringComparer.Ordinal).Take(k)];
    }
}
