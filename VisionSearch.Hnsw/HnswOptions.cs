namespace VisionSearch.Hnsw;

/// <summary>The shape of an <see cref="HnswIndex"/>; the names and defaults are hnswlib's.</summary>
public sealed record HnswOptions
{
    /// <summary>The most links kept per node beyond layer 0, where the graph is bounded by the paper's <c>M_max</c> = M.</summary>
    public const int MaxM = 256;

    /// <summary>hnswlib's default <see cref="M"/>.</summary>
    public const int DefaultM = 16;

    /// <summary>hnswlib's default <see cref="EfConstruction"/>.</summary>
    public const int DefaultEfConstruction = 200;

    /// <summary>The default <see cref="Metric"/>: CLIP vectors are compared by angle.</summary>
    public const Metric DefaultMetric = Metric.Cosine;

    /// <summary>The length of every vector.</summary>
    public required int Dimension { get; init; }

    /// <summary>How vectors are compared.</summary>
    public Metric Metric { get; init; } = DefaultMetric;

    /// <summary>Links per node on the upper layers; layer 0 keeps 2·M, as hnswlib does.</summary>
    public int M { get; init; } = DefaultM;

    /// <summary>The candidate list size while inserting: larger builds a better graph, slower.</summary>
    public int EfConstruction { get; init; } = DefaultEfConstruction;

    /// <summary>Seeds the level draws, so that a build with one thread is reproducible.</summary>
    public int Seed { get; init; } = 100;

    /// <summary>Full float32 vectors, int8 codes or one-bit RaBitQ codes for the graph walk.</summary>
    public Quantization Quantization { get; init; } = Quantization.None;

    /// <summary>
    /// With <see cref="Quantization.Sq8"/> or <see cref="Quantization.RaBitQ"/>, a file that holds the full-precision vectors used to re-rank
    /// the candidates, read with positional reads (batched through io_uring where Linux offers it), so that they stay
    /// in the page cache instead of the process's memory. Null keeps them in memory.
    /// </summary>
    public string? OriginalsPath { get; init; }

    /// <summary>
    /// False reads the originals file with one <c>pread</c> a candidate even where io_uring is there: the path every
    /// search takes on a kernel or in a container without it, which the tests walk through on this one.
    /// </summary>
    internal bool OriginalsThroughIoRing { get; init; } = true;

    /// <summary>Checks every field; the index calls it on construction.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field is outside its range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Dimension, 1, nameof(Dimension));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Dimension, ExactIndex.MaxDimension, nameof(Dimension));
        ArgumentOutOfRangeException.ThrowIfLessThan(M, 2, nameof(M));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(M, MaxM, nameof(M));
        ArgumentOutOfRangeException.ThrowIfLessThan(EfConstruction, 1, nameof(EfConstruction));
        if (!Enum.IsDefined(Metric))
        {
            throw new ArgumentOutOfRangeException(nameof(Metric), Metric, "Unknown metric.");
        }

        if (!Enum.IsDefined(Quantization))
        {
            throw new ArgumentOutOfRangeException(nameof(Quantization), Quantization, "Unknown quantization.");
        }
    }
}
