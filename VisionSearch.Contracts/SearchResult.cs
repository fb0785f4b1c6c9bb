namespace VisionSearch.Contracts;

/// <summary>How a search ended.</summary>
[GenerateSerializer, Alias("vs.SearchOutcome")]
public enum SearchOutcome
{
    /// <summary>Hits are in <see cref="SearchResult.Hits"/>.</summary>
    Ok,

    /// <summary>The dataset has never been built.</summary>
    NotFound,

    /// <summary>The first build is still running: nothing is searchable yet.</summary>
    NotReady,

    /// <summary>The query vector's length differs from the index's.</summary>
    DimensionMismatch,

    /// <summary>The query vector holds a NaN or infinite value, or is zero under cosine.</summary>
    InvalidVector,
}

/// <summary>One hit: the item's id and its score (similarity for cosine and inner product, squared distance for L2).</summary>
[GenerateSerializer, Immutable, Alias("vs.SearchHit")]
public sealed record SearchHit(string Id, float Score);

/// <summary>The outcome of a search and its hits, best first.</summary>
[GenerateSerializer, Immutable, Alias("vs.SearchResult")]
public sealed record SearchResult(SearchOutcome Outcome, SearchHit[] Hits, string? Message = null);
