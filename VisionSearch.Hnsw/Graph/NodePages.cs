using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// A fixed-size record per node in native memory, in pages of <see cref="PageSize"/> nodes, each page
/// one 64-byte-aligned block. Growing adds pages and publishes a new page table; nothing already
/// stored moves, so readers never wait for growth and pointers stay valid until disposal. Pages come
/// zeroed and untouched (see <see cref="MappedPages"/>): a record's zero value means "empty" (link counts,
/// flags), and capacity that is never written does not become resident memory beyond the huge page it
/// shares with written records.
/// </summary>
internal sealed unsafe class NodePages : IDisposable
{
    /// <summary>2^14 nodes per page: 32 MiB of 512-d float vectors, a few MiB of links.</summary>
    public const int PageShift = 14;
    public const int PageSize = 1 << PageShift;
    private const int PageMask = PageSize - 1;

    private readonly Lock _growLock = new();
    private nint[] _pages = [];

    /// <param name="recordBytes">Bytes per node.</param>
    public NodePages(int recordBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recordBytes, 1);
        RecordBytes = recordBytes;
    }

    /// <summary>Bytes per node.</summary>
    public int RecordBytes { get; }

    /// <summary>
    /// The page size from which pages ask for huge pages: the last page's huge page, touched by its first record, is
    /// resident whole, so on pages of a few MB (links, one-bit codes) huge pages cost up to 2 MB an index and bought
    /// nothing measurable (100k one-bit vectors: 31.8 MB instead of 33.5, search as fast), while on vector pages of
    /// tens of MB they cost a few per cent at most.
    /// </summary>
    private const nuint HugePagesFrom = 8 * 1024 * 1024;

    private nuint PageBytes => (nuint)PageSize * (nuint)RecordBytes;

    /// <summary>How many nodes fit without growing.</summary>
    public int Capacity => Volatile.Read(ref _pages).Length << PageShift;

    /// <summary>The bytes of every page allocated so far.</summary>
    public long AllocatedBytes => (long)Capacity * RecordBytes;

    /// <summary>The record of <paramref name="node"/>, which must be below <see cref="Capacity"/>.</summary>
    public byte* this[int node]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var page = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_pages), node >> PageShift);
            return (byte*)page + ((nint)(node & PageMask) * RecordBytes);
        }
    }

    /// <summary>The records of nodes [<paramref name="first"/>, first + count) as one span; they must lie in one page.</summary>
    public Span<byte> Records(int first, int count) => new(this[first], count * RecordBytes);

    /// <summary>Adds pages until <paramref name="nodes"/> fit. Safe to call from several threads.</summary>
    public void EnsureCapacity(int nodes)
    {
        if (nodes <= Capacity)
        {
            return;
        }

        lock (_growLock)
        {
            var pages = _pages;
            var needed = (int)(((long)nodes + PageMask) >> PageShift);
            if (needed <= pages.Length)
            {
                return;
            }

            var grown = new nint[needed];
            pages.CopyTo(grown, 0);
            for (var p = pages.Length; p < needed; p++)
            {
                grown[p] = (nint)MappedPages.Allocate(PageBytes, huge: PageBytes >= HugePagesFrom);
                GC.AddMemoryPressure((long)PageBytes);
            }

            Volatile.Write(ref _pages, grown);
        }
    }

    public void Dispose()
    {
        lock (_growLock)
        {
            foreach (var page in _pages)
            {
                MappedPages.Free((void*)page, PageBytes);
                GC.RemoveMemoryPressure((long)PageBytes);
            }

            _pages = [];
        }
    }
}
