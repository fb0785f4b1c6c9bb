using System.Runtime.CompilerServices;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// Label to node slot: an open-addressing table of (label, slot + 1) pairs with linear probing, in one native block
/// (<see cref="MappedPages"/>) that a growth replaces and frees at once. A <c>Dictionary&lt;int, int&gt;</c> took 20
/// bytes an entry at up to twice the entries' count, and left each outgrown table in the large object heap until a
/// full collection, which a build may never cause: 4.3 MB of the 100k-vector one-bit index's 37 went with it. This takes 8
/// bytes a pair at a load of at most 0.8. Not thread-safe: the index calls it under its slot lock.
/// </summary>
internal sealed unsafe class LabelSlots : IDisposable
{
    private const int MinCapacity = 16;

    /// <summary>Pairs of (label, slot + 1); slot + 1 == 0 marks an empty cell, so every label value is allowed.</summary>
    private long* _cells;
    private int _capacity;
    private int _shift;

    public int Count { get; private set; }

    /// <summary>How many labels fit before the table grows.</summary>
    public int Capacity => MaxCount(_capacity);

    /// <summary>The bytes of the table.</summary>
    public long AllocatedBytes => (long)_capacity * sizeof(long);

    /// <summary>Grows, in one step, to hold at least <paramref name="count"/> labels.</summary>
    public void EnsureCapacity(int count)
    {
        if (count <= Capacity)
        {
            return;
        }

        var capacity = Math.Max(_capacity, MinCapacity);
        while (MaxCount(capacity) < count)
        {
            capacity = checked(capacity * 2);
        }

        var cells = _cells;
        var old = _capacity;
        _cells = (long*)MappedPages.Allocate((nuint)capacity * sizeof(long));
        _capacity = capacity;
        _shift = 32 - int.Log2(capacity);
        for (var i = 0; i < old; i++)
        {
            if (Slot(cells[i]) >= 0)
            {
                _cells[Find(Label(cells[i]))] = cells[i]; // labels are distinct: Find ends on an empty cell
            }
        }

        MappedPages.Free(cells, (nuint)old * sizeof(long));
    }

    public bool TryGetValue(int label, out int slot)
    {
        var cell = Find(label);
        slot = cell < 0 ? -1 : Slot(_cells[cell]);
        return slot >= 0;
    }

    public bool ContainsKey(int label) => TryGetValue(label, out _);

    /// <summary>Maps <paramref name="label"/> to <paramref name="slot"/> unless it is mapped already.</summary>
    public bool TryAdd(int label, int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        if (TryGetValue(label, out _))
        {
            return false;
        }

        Insert(label, slot);
        return true;
    }

    /// <summary>Maps <paramref name="label"/> to <paramref name="slot"/>, replacing what it was mapped to.</summary>
    public void Set(int label, int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        var cell = Find(label);
        if (cell >= 0 && Slot(_cells[cell]) >= 0)
        {
            _cells[cell] = Pair(label, slot);
            return;
        }

        Insert(label, slot);
    }

    /// <summary>Unmaps <paramref name="label"/>; the cells after it in its run shift back, so lookups need no tombstones.</summary>
    public bool Remove(int label)
    {
        var hole = Find(label);
        if (hole < 0 || Slot(_cells[hole]) < 0)
        {
            return false;
        }

        var mask = _capacity - 1;
        for (var next = (hole + 1) & mask; Slot(_cells[next]) >= 0; next = (next + 1) & mask)
        {
            // A cell may move back into the hole only if its home lies at or before the hole on its probe path.
            var home = Home(Label(_cells[next]));
            if (((next - home) & mask) >= ((next - hole) & mask))
            {
                _cells[hole] = _cells[next];
                hole = next;
            }
        }

        _cells[hole] = 0;
        Count--;
        return true;
    }

    public void Dispose()
    {
        MappedPages.Free(_cells, (nuint)_capacity * sizeof(long));
        _cells = null;
        _capacity = 0;
    }

    private static int MaxCount(int capacity) => (int)(capacity * 4L / 5);

    private static long Pair(int label, int slot) => (uint)label | ((long)(slot + 1) << 32);

    private static int Label(long pair) => (int)pair;

    private static int Slot(long pair) => (int)(pair >> 32) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(int label) => (int)(((uint)label * 0x9E3779B9u) >> _shift); // Fibonacci hashing: sequential labels spread

    /// <summary>The cell holding <paramref name="label"/>, the empty cell its probe ends on, or -1 before the first label.</summary>
    private int Find(int label)
    {
        if (_capacity == 0)
        {
            return -1;
        }

        var mask = _capacity - 1;
        var cell = Home(label);
        while (Slot(_cells[cell]) >= 0 && Label(_cells[cell]) != label)
        {
            cell = (cell + 1) & mask;
        }

        return cell;
    }

    /// <summary>Adds <paramref name="label"/>, which is not mapped, growing first if the table is full.</summary>
    private void Insert(int label, int slot)
    {
        EnsureCapacity(Count + 1);
        _cells[Find(label)] = Pair(label, slot);
        Count++;
    }
}
