using System.Text.Json;
using VisionSearch.Contracts;

namespace VisionSearch.Api.Models;

/// <summary>Creates an empty dataset that items are written to through the API: give a <c>dimension</c> for vectors, or leave it out to embed texts and images.</summary>
/// <param name="Model">What embeds texts and images (as for a build); default: the silos' configured model. Not with <c>dimension</c>.</param>
/// <param name="Embedder"><c>local</c> or <c>sagemaker</c>; default: the silos' configured one. Not with <c>dimension</c>.</param>
/// <param name="Dimension">A dataset of precomputed vectors of this length (1 to 65536); its items are vectors only.</param>
/// <param name="Metric"><c>cosine</c> (default), <c>ip</c> or <c>l2</c>.</param>
/// <param name="M">HNSW links per node (default 16).</param>
/// <param name="EfConstruction">HNSW build candidate list (default 200).</param>
/// <param name="Shards">Shard grains (default 1).</param>
/// <param name="Quantization"><c>none</c> (default), <c>sq8</c> or <c>rabitq</c>, as for a build.</param>
public sealed record CreateDatasetRequest(
    string? Model = null, string? Embedder = null, int? Dimension = null, string? Metric = null, int? M = null, int? EfConstruction = null, int? Shards = null,
    string? Quantization = null);

/// <summary>Items to add or replace: each with an <c>id</c> and exactly one of <c>text</c>, <c>image</c> (base64) or <c>vector</c>.</summary>
/// <param name="Items">1 to 1000 items; an item whose id the dataset holds is replaced (vector and metadata).</param>
public sealed record WriteItemsRequest(ItemInput[]? Items);

/// <summary>One item to write.</summary>
/// <param name="Id">The item's id: 1 to 1024 characters.</param>
/// <param name="Text">A text, embedded with the dataset's model (at most <c>Api:MaxTextLength</c> characters).</param>
/// <param name="Image">An image (JPEG, PNG, GIF, WebP, BMP) as base64, embedded with the dataset's model.</param>
/// <param name="Vector">A precomputed vector of the dataset's dimension: an array of numbers, or a base64 string of little-endian float32 (a third smaller, no number parsing).</param>
/// <param name="Metadata">The item's fields: strings, numbers, booleans, arrays of them or null; shown with it in results, kept with their JSON types, and filtered on.</param>
public sealed record ItemInput(string? Id, string? Text = null, byte[]? Image = null, float[]? Vector = null, Dictionary<string, JsonElement>? Metadata = null);

/// <summary>Items to delete: by id, or every item a filter accepts.</summary>
/// <param name="Ids">1 to 1000 item ids.</param>
/// <param name="Filter">A filter, as <c>POST /search</c> takes it: the items it accepts when the delete starts are deleted.</param>
public sealed record DeleteItemsRequest(string[]? Ids = null, JsonElement? Filter = null);

/// <summary>What became of each item, in request order, and the counts.</summary>
public sealed record WriteItemsResponse(ItemResult[] Items, int Indexed, int Replaced, int Deleted, int NotFound, int Invalid)
{
    public static WriteItemsResponse Of(ItemResult[] items) => new(
        items,
        items.Count(i => i.Outcome == ItemOutcome.Indexed),
        items.Count(i => i.Outcome == ItemOutcome.Replaced),
        items.Count(i => i.Outcome == ItemOutcome.Deleted),
        items.Count(i => i.Outcome == ItemOutcome.NotFound),
        items.Count(i => i.Outcome == ItemOutcome.Invalid));
}
