namespace VisionSearch.Hnsw;

/// <summary>How an <see cref="HnswIndex"/> stores the vectors it walks the graph with.</summary>
public enum Quantization
{
    /// <summary>Full float32 vectors: the graph is walked and results are ranked with exact distances.</summary>
    None = 0,

    /// <summary>
    /// Int8 scalar quantisation, one byte per dimension (per-dimension ranges): the graph is walked on the codes, a quarter of the
    /// memory traffic, and the best candidates are re-ranked with the full-precision vectors.
    /// </summary>
    Sq8 = 1,
}
