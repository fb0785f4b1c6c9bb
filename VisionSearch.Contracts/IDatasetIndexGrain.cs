using Orleans.Concurrency;

namespace VisionSearch.Contracts;

/// <summary>The index of one dataset: owns its vectors, its build and its snapshot. Keyed by dataset name.</summary>
[Alias("vs.IDatasetIndexGrain")]
public interface IDatasetIndexGrain : IGrainWithStringKey
{
    /// <summary>Starts building the index from <paramref name="spec"/>; returns at once with the outcome.</summary>
    [Alias("build")]
    Task<BuildResult> BuildAsync(BuildSpec spec);

    /// <summary>The dataset's phase, counters and index size.</summary>
    [Alias("status")]
    Task<IndexStatus> GetStatusAsync();

    /// <summary>
    /// The nearest items to a query vector. Interleaves with every other call, so searches never queue
    /// behind each other or behind a build's turns; the grain runs them on pool threads.
    /// </summary>
    [Alias("search")]
    [AlwaysInterleave]
    Task<SearchResult> SearchAsync(VectorQuery query);
}
