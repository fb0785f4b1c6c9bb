namespace VisionSearch.Datasets;

/// <summary>
/// What a source reads into memory at most, whatever a file claims, so that a hostile or broken file costs a
/// failed item or a 4xx rather than the silo's memory.
/// </summary>
public sealed record SourceLimits
{
    public static SourceLimits Default { get; } = new();

    /// <summary>The largest single item read whole: an image file, a text line, a CSV record, a sidecar caption (64 MiB).</summary>
    public int MaxItemBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>The most rows a Parquet row group may claim (Hugging Face writes 100 to 100,000).</summary>
    public long MaxRowGroupRows { get; init; } = 1_000_000;

    /// <summary>The most bytes a Parquet row group's column may claim uncompressed (1 GiB): one group's column is held at once.</summary>
    public long MaxRowGroupBytes { get; init; } = 1L << 30;
}
