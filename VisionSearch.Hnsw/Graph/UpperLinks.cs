using System.Runtime.InteropServices;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// The link lists of layers 1 and up. About one node in M has any, so each gets a block of
/// level·(M + 1) ints (per layer a count, then M links) cut from large native arenas, the way
/// hnswlib mallocs one block per node, without one allocation each.
/// </summary>
internal sealed unsafe class UpperLinks : IDisposable
{
    private const int ArenaInts = 1 << 20;

    private readonly Lock _lock = new();
    private readonly List<nint> _arenas = [];
    private int _used = ArenaInts;

    public UpperLinks(int m)
    {
        LayerInts = m + 1;
    }

    /// <summary>Ints per layer: the count, then M links.</summary>
    public int LayerInts { get; }

    /// <summary>A block for layers 1..<paramref name="level"/>, every count zero.</summary>
    public int* Allocate(int level)
    {
        var ints = level * LayerInts;
        lock (_lock)
        {
            if (_used + ints > ArenaInts)
            {
                _arenas.Add((nint)MappedPages.Allocate(ArenaInts * sizeof(int)));
                _used = 0;
            }

            var block = (int*)_arenas[^1] + _used;
            _used += ints; // arenas come zeroed and no block is handed out twice
            return block;
        }
    }

    /// <summary>The bytes of every arena allocated so far.</summary>
    public long AllocatedBytes
    {
        get
        {
            lock (_lock)
            {
                return (long)_arenas.Count * ArenaInts * sizeof(int);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var arena in _arenas)
            {
                MappedPages.Free((void*)arena, ArenaInts * sizeof(int));
            }

            _arenas.Clear();
            _used = ArenaInts;
        }
    }
}
