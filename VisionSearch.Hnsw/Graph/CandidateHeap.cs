using System.Runtime.CompilerServices;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// A binary max-heap on distance over a reused array. The search keeps two: the results, whose root is
/// the farthest kept, and the frontier, pushed with negated distances so that its root is the nearest.
/// </summary>
internal sealed class CandidateHeap
{
    private Candidate[] _items = new Candidate[64];

    public int Count { get; private set; }

    public Candidate Top => _items[0];

    public void Clear() => Count = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(float distance, int node)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        var items = _items;
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (items[parent].Distance >= distance)
            {
                break;
            }

            items[i] = items[parent];
            i = parent;
        }

        items[i] = new Candidate(distance, node);
    }

    /// <summary>Keeps the <paramref name="capacity"/> nearest offered: pushes while there is room, else replaces the farthest if closer.</summary>
    public void Keep(float distance, int node, int capacity)
    {
        if (Count < capacity)
        {
            Push(distance, node);
        }
        else if (distance < Top.Distance)
        {
            Pop();
            Push(distance, node);
        }
    }

    public Candidate Pop()
    {
        var items = _items;
        var top = items[0];
        var last = items[--Count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && items[child + 1].Distance > items[child].Distance)
            {
                child++;
            }

            if (items[child].Distance <= last.Distance)
            {
                break;
            }

            items[i] = items[child];
            i = child;
        }

        if (Count > 0)
        {
            items[i] = last;
        }

        return top;
    }

    /// <summary>Empties the heap into <paramref name="destination"/>, nearest first; returns how many.</summary>
    public int DrainAscending(Span<Candidate> destination)
    {
        var count = Count;
        for (var i = count - 1; i >= 0; i--)
        {
            destination[i] = Pop();
        }

        return count;
    }
}
