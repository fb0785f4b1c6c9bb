using Orleans.Concurrency;

namespace VisionSearch.Contracts;

/// <summary>The index of one dataset: runs its builds and routes its searches to the shard grains that hold the vectors. Keyed by dataset name.</summary>
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
    /// Continues a build whose silo stopped, from its last checkpoint in Redis; nothing when no build is
    /// pending or it is already running here. Every silo calls this for the datasets Redis lists as building.
    /// </summary>
    [Alias("resume")]
    Task ResumeAsync();

    /// <summary>
    /// The nearest items to a query vector. Interleaves with every other call, so searches never queue
    /// behind each other or behind a build's turns; the shards run them on pool threads.
    /// </summary>
    [Alias("search")]
    [AlwaysInterleave]
    Task<SearchResult> SearchAsync(VectorQuery query);
}
