using System.Text.Json.Serialization;

namespace VisionSearch.Hnsw;

/// <summary>How an <see cref="HnswIndex"/> stores the vectors it walks the graph with. In JSON, its name (<see cref="Names.Quantization"/>).</summary>
[JsonConverter(typeof(QuantizationJsonConverter))]
public enum Quantization
{
    /// <summary>Full float32 vectors: the graph is walked and results are ranked with exact distances.</summary>
    None = 0,

    /// <summary>
    /// Int8 scalar quantisation, one byte per dimension (per-dimension ranges): the graph is walked on the codes, a quarter of the
    /// memory traffic, and the best candidates are re-ranked with the full-precision vectors.
    /// </summary>
    Sq8 = 1,

    /// <summary>
    /// RaBitQ one-bit codes (a random rotation, then one bit per dimension and four floats per vector: 80 bytes for
    /// 512-d, a 25th of float32): the graph is walked on estimated distances, and only candidates whose error bound
    /// lets them reach the top k are re-ranked with the full-precision vectors.
    /// </summary>
    RaBitQ = 2,
}
