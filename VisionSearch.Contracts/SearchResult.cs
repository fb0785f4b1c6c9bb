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

    /// <summary>The query cannot be answered as asked (an undecodable image, a text for a dataset of precomputed vectors); <see cref="SearchResult.Field"/> names the part.</summary>
    InvalidQuery,

    /// <summary>The item of a "more like this" query is not in the index.</summary>
    ItemNotFound,

    /// <summary>The filter names a key no item holds, or a value of a type the key never holds; <see cref="SearchResult.Field"/> is its path.</summary>
    InvalidFilter,
}

/// <summary>One hit: the item's id, its score (similarity for cosine and inner product, squared distance for L2) and, when asked for, its record.</summary>
[GenerateSerializer, Immutable, Alias("vs.SearchHit")]
public sealed record SearchHit(string Id, float Score, ItemRecord? Item = null);

/// <summary>The outcome of a search and its hits, best first.</summary>
[GenerateSerializer, Immutable, Alias("vs.SearchResult")]
public sealed record SearchResult(SearchOutcome Outcome, SearchHit[] Hits, string? Message = null, string? Field = null);
