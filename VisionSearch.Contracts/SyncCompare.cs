using VisionSearch.Hnsw;

namespace VisionSearch.Contracts;

/// <summary>How a sync tells a changed item from an unchanged one.</summary>
[GenerateSerializer, Alias("vs.SyncCompare")]
public enum SyncCompare
{
    /// <summary>By stamp first (a file's size and time, a Hub dataset's commit), reading only what moved; then by content hash.</summary>
    Stamps,

    /// <summary>By content hash alone, every item read: after a restore or copy that kept sizes and times.</summary>
    Content,
}

/// <summary>The names of <see cref="SyncCompare"/>'s values.</summary>
public static class SyncCompares
{
    /// <summary><c>stamps</c> (what a request that names none gets) and <c>content</c>.</summary>
    public static EnumNames<SyncCompare> Names { get; } = new(
        "Compare",
        SyncCompare.Stamps,
        (SyncCompare.Stamps, "stamps", []),
        (SyncCompare.Content, "content", []));
}
