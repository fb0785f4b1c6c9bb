namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// The vectors the graph is walked with (float32, or int8 codes plus the originals kept for
/// re-ranking), one record per node in <see cref="NodePages"/>.
/// </summary>
internal sealed unsafe class VectorStore : IDisposable
{
    public VectorStore(int dimension, Metric metric, Quantization quantization, string? originalsPath)
    {
        Dimension = dimension;
        Metric = metric;
        Quantization = quantization;
        if (quantization == Quantization.Sq8)
        {
            Walk = new NodePages(dimension);
            Quantizer = new ScalarQuantizer(dimension);
            Originals = new OriginalVectors(dimension, originalsPath);
        }
        else
        {
            Walk = new NodePages(dimension * sizeof(float));
        }
    }

    public int Dimension { get; }

    public Metric Metric { get; }

    public Quantization Quantization { get; }

    /// <summary>Per node, the float32 vector or the int8 codes.</summary>
    public NodePages Walk { get; }

    public ScalarQuantizer? Quantizer { get; }

    public OriginalVectors? Originals { get; }

    /// <summary>The memory of the walk records and of originals kept in memory.</summary>
    public long AllocatedBytes => Walk.AllocatedBytes + (Originals?.AllocatedBytes ?? 0);

    public void EnsureCapacity(int nodes)
    {
        Walk.EnsureCapacity(nodes);
        Originals?.EnsureCapacity(nodes);
    }

    /// <summary>Stores a prepared (cosine: normalised) vector for <paramref name="node"/>.</summary>
    public void Write(int node, float* vector)
    {
        if (Quantizer is null)
        {
            Buffer.MemoryCopy(vector, Walk[node], Walk.RecordBytes, Walk.RecordBytes);
            return;
        }

        Quantizer.Encode(vector, Walk[node]);
        Originals!.Write(node, vector);
    }

    /// <summary>The vector the graph sees for <paramref name="node"/>: in place, or decoded into <paramref name="scratch"/>.</summary>
    public float* WalkVector(int node, float* scratch)
    {
        if (Quantizer is null)
        {
            return (float*)Walk[node];
        }

        Quantizer.Decode(Walk[node], scratch);
        return scratch;
    }

    /// <summary>The full-precision vector of <paramref name="node"/>: in place, or read into <paramref name="scratch"/>.</summary>
    public float* FullVector(int node, float* scratch)
    {
        if (Originals is null)
        {
            return (float*)Walk[node];
        }

        Originals.Read(node, scratch);
        return scratch;
    }

    /// <summary>The exact distance between two full-precision vectors (hnswlib's convention, see <see cref="Neighbor.Distance"/>).</summary>
    public float Exact(float* a, float* b) => Distances.Compute(Metric, a, b, Dimension);

    public void Dispose()
    {
        Walk.Dispose();
        Originals?.Dispose();
    }
}
