using System.Buffers;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// The vectors the graph is walked with (float32, or int8 or one-bit codes plus the originals kept for
/// re-ranking), one record per node in <see cref="NodePages"/>.
/// </summary>
internal sealed unsafe class VectorStore : IDisposable
{
    public VectorStore(int dimension, Metric metric, Quantization quantization, string? originalsPath, int seed)
    {
        Dimension = dimension;
        Metric = metric;
        Quantization = quantization;
        switch (quantization)
        {
            case Quantization.Sq8:
                Walk = new NodePages(dimension);
                Quantizer = new ScalarQuantizer(dimension);
                Originals = new OriginalVectors(dimension, originalsPath);
                break;
            case Quantization.RaBitQ:
                Bits = new BitQuantizer(dimension, metric, seed);
                Walk = new NodePages(Bits.RecordBytes);
                Originals = new OriginalVectors(dimension, originalsPath);
                break;
            default:
                Walk = new NodePages(dimension * sizeof(float));
                break;
        }
    }

    public int Dimension { get; }

    public Metric Metric { get; }

    public Quantization Quantization { get; }

    /// <summary>Per node, the float32 vector or the int8 codes.</summary>
    public NodePages Walk { get; }

    public ScalarQuantizer? Quantizer { get; }

    public BitQuantizer? Bits { get; }

    /// <summary>The floats a scratch buffer needs: the vector, or its rotation padded to a power of two.</summary>
    public int ScratchLength => Math.Max(Dimension, Bits?.Padded ?? 0);

    /// <summary>Whether the codes' parameters are fitted (always, without quantisation).</summary>
    public bool IsTrained => Quantizer?.IsTrained ?? Bits?.IsTrained ?? true;

    public OriginalVectors? Originals { get; }

    /// <summary>The memory of the walk records and of originals kept in memory.</summary>
    public long AllocatedBytes => Walk.AllocatedBytes + (Originals?.AllocatedBytes ?? 0);

    public void EnsureCapacity(int nodes)
    {
        Walk.EnsureCapacity(nodes);
        Originals?.EnsureCapacity(nodes);
    }

    /// <summary>Fits the codes' parameters to <paramref name="rows"/> (see the quantizers' Train).</summary>
    public void Train(ReadOnlySpan<float> rows, SpanAction<float, int> prepare)
    {
        Quantizer?.Train(rows, prepare);
        Bits?.Train(rows, prepare);
    }

    /// <summary>Stores a prepared (cosine: normalised) vector for <paramref name="node"/>; <paramref name="scratch"/> holds <see cref="ScratchLength"/> floats.</summary>
    public void Write(int node, float* vector, float* scratch)
    {
        if (Originals is null)
        {
            Buffer.MemoryCopy(vector, Walk[node], Walk.RecordBytes, Walk.RecordBytes);
            return;
        }

        if (Bits is not null)
        {
            Bits.Encode(vector, Walk[node], scratch);
        }
        else
        {
            Quantizer!.Encode(vector, Walk[node]);
        }

        Originals.Write(node, vector);
    }

    /// <summary>
    /// The vector a node is measured from in the graph code: in place, decoded from int8 into <paramref name="scratch"/>,
    /// or, behind one-bit codes, which cannot be decoded usefully, the original read into it.
    /// </summary>
    public float* WalkVector(int node, float* scratch)
    {
        if (Quantizer is not null)
        {
            Quantizer.Decode(Walk[node], scratch);
            return scratch;
        }

        return FullVector(node, scratch);
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
