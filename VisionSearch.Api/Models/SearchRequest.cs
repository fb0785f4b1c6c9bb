namespace VisionSearch.Api.Models;

/// <summary>A nearest-neighbour search by vector.</summary>
/// <param name="Dataset">The dataset to search.</param>
/// <param name="Vector">The query embedding; its length must equal the dataset's dimension.</param>
/// <param name="K">How many results (1 to 1000, default 10).</param>
/// <param name="Ef">The HNSW search breadth (accepted now; the exact index ignores it).</param>
public sealed record SearchRequest(string? Dataset, float[]? Vector, int? K, int? Ef);
