using VisionSearch.Contracts;

namespace VisionSearch.Api.Models;

/// <summary>Search results, best first.</summary>
/// <param name="Dataset">The dataset searched.</param>
/// <param name="Results">Each hit's id and score (cosine similarity for cosine datasets).</param>
public sealed record SearchResponse(string Dataset, IReadOnlyList<SearchHit> Results);
