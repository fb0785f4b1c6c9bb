namespace VisionSearch.Api.Models;

/// <summary>A nearest-neighbour search by vector.</summary>
/// <param name="Dataset">The dataset to search.</param>
/// <param name="Vector">The query embedding; its length must equal the dataset's dimension.</param>
/// <param name="K">How many results (1 to 1000, default 10).</param>
/// <param name="Ef">The HNSW candidate list size (1 to 10000, default 64, raised to k): larger is slower and more accurate.</param>
public sealed record SearchRequest(string? Dataset, float[]? Vector, int? K, int? Ef);
