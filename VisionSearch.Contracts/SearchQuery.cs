namespace VisionSearch.Contracts;

/// <summary>
/// A search of a dataset by exactly one of: a vector, a text or an image (embedded with the model that built
/// the dataset), or an indexed item ("more like this": its stored vector, the item itself left out).
/// </summary>
/// <param name="K">How many results to return.</param>
/// <param name="Ef">The HNSW candidate list size (raised to K); 0 takes the index default.</param>
/// <param name="ScoreThreshold">Keep only hits scoring at least this (cosine, ip), or within this squared distance (l2).</param>
/// <param name="Vector">The query vector; its length must equal the index dimension.</param>
/// <param name="Text">A text to embed.</param>
/// <param name="Image">An encoded image (JPEG, PNG, GIF, WebP, BMP) to embed.</param>
/// <param name="ItemId">The id of an indexed item whose vector is the query.</param>
/// <param name="WithItems">Whether hits carry their item's record (kind, text, path, metadata).</param>
/// <param name="Offset">How many of the best hits to skip: the page is hits Offset to Offset + K of the top Offset + K.</param>
/// <param name="Filter">Only items the filter accepts are searched: the exact filtered top-k where few match, a filtered walk of the graph where many do.</param>
[GenerateSerializer, Immutable, Alias("vs.SearchQuery")]
public sealed record SearchQuery(
    int K,
    int Ef = 0,
    float? ScoreThreshold = null,
    float[]? Vector = null,
    string? Text = null,
    byte[]? Image = null,
    string? ItemId = null,
    bool WithItems = true,
    int Offset = 0,
    SearchFilter? Filter = null)
{
    /// <summary>What the query is, for spans and messages: vector, text, image or item.</summary>
    public string Kind => Vector is not null ? "vector" : Text is not null ? "text" : Image is not null ? "image" : "item";
}
