using System.ComponentModel.DataAnnotations;

namespace VisionSearch.Silo.Ingestion;

/// <summary>How builds batch, embed, shard and resume. Section <c>Ingestion</c>.</summary>
public sealed class IngestionOptions
{
    public const string SectionName = "Ingestion";

    /// <summary>Images or texts per embedding call: the embedder's best batch size.</summary>
    [Range(1, 4096)]
    public int BatchSize { get; set; } = 32;

    /// <summary>Precomputed vectors per batch (no embedding; large batches keep the index's insert threads busy).</summary>
    [Range(1, 1 << 20)]
    public int VectorBatchSize { get; set; } = 4096;

    /// <summary>A batch also closes at this many bytes of images, so a batch of large photos stays bounded.</summary>
    [Range(1, int.MaxValue)]
    public int MaxBatchBytes { get; set; } = 64 << 20;

    /// <summary>A batch that is not full closes this long after its first item, so a slow source still makes progress.</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Batches being embedded at once. The source is read no further ahead than this, which is the
    /// back-pressure that keeps memory flat whatever the dataset's size.
    /// </summary>
    [Range(1, 256)]
    public int BatchesInFlight { get; set; } = 4;

    /// <summary>A dataset whose size is known above this many items is split into shards of at most this many.</summary>
    [Range(1, int.MaxValue)]
    public int MaxItemsPerShard { get; set; } = 5_000_000;

    /// <summary>How often each silo looks for builds whose silo died, and resumes them.</summary>
    public TimeSpan ResumeInterval { get; set; } = TimeSpan.FromSeconds(10);
}
