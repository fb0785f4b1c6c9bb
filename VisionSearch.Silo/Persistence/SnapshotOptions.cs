using System.ComponentModel.DataAnnotations;

namespace VisionSearch.Silo.Persistence;

/// <summary>How snapshots are cut into Redis values and how often they are taken. Section <c>Snapshots</c>.</summary>
public sealed class SnapshotOptions
{
    public const string SectionName = "Snapshots";

    /// <summary>
    /// Bytes per chunk key. A few MB keeps each value far below Redis' 512 MB limit and each round trip short,
    /// while the per-key overhead stays negligible.
    /// </summary>
    [Range(1024, 256 << 20)]
    public int ChunkSize { get; set; } = 4 << 20;

    /// <summary>The most <see cref="WritesInFlight"/> may be: a torn write's stored chunks have gaps only among its last this many.</summary>
    public const int MaxWritesInFlight = 64;

    /// <summary>Chunk writes sent before waiting for the oldest to complete.</summary>
    [Range(1, MaxWritesInFlight)]
    public int WritesInFlight { get; set; } = 4;

    /// <summary>
    /// A building shard snapshots after this many items have gone into its log since the last snapshot, so
    /// the log a restart replays stays short. Every build ends with a snapshot too.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int EveryItems { get; set; } = 250_000;

    /// <summary>...or when this much time has passed since the last snapshot, whichever comes first.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);
}
