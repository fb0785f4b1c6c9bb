using System.ComponentModel.DataAnnotations;

namespace VisionSearch.Silo.Persistence;

/// <summary>How snapshots are cut into Redis values.</summary>
public sealed class SnapshotOptions
{
    public const string SectionName = "Snapshots";

    /// <summary>
    /// Bytes per chunk key. A few MB keeps each value far below Redis' 512 MB limit and each round trip short,
    /// while the per-key overhead stays negligible.
    /// </summary>
    [Range(1024, 256 << 20)]
    public int ChunkSize { get; set; } = 4 << 20;

    /// <summary>Chunk writes sent before waiting for the oldest to complete.</summary>
    [Range(1, 64)]
    public int WritesInFlight { get; set; } = 4;
}
