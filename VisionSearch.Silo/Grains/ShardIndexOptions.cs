namespace VisionSearch.Silo.Grains;

/// <summary>How shards hold their indexes (configuration section <c>Index</c>).</summary>
public sealed class ShardIndexOptions
{
    public const string SectionName = "Index";

    /// <summary>
    /// The folder for the full-precision vectors behind int8 or one-bit codes (<c>quantization</c> sq8 or rabitq): a
    /// file per shard, read back with positional reads to re-rank, so that the page cache holds them instead of the
    /// silo's memory. Each file is unlinked once open (except on Windows, where it goes when closed), so a killed
    /// silo leaves none behind. Empty: the system's temporary folder.
    /// </summary>
    public string? OriginalsDirectory { get; set; }

    /// <summary>A path for one index's originals file, in <see cref="OriginalsDirectory"/>, which is created if missing.</summary>
    public string NewOriginalsPath()
    {
        var directory = string.IsNullOrWhiteSpace(OriginalsDirectory) ? Path.GetTempPath() : OriginalsDirectory;
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $"visionsearch-{Guid.NewGuid():N}.originals");
    }
}
