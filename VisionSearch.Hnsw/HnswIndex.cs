using System.Runtime.CompilerServices;
using VisionSearch.Hnsw.Graph;

namespace VisionSearch.Hnsw;

/// <summary>
/// A hierarchical navigable small world graph (Malkov and Yashunin), built the way hnswlib builds it:
/// M links per node on upper layers and 2·M on layer 0, levels drawn with 1/ln(M), hnswlib's
/// neighbour-selection heuristic, replace-deleted slot reuse. Any number of threads may add, delete
/// and search at once: searches read links without locks (every id they can see is a valid node),
/// and a writer holds one striped spin lock at a time, only while it rewrites one link list.
/// Writing a snapshot and disposing must not overlap other writers.
/// </summary>
public sealed unsafe partial class HnswIndex : IDisposable
{
    /// <summary>Layers above this are never drawn; with M = 2 the chance of reaching it is 2^-30 per node.</summary>
    private const int MaxLevel = 30;

    /// <summary>Layer-0 list header: the low 16 bits count links (2·M ≤ 512), this bit marks the node deleted.</summary>
    private const int DeletedBit = 1 << 16;
    private const int CountMask = 0xFFFF;

    private const int LinkLockStripes = 4096;
    private const int LabelLockStripes = 64;

    private readonly int _m;
    private readonly int _maxM0;
    private readonly double _levelMultiplier;
    private readonly VectorStore _vectors;
    private readonly NodePages _links0;
    private readonly NodePages _meta;
    private readonly UpperLinks _upper;

    private readonly int[] _linkLocks = new int[LinkLockStripes];
    private readonly Lock[] _labelLocks = [.. Enumerable.Range(0, LabelLockStripes).Select(_ => new Lock())];
    private readonly Lock _slotLock = new();
    private readonly LabelSlots _slots = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly SearchContext?[] _contexts = new SearchContext?[Math.Max(4, Environment.ProcessorCount * 2)];

    private int _slotCount;
    private int _deletedSlots;
    private long _levelDraws;

    /// <summary>The entry point and the top layer, packed so that both change in one atomic write.</summary>
    private long _entry = Pack(-1, -1);

    /// <summary>Creates an empty index.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    public HnswIndex(HnswOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _m = options.M;
        _maxM0 = 2 * options.M;
        _levelMultiplier = 1 / Math.Log(options.M);
        _vectors = new VectorStore(options.Dimension, options.Metric, options.Quantization, options.OriginalsPath, options.Seed);
        _links0 = new NodePages((_maxM0 + 1) * sizeof(int));
        _meta = new NodePages(MetaBytes);
        _upper = new UpperLinks(options.M);
    }

    /// <summary>The options the index was created with.</summary>
    public HnswOptions Options { get; }

    /// <summary>The length of every vector.</summary>
    public int Dimension => Options.Dimension;

    /// <summary>
    /// The native memory the index holds: vectors (and int8 originals kept in memory), both link layers and node
    /// metadata and the label map, as allocated (pages of 16,384 nodes, so it grows in steps).
    /// </summary>
    public long MemoryBytes => _vectors.AllocatedBytes + _links0.AllocatedBytes + _meta.AllocatedBytes + _upper.AllocatedBytes + _slots.AllocatedBytes;

    /// <summary>How many vectors are searchable (added and not deleted).</summary>
    public int Count
    {
        get
        {
            lock (_slotLock)
            {
                return _slots.Count;
            }
        }
    }

    /// <summary>Node slots in use, live or deleted (deleted ones wait to be reused).</summary>
    internal int SlotCount => Volatile.Read(ref _slotCount);

    /// <summary>Whether <paramref name="label"/> is in the index.</summary>
    public bool Contains(int label)
    {
        lock (_slotLock)
        {
            return _slots.ContainsKey(label);
        }
    }

    /// <summary>
    /// The stored vector of <paramref name="label"/> at full precision (normalised under cosine), or null when
    /// the label is not in the index: what a "more like this" query searches with.
    /// </summary>
    public float[]? GetVector(int label)
    {
        lock (LabelLock(label))
        {
            int slot;
            lock (_slotLock)
            {
                if (!_slots.TryGetValue(label, out slot))
                {
                    return null;
                }
            }

            var vector = new float[Dimension];
            fixed (float* scratch = vector)
            {
                var full = _vectors.FullVector(slot, scratch);
                if (full != scratch)
                {
                    new ReadOnlySpan<float>(full, Dimension).CopyTo(vector);
                }
            }

            return vector;
        }
    }

    /// <summary>Frees the native memory now. No other call may run during or after it.</summary>
    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// An index that is swapped out while searches may still hold it is simply dropped: the GC frees its
    /// native memory once nothing references it (the pages report their size as memory pressure).
    /// </summary>
    ~HnswIndex() => Release();

    private void Release()
    {
        // Null-conditional: the finalizer also runs when the constructor threw half way.
        _vectors?.Dispose();
        _links0?.Dispose();
        _meta?.Dispose();
        _upper?.Dispose();
        _slots?.Dispose();
        for (var i = 0; i < _contexts.Length; i++)
        {
            Interlocked.Exchange(ref _contexts[i], null)?.Dispose();
        }
    }

    // Per-node metadata: label (int) at 0, level (byte) at 4, published (byte) at 5, upper links (int*) at 8.
    private const int MetaBytes = 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int LabelOf(int node) => *(int*)_meta[node];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int LevelOf(int node) => _meta[node][4];

    private bool IsPublished(int node) => Volatile.Read(ref _meta[node][5]) != 0;

    /// <summary>The link list of <paramref name="node"/> on <paramref name="level"/>: a header int, then the links.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int* LinksOf(int node, int level) =>
        level == 0 ? (int*)_links0[node] : *(int**)(_meta[node] + 8) + ((level - 1) * _upper.LayerInts);

    /// <summary>The bound on a node's links: 2·M on layer 0, M above.</summary>
    private int MaxLinks(int level) => level == 0 ? _maxM0 : _m;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsDeleted(int node) => (*(int*)_links0[node] & DeletedBit) != 0;

    private static long Pack(int node, int level) => ((long)level << 32) | (uint)node;

    private static (int Node, int Level) Unpack(long entry) => ((int)entry, (int)(entry >> 32));

    private void LockNode(int node)
    {
        ref var stripe = ref _linkLocks[node & (LinkLockStripes - 1)];
        var spinner = default(SpinWait);
        while (Interlocked.CompareExchange(ref stripe, 1, 0) != 0)
        {
            spinner.SpinOnce();
        }
    }

    private void UnlockNode(int node) => Volatile.Write(ref _linkLocks[node & (LinkLockStripes - 1)], 0);

    private SearchContext RentContext()
    {
        for (var i = 0; i < _contexts.Length; i++)
        {
            var context = Interlocked.Exchange(ref _contexts[i], null);
            if (context is not null)
            {
                return context;
            }
        }

        return new SearchContext(_vectors.ScratchLength);
    }

    private void ReturnContext(SearchContext context)
    {
        for (var i = 0; i < _contexts.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _contexts[i], context, null) is null)
            {
                return;
            }
        }

        context.Dispose();
    }
}
