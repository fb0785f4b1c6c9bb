using VisionSearch.Contracts;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// A dataset's running or last build as kept in Redis, rewritten after every committed batch: this is the
/// checkpoint a resumed build starts from. Every item before <see cref="Cursor"/> is in the shards' logs,
/// and labels from <see cref="NextLabel"/> on are free, so re-reading after the cursor gives every item the
/// label it had before.
/// </summary>
/// <param name="Version">The build's version; its shards are keyed with it.</param>
/// <param name="Spec">What is built.</param>
/// <param name="Model">The model that embeds items, or <c>precomputed</c>.</param>
/// <param name="Shards">How many shard grains hold the index.</param>
/// <param name="Total">The item count when known up front (already capped by the limit).</param>
/// <param name="Dimension">The vector length, fixed by the first committed item (0 before).</param>
/// <param name="Cursor">The source cursor after the last committed batch.</param>
/// <param name="NextLabel">The label the next item read gets.</param>
/// <param name="Read">Entries read and committed (items and failed reads).</param>
/// <param name="Embedded">Items with a vector.</param>
/// <param name="Indexed">Items in the shards.</param>
/// <param name="Skipped">Items that could not be indexed.</param>
/// <param name="Skips">The latest skipped items and why.</param>
/// <param name="StartedAt">When the build started.</param>
/// <param name="FinishedAt">When it finished; null while it runs.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="Written">Whether the build holds items written through the API (replayed from the journal).</param>
/// <param name="Cached">Items whose vector came from the embedding cache (counted in <paramref name="Embedded"/>).</param>
/// <param name="Sync">
/// A sync of the published build (same version) with its source rather than a new build: <paramref name="Cursor"/> and
/// <paramref name="Read"/> are the sync's, and <paramref name="Sync"/>'s counters say what it changed.
/// </param>
/// <param name="ByContent">A sync that compares every item by content, reading all (<see cref="SyncCompare.Content"/>).</param>
/// <param name="SourceStamp">The source's stamp when the run began (see DatasetSources.StampAsync); null for a folder.</param>
internal sealed record BuildRecord(
    long Version,
    BuildSpec Spec,
    string Model,
    int Shards,
    long? Total,
    int Dimension,
    string? Cursor,
    long NextLabel,
    long Read,
    long Embedded,
    long Indexed,
    long Skipped,
    SkippedItem[] Skips,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    bool Written = false,
    long Cached = 0,
    SyncCounts? Sync = null,
    string? SourceStamp = null,
    bool ByContent = false)
{
    /// <summary>How many recent skips the status shows.</summary>
    public const int SkipsKept = 20;

    public bool IsRunning => FinishedAt is null;

    public bool IsSync => Sync is not null;

    /// <summary>The build's shards as a searchable index (a first build serves while it grows).</summary>
    public ServingRecord AsServing(DateTimeOffset builtAt) => new(Version, Spec, Model, Shards, Dimension, Indexed, builtAt, Written);
}

/// <summary>The build a dataset's searches go to: its version names the shard grains.</summary>
/// <param name="Version">The build's version.</param>
/// <param name="Spec">What was built (or created empty).</param>
/// <param name="Model">The model that embeds its items and queries, or <c>precomputed</c>.</param>
/// <param name="Shards">How many shard grains hold it.</param>
/// <param name="Dimension">The vector length (0 until a dataset created empty has its first item).</param>
/// <param name="Count">The items it held when published (the status asks the shards for the count now).</param>
/// <param name="BuiltAt">When it was published.</param>
/// <param name="Written">Whether it holds items written through the API, which have records even in a build from bare vectors.</param>
internal sealed record ServingRecord(long Version, BuildSpec Spec, string Model, int Shards, int Dimension, long Count, DateTimeOffset BuiltAt, bool Written = false);

/// <summary>The grain key and Redis owner of one shard: <c>{dataset}/{build}/{shard}</c> (dataset names have no '/').</summary>
internal static class ShardKeys
{
    public static string Of(string dataset, long version, int shard) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{dataset}/{version}/{shard}");

    /// <summary>The shard number at the end of a key <see cref="Of"/> made; 0 for a key without one.</summary>
    public static int ShardOf(string key) =>
        int.TryParse(key.AsSpan(key.LastIndexOf('/') + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var shard) ? shard : 0;

    /// <summary>Where a dataset-wide label lives: labels are dealt round the shards, so label l is shard l mod n's (l div n)th.</summary>
    public static (int Shard, int Label) Locate(long label, int shards) => ((int)(label % shards), (int)(label / shards));
}
