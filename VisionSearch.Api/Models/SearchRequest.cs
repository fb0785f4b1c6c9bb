using System.Text.Json;

namespace VisionSearch.Api.Models;

/// <summary>
/// A search by exactly one of <c>vector</c>, <c>text</c> or <c>item_id</c> (as JSON), or an <c>image</c> (as a
/// multipart form with the same fields).
/// </summary>
/// <param name="Dataset">The dataset to search; may be left out while only one dataset exists.</param>
/// <param name="Vector">A query embedding, as an array of numbers or a base64 string of little-endian float32; its length must equal the dataset's dimension.</param>
/// <param name="Text">A text, embedded with the model that built the dataset (at most <c>Api:MaxTextLength</c> characters).</param>
/// <param name="ItemId">"More like this": an indexed item whose vector is the query; the item itself is left out.</param>
/// <param name="K">How many results (1 to 1000, default 10).</param>
/// <param name="Ef">The HNSW candidate list size (1 to 10000, default 64, raised to k): larger is slower and more accurate.</param>
/// <param name="ScoreThreshold">Only hits scoring at least this (cosine and ip), or within this squared distance (l2).</param>
/// <param name="Offset">Skip this many of the best hits (a page: hits offset to offset + k); offset + k at most 10000.</param>
/// <param name="Filter">
/// Only items that pass, in Qdrant's shape: <c>{"must": [...], "should": [...], "must_not": [...]}</c> of
/// <c>{"key": "color", "match": {"value": "red"}}</c> (or <c>any</c> / <c>except</c> lists),
/// <c>{"key": "year", "range": {"gte": 2020, "lt": 2024}}</c> (numbers, or RFC 3339 dates),
/// <c>{"is_empty": {"key": "tags"}}</c> or a nested filter; keys are metadata keys, <c>id</c> and <c>kind</c>.
/// </param>
public sealed record SearchRequest(
    string? Dataset,
    float[]? Vector = null,
    string? Text = null,
    string? ItemId = null,
    int? K = null,
    int? Ef = null,
    float? ScoreThreshold = null,
    int? Offset = null,
    JsonElement? Filter = null);
