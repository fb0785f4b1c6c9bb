using VisionSearch.Contracts;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>What the grain tests do again and again: start a build, wait for its end, measure its answers.</summary>
internal static class Builds
{
    public static async Task<IndexStatus> StartAsync(IGrainFactory grains, string dataset, BuildSpec spec)
    {
        var result = await grains.GetGrain<IDatasetIndexGrain>(dataset).BuildAsync(spec);
        Assert.True(result.Outcome == BuildOutcome.Started, $"{result.Outcome}: {result.Field} {result.Message}");
        return result.Status;
    }

    /// <summary>Polls the status until the build is over; tolerates calls that fail while the cluster heals.</summary>
    public static Task<IndexStatus> WaitReadyAsync(IGrainFactory grains, string dataset, TimeSpan timeout)
    {
        IndexStatus? status = null;
        Exception? last = null;
        return Wait.ForAsync(
            async () =>
            {
                try
                {
                    status = await grains.GetGrain<IDatasetIndexGrain>(dataset).GetStatusAsync();
                }
                catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
                {
                    last = e;
                    return null;
                }

                Assert.True(status.Status != IndexPhase.Failed, $"Build of {dataset} failed: {status.Error}");
                return status.Status == IndexPhase.Ready ? status : null;
            },
            timeout,
            () => $"{dataset} was not ready: {status} {last?.Message}");
    }

    /// <summary>Starts a build and waits for its end.</summary>
    public static async Task<IndexStatus> RunAsync(IGrainFactory grains, string dataset, BuildSpec spec)
    {
        await StartAsync(grains, dataset, spec);
        return await WaitReadyAsync(grains, dataset, TimeSpan.FromMinutes(2));
    }

    /// <summary>The same text query over both datasets of <paramref name="k"/> items: the same ids with the same scores to the bit, so the same vectors.</summary>
    public static async Task AssertSameAnswersAsync(IGrainFactory grains, string dataset, string other, int k)
    {
        var query = new SearchQuery(k, 64, Text: "a photo of something");
        var expected = await grains.GetGrain<IDatasetIndexGrain>(dataset).SearchAsync(query);
        var actual = await grains.GetGrain<IDatasetIndexGrain>(other).SearchAsync(query);
        Assert.Equal(SearchOutcome.Ok, expected.Outcome);
        Assert.Equal(k, expected.Hits.Length);
        Assert.Equal(expected.Hits.Select(h => (h.Id, h.Score)), actual.Hits.Select(h => (h.Id, h.Score)));
    }

    public static async Task<string[]> SearchIdsAsync(IGrainFactory grains, string dataset, float[] query, int k, int ef)
    {
        var result = await grains.GetGrain<IDatasetIndexGrain>(dataset).SearchAsync(new SearchQuery(k, ef, Vector: query));
        Assert.Equal(SearchOutcome.Ok, result.Outcome);
        return [.. result.Hits.Select(h => h.Id)];
    }

    /// <summary>The exact top-k ids by cosine, as strings like the grain returns them.</summary>
    public static string[] Exact(float[][] rows, float[] query, int k) =>
        [.. TestVectors.BruteForceCosine(rows, query, k).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public static BuildSpec Vectors(string path, int? shards = null, int m = 16) => new(SourceKinds.Vectors, path, null, IndexDefaults.Metric, M: m, Shards: shards);
}
