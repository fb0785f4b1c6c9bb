using System.Text.Json;

namespace VisionSearch.Datasets;

/// <summary>
/// One item of a dataset: a stable id, what it holds, and the cursor just after it (hand it back to
/// <see cref="IDatasetSource.ReadAsync"/> to continue behind this item).
/// </summary>
public sealed record DatasetItem(string Id, ItemKind Kind, string Cursor)
{
    /// <summary>The encoded image, for <see cref="ItemKind.Image"/>.</summary>
    public ReadOnlyMemory<byte> Bytes { get; init; }

    /// <summary>The text, or an image's caption.</summary>
    public string? Text { get; init; }

    /// <summary>The vector, for <see cref="ItemKind.Vector"/>.</summary>
    public float[]? Vector { get; init; }

    /// <summary>
    /// What the source can say about the item without reading it, taken before it was read (see <see cref="IStampedSource"/>);
    /// null where the source has no such thing.
    /// </summary>
    public string? Stamp { get; init; }

    /// <summary>Other columns or sidecar fields, each with its JSON type (a CSV's cells are strings).</summary>
    public IReadOnlyDictionary<string, JsonElement> Metadata { get; init; } = EmptyMetadata;

    private static readonly IReadOnlyDictionary<string, JsonElement> EmptyMetadata = new Dictionary<string, JsonElement>();
}
