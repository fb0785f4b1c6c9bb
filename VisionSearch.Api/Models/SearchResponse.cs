namespace VisionSearch.Api.Models;

/// <summary>Search results, best first.</summary>
/// <param name="Dataset">The dataset searched.</param>
/// <param name="Results">The hits: id, score and what the index knows of each item.</param>
/// <param name="NextOffset">
/// The <c>offset</c> of the next page when this one is full (send the same search with it); absent on the last page. Pages
/// fetched with the same <c>ef</c>, at least the deepest <c>offset + k</c>, concatenate to the one-page answer exactly.
/// </param>
public sealed record SearchResponse(string Dataset, IReadOnlyList<ItemView> Results, int? NextOffset = null);
