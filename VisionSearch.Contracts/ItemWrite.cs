using System.Text.Json;

namespace VisionSearch.Contracts;

/// <summary>An item written through the API: exactly one of a text, an image or a vector, with its metadata.</summary>
/// <param name="Id">The item's id; an item with the same id is replaced.</param>
/// <param name="Text">A text, embedded with the dataset's model.</param>
/// <param name="Image">An encoded image (JPEG, PNG, GIF, WebP, BMP), embedded with the dataset's model.</param>
/// <param name="Vector">A precomputed vector of the dataset's dimension.</param>
/// <param name="Metadata">The item's fields (strings, numbers, booleans, arrays of them), shown with it in results and filtered on.</param>
[GenerateSerializer, Immutable, Alias("vs.ItemWrite")]
public sealed record ItemWrite(
    string Id, string? Text = null, byte[]? Image = null, float[]? Vector = null, IReadOnlyDictionary<string, JsonElement>? Metadata = null)
{
    /// <summary>What the item is: image, text or vector (see <see cref="ItemKinds"/>).</summary>
    public string Kind => Image is not null ? ItemKinds.Image : Text is not null ? ItemKinds.Text : ItemKinds.Vector;
}

/// <summary>What became of one written or deleted item.</summary>
[GenerateSerializer, Alias("vs.ItemOutcome")]
public enum ItemOutcome
{
    /// <summary>A new item, now in the index.</summary>
    Indexed,

    /// <summary>An item with this id was replaced (vector and metadata).</summary>
    Replaced,

    /// <summary>The item was deleted.</summary>
    Deleted,

    /// <summary>No item has this id (a delete).</summary>
    NotFound,

    /// <summary>The item cannot be indexed: <see cref="ItemResult.Message"/> says why (an undecodable image, a vector of another dimension).</summary>
    Invalid,
}

/// <summary>The outcome of one item of a write or delete.</summary>
[GenerateSerializer, Immutable, Alias("vs.ItemResult")]
public sealed record ItemResult(string Id, ItemOutcome Outcome, string? Field = null, string? Message = null);

/// <summary>How a write or delete request ended as a whole.</summary>
[GenerateSerializer, Alias("vs.WriteOutcome")]
public enum WriteOutcome
{
    /// <summary>Every item has its outcome in <see cref="WriteResult.Items"/>.</summary>
    Ok,

    /// <summary>The dataset does not exist.</summary>
    NotFound,

    /// <summary>The dataset's first build is running: there is no index to write to yet.</summary>
    NotReady,

    /// <summary>A delete's filter does not fit the dataset's items; <see cref="WriteResult.Field"/> is its path.</summary>
    InvalidFilter,
}

/// <summary>The outcome of <see cref="IDatasetIndexGrain.WriteItemsAsync"/> or <see cref="IDatasetIndexGrain.DeleteItemsAsync"/>.</summary>
[GenerateSerializer, Immutable, Alias("vs.WriteResult")]
public sealed record WriteResult(WriteOutcome Outcome, ItemResult[] Items, string? Message = null, string? Field = null);
