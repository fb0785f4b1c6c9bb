using System.Text.Json;
using VisionSearch.Contracts;

namespace VisionSearch.Api.Models;

/// <summary>An item as results and <c>GET /datasets/{name}/items/{id}</c> show it.</summary>
/// <param name="Id">The item's id: a folder image's relative path, a table's row number, a vector's row.</param>
/// <param name="Score">Its score for the query (cosine similarity for cosine datasets; squared distance for l2); absent outside results.</param>
/// <param name="ImagePath">An image item's path (the Python original's field): its relative path in a folder, else its id.</param>
/// <param name="Kind"><c>image</c>, <c>text</c> or <c>vector</c>.</param>
/// <param name="Text">The text, or an image's caption.</param>
/// <param name="Metadata">The source's other fields for the item (table columns, sidecar values).</param>
/// <param name="Url">Where the item is: <c>/datasets/{name}/items/{id}</c>.</param>
/// <param name="ImageUrl">Where an image item's image is: <c>/datasets/{name}/items/{id}/image</c>.</param>
public sealed record ItemView(
    string Id,
    float? Score,
    string? ImagePath,
    string Kind,
    string? Text,
    IReadOnlyDictionary<string, JsonElement>? Metadata,
    string Url,
    string? ImageUrl)
{
    /// <summary>A hit or an item; a dataset of precomputed vectors keeps no record, so its items are vectors by id.</summary>
    public static ItemView Of(string dataset, string id, float? score, ItemRecord? item)
    {
        var url = $"/datasets/{Uri.EscapeDataString(dataset)}/items/{Uri.EscapeDataString(id)}";
        var isImage = item?.Kind == ItemKinds.Image;
        return new ItemView(
            id, score, isImage ? item!.Path ?? id : null, item?.Kind ?? ItemKinds.Vector, item?.Text, item?.Metadata, url, isImage ? url + "/image" : null);
    }
}
