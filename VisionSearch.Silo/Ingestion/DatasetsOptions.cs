using System.ComponentModel.DataAnnotations;
using VisionSearch.Datasets;

namespace VisionSearch.Silo.Ingestion;

/// <summary>What local data the silos may read, and how much of a file they hold at once. Section <c>Datasets</c>.</summary>
public sealed class DatasetsOptions
{
    public const string SectionName = "Datasets";

    /// <summary>
    /// The folders shared with callers: a build's local location (and a model folder named in a request) is read only
    /// when it lies in one of them, symbolic links followed. Empty: no local source at all (Hub datasets still work).
    /// </summary>
    public string[] Roots { get; set; } = [];

    /// <summary>The largest image file, text line or CSV record read whole; larger is a skipped item.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxItemBytes { get; set; } = SourceLimits.Default.MaxItemBytes;

    /// <summary>The most rows a Parquet row group may claim.</summary>
    [Range(1, long.MaxValue)]
    public long MaxRowGroupRows { get; set; } = SourceLimits.Default.MaxRowGroupRows;

    /// <summary>The most uncompressed bytes a Parquet row group's column may claim.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxRowGroupBytes { get; set; } = SourceLimits.Default.MaxRowGroupBytes;

    /// <summary>Whether every silo watches the folders that datasets were built from and syncs a dataset on its own after its folder changed.</summary>
    public bool Watch { get; set; }

    /// <summary>How long a watched folder must stay unchanged after a change before its dataset is synced (a copy of many files is one sync).</summary>
    public TimeSpan WatchQuietPeriod { get; set; } = TimeSpan.FromSeconds(5);

    public SourceLimits Limits => new() { MaxItemBytes = MaxItemBytes, MaxRowGroupRows = MaxRowGroupRows, MaxRowGroupBytes = MaxRowGroupBytes };
}
