using System.Text.Json.Serialization;

namespace VisionSearch.Hnsw;

/// <summary>How closeness between two vectors is measured. In JSON, its name (<see cref="Names.Metric"/>).</summary>
[JsonConverter(typeof(MetricJsonConverter))]
public enum Metric
{
    /// <summary>Cosine similarity: vectors are L2-normalised on insert and compared by dot product.</summary>
    Cosine = 0,

    /// <summary>Raw inner product (larger is closer).</summary>
    InnerProduct = 1,

    /// <summary>Squared Euclidean distance (smaller is closer).</summary>
    L2 = 2,
}
