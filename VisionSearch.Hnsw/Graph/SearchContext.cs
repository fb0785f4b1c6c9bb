using System.Runtime.InteropServices;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// Everything one search or insert needs besides the graph: the visited marks (a generation tag per
/// node, cleared only when the tag wraps, as in hnswlib's and Qdrant's visited pools), both heaps and
/// vector-sized scratch buffers. Pooled per index, so a search allocates nothing.
/// </summary>
internal sealed unsafe class SearchContext : IDisposable
{
    private const int Buffers = 5;

    private readonly int _stride;
    private float* _scratch;
    private float* _kept;
    private int _keptCapacity;
    private float* _batch;
    private IoRing? _ring;
    private bool _ringTried;
    private ushort* _visited;
    private int _visitedLength;
    private ushort _tag;

    public SearchContext(int dimension)
    {
        _stride = (dimension + 15) & ~15; // each buffer starts on a 64-byte line
        _scratch = (float*)NativeMemory.AlignedAlloc((nuint)(_stride * Buffers * sizeof(float)), 64);
    }

    public CandidateHeap Frontier { get; } = new();

    public CandidateHeap Results { get; } = new();

    /// <summary>Results or candidates in ascending order, for selection and re-ranking.</summary>
    public Candidate[] Sorted { get; private set; } = new Candidate[64];

    /// <summary>Links chosen by the neighbour heuristic.</summary>
    public int[] Selected { get; private set; } = new int[64];

    /// <summary>The prepared query, and the scratch its quantised form is folded into.</summary>
    public float* Query => _scratch;

    public float* QueryScratch => _scratch + _stride;

    /// <summary>A stored node's vector, for node-to-node distances, and its scratch.</summary>
    public float* Node => _scratch + (2 * _stride);

    public float* NodeScratch => _scratch + (3 * _stride);

    /// <summary>A full-precision vector read for re-ranking.</summary>
    public float* Full => _scratch + (4 * _stride);

    public Span<Candidate> SortedSpan(int count)
    {
        if (Sorted.Length < count)
        {
            Sorted = new Candidate[Math.Max(count, Sorted.Length * 2)];
        }

        return Sorted.AsSpan(0, count);
    }

    public Span<int> SelectedSpan(int count)
    {
        if (Selected.Length < count)
        {
            Selected = new int[Math.Max(count, Selected.Length * 2)];
        }

        return Selected.AsSpan(0, count);
    }

    /// <summary>Room for <see cref="IoRing.Capacity"/> vectors read from the originals file, <see cref="Stride"/> floats apart.</summary>
    public float* BatchBuffers
    {
        get
        {
            if (_batch is null)
            {
                _batch = (float*)NativeMemory.AlignedAlloc((nuint)IoRing.Capacity * (nuint)_stride * sizeof(float), 64);
            }

            return _batch;
        }
    }

    /// <summary>
    /// This context's io_uring for reading originals, made on first use; null where the kernel offers none, and from
    /// the time a submission failed part way (the context reads with <c>pread</c> from then on).
    /// </summary>
    public IoRing? Ring
    {
        get
        {
            if (!_ringTried)
            {
                _ringTried = true;
                _ring = IoRing.TryCreate();
            }
            else if (_ring is { Faulted: true })
            {
                _ring.Dispose();
                _ring = null;
            }

            return _ring;
        }
    }

    /// <summary>Floats from one scratch buffer to the next.</summary>
    public int Stride => _stride;

    /// <summary>Makes room for <paramref name="count"/> <see cref="KeptScratch"/> buffers; earlier ones may move.</summary>
    public void EnsureKeptScratch(int count)
    {
        if (count > _keptCapacity)
        {
            NativeMemory.AlignedFree(_kept);
            _kept = (float*)NativeMemory.AlignedAlloc((nuint)count * (nuint)_stride * sizeof(float), 64);
            _keptCapacity = count;
        }
    }

    /// <summary>The scratch of the <paramref name="index"/>-th neighbour kept by the selection heuristic.</summary>
    public float* KeptScratch(int index) => _kept + ((nint)index * _stride);

    /// <summary>Starts a visit over nodes below <paramref name="capacity"/>: marks equal to <paramref name="tag"/> are visited.</summary>
    public Span<ushort> BeginVisit(int capacity, out ushort tag)
    {
        if (_visitedLength < capacity)
        {
            // Native, so the outgrown marks go back at once: as managed arrays they stayed in the large object heap
            // until a full collection, about 124 MB of them at the end of a 1M-vector build on two threads.
            MappedPages.Free(_visited, VisitedBytes);
            _visited = (ushort*)MappedPages.Allocate((nuint)capacity * sizeof(ushort));
            _visitedLength = capacity;
            _tag = 0;
        }

        var visited = new Span<ushort>(_visited, _visitedLength);
        if (++_tag == 0)
        {
            visited.Clear();
            _tag = 1;
        }

        tag = _tag;
        return visited;
    }

    private nuint VisitedBytes => (nuint)_visitedLength * sizeof(ushort);

    public void Dispose()
    {
        NativeMemory.AlignedFree(_scratch);
        NativeMemory.AlignedFree(_kept);
        MappedPages.Free(_visited, VisitedBytes);
        NativeMemory.AlignedFree(_batch);
        _ring?.Dispose();
        _scratch = null;
        _batch = null;
        _ring = null;
        _kept = null;
        _visited = null;
        _visitedLength = 0;
    }
}
