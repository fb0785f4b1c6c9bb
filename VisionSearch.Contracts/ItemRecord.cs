using System.Text.Json;

namespace VisionSearch.Contracts;

/// <summary>What an index keeps about one item beside its vector, for showing it in results.</summary>
/// <param name="Id">The item's id in the dataset: a folder's relative path, a table's row number.</param>
/// <param name="Kind">One of <see cref="ItemKinds"/>.</param>
/// <param name="Text">The text, or an image's caption.</param>
/// <param name="Path">Where the item is inside its source: a folder image's relative path.</param>
/// <param name="Metadata">The source's other fields (table columns, sidecar values), each with its JSON type.</param>
[GenerateSerializer, Immutable, Alias("vs.ItemRecord")]
public sealed record ItemRecord(string Id, string Kind, string? Text = null, string? Path = null, IReadOnlyDictionary<string, JsonElement>? Metadata = null);

/// <summary>The kinds of item in <see cref="ItemRecord.Kind"/>.</summary>
public static class ItemKinds
{
    /// <summary>An image (with an optional caption).</summary>
    public const string Image = "image";

    /// <summary>A text.</summary>
    public const string Text = "text";

    /// <summary>A precomputed vector.</summary>
    public const string Vector = "vector";
}

/// <summary>An item's image as stored in its source, or a preview of it.</summary>
/// <param name="Bytes">The encoded image.</param>
/// <param name="ContentType">Its media type, from its leading bytes.</param>
/// <param name="Version">What names its content: the served build it was read for (the build and the id fix it), or for an image written through the API a hash of its bytes.</param>
[GenerateSerializer, Immutable, Alias("vs.ItemImage")]
public sealed record ItemImage(byte[] Bytes, string ContentType, long Version = 0);

/// <summary>How a read of an item's image ended.</summary>
[GenerateSerializer, Alias("vs.ItemImageOutcome")]
public enum ItemImageOutcome
{
    /// <summary>The image, read again from the source.</summary>
    Found,

    /// <summary>The dataset or the item is unknown, or the item is not an image.</summary>
    NotFound,

    /// <summary>The source no longer holds the item (it changed since the build).</summary>
    Gone,

    /// <summary>The source is no longer in the folders the operator shares.</summary>
    Refused,
}

/// <summary>The outcome of <see cref="IDatasetIndexGrain.GetItemImageAsync"/>.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Image">The image when <see cref="ItemImageOutcome.Found"/>.</param>
/// <param name="Message">Why not, otherwise.</param>
[GenerateSerializer, Immutable, Alias("vs.ItemImageResult")]
public sealed record ItemImageResult(ItemImageOutcome Outcome, ItemImage? Image = null, string? Message = null);

/// <summary>Previews of item images (<see cref="IDatasetIndexGrain.GetItemImageAsync"/> with a size).</summary>
public static class ItemPreviews
{
    /// <summary>The largest preview edge served; beyond it, ask for the image itself.</summary>
    public const int MaxEdge = 2048;
}
