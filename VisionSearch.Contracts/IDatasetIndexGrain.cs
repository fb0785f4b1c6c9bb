using Orleans.Concurrency;

namespace VisionSearch.Contracts;

/// <summary>The index of one dataset: runs its builds and routes its searches to the shard grains that hold the vectors. Keyed by dataset name.</summary>
[Alias("vs.IDatasetIndexGrain")]
public interface IDatasetIndexGrain : IGrainWithStringKey
{
    /// <summary>Starts building the index from <paramref name="spec"/>; returns at once with the outcome.</summary>
    [Alias("build")]
    Task<BuildResult> BuildAsync(BuildSpec spec);

    /// <summary>
    /// Starts making the served index equal to its source again without a rebuild: new items are embedded and added,
    /// changed ones replaced, vanished ones deleted, unchanged ones left alone, while searches go on. Returns at once.
    /// <paramref name="compare"/> says whether stamps may spare reading what did not move.
    /// </summary>
    [Alias("sync")]
    Task<BuildResult> SyncAsync(SyncCompare compare = SyncCompare.Stamps);

    /// <summary>The dataset's phase, counters and index size; asks every shard of the searchable index for its memory.</summary>
    [Alias("status")]
    [AlwaysInterleave]
    Task<IndexStatus> GetStatusAsync();

    /// <summary>
    /// Continues a build whose silo stopped, from its last checkpoint in Redis; nothing when no build is
    /// pending or it is already running here. Every silo calls this for the datasets Redis lists as building.
    /// </summary>
    [Alias("resume")]
    Task ResumeAsync();

    /// <summary>
    /// The nearest items to a vector, a text, an image or an indexed item. Interleaves with every other call,
    /// so searches never queue behind each other or behind a build's turns; the shards run them on pool threads.
    /// </summary>
    [Alias("search")]
    [AlwaysInterleave]
    Task<SearchResult> SearchAsync(SearchQuery query);

    /// <summary>The record of item <paramref name="id"/> in the served index; null when the dataset or the item is unknown.</summary>
    [Alias("item")]
    [AlwaysInterleave]
    Task<ItemRecord?> GetItemAsync(string id);

    /// <summary>
    /// The image of item <paramref name="id"/>, read again from its source (held to the shared folders as the build was);
    /// with <paramref name="maxEdge"/>, a JPEG preview whose longest edge is at most that (cached on the silo).
    /// </summary>
    [Alias("image")]
    [AlwaysInterleave]
    Task<ItemImageResult> GetItemImageAsync(string id, int? maxEdge = null);

    /// <summary>
    /// Creates an empty dataset, fed through <see cref="WriteItemsAsync"/> alone (<see cref="SourceKinds.Api"/>); with
    /// no model its items are vectors of <paramref name="dimension"/>. Unchanged when the same dataset exists, a conflict
    /// when another does.
    /// </summary>
    [Alias("create")]
    Task<BuildResult> CreateAsync(BuildSpec spec, int? dimension);

    /// <summary>
    /// Adds or replaces items in the served index, embedding texts and images with the dataset's model. Each write is
    /// kept in the dataset's journal (carried into every later build) and in its shards' logs before the answer,
    /// which comes once the items are searchable, or with <paramref name="searchable"/> false once they are durable.
    /// Writes interleave: each takes the dataset's write lock until its batches are in the shards' logs, and waits for
    /// them to be searchable without it, so one write's Redis work overlaps the indexing of the one before.
    /// </summary>
    [Alias("write")]
    [AlwaysInterleave]
    Task<WriteResult> WriteItemsAsync(ItemWrite[] writes, bool searchable = true);

    /// <summary>Deletes items from the served index; the deletes are journaled as writes are, so a rebuild does not bring them back.</summary>
    [Alias("delete-items")]
    [AlwaysInterleave]
    Task<WriteResult> DeleteItemsAsync(string[] ids, bool searchable = true);

    /// <summary>Deletes the items <paramref name="filter"/> accepts when the call starts, as <see cref="DeleteItemsAsync"/> deletes by id.</summary>
    [Alias("delete-matching")]
    [AlwaysInterleave]
    Task<WriteResult> DeleteMatchingAsync(SearchFilter filter, bool searchable = true);

    /// <summary>Stops a running build and deletes the dataset: its shards, records and items. False when there was nothing to delete.</summary>
    [Alias("delete")]
    Task<bool> DeleteAsync();
}
