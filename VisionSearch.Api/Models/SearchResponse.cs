namespace VisionSearch.Api.Models;

/// <summary>Search results, best first.</summary>
/// <param name="Dataset">The dataset searched.</param>
/// <param name="Results">The hits: id, score and what the index knows of each item.</param>
public sealed record SearchResponse(string Dataset, IReadOnlyList<ItemView> Results);
