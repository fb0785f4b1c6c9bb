using System.Buffers;
using System.Runtime.CompilerServices;
using VisionSearch.Hnsw.Graph;

namespace VisionSearch.Hnsw;

public sealed unsafe partial class HnswIndex
{
    /// <summary>The search width used when a caller gives none: recall@10 ≈ 0.98 on CLIP-like data with M = 16.</summary>
    public const int DefaultEf = 64;

    /// <summary>
    /// The <paramref name="k"/> nearest live vectors to <paramref name="query"/>, closest first; fewer only
    /// when fewer than k vectors are live (and pass <paramref name="filter"/>).
    /// </summary>
    /// <param name="query">A vector of <see cref="Dimension"/> finite values.</param>
    /// <param name="k">How many results, at least 1.</param>
    /// <param name="ef">The candidate list size, raised to k when smaller; 0 means <see cref="DefaultEf"/>.</param>
    /// <param name="filter">When given, only labels it accepts are returned. If the graph walk finds fewer than k, the index is scanned.</param>
    /// <exception cref="ArgumentException">The query has the wrong length, a non-finite value or (cosine) zero length.</exception>
    public Neighbor[] Search(ReadOnlySpan<float> query, int k, int ef = 0, Func<int, bool>? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var results = new Neighbor[k];
        var count = Search(query, results, ef, filter);
        return count == k ? results : results[..count];
    }

    /// <summary>
    /// As <see cref="Search(ReadOnlySpan{float}, int, int, Func{int, bool}?)"/> with k = the destination's
    /// length, writing into <paramref name="destination"/>; allocates nothing. Returns how many were written.
    /// </summary>
    public int Search(ReadOnlySpan<float> query, Span<Neighbor> destination, int ef = 0, Func<int, bool>? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ef);
        Distances.Validate(query, Dimension, nameof(query));
        if (destination.IsEmpty)
        {
            return 0;
        }

        var context = RentContext();
        try
        {
            Distances.Prepare(Options.Metric, query, new Span<float>(context.Query, Dimension), nameof(query));
            var width = Math.Max(ef == 0 ? DefaultEf : ef, destination.Length);
            return (Options.Quantization, Options.Metric) switch
            {
                (Quantization.None, Metric.L2) => SearchGraph<FloatL2>(context, destination, width, filter),
                (Quantization.None, _) => SearchGraph<FloatDot>(context, destination, width, filter),
                (Quantization.Sq8, Metric.L2) => SearchGraph<CodeL2>(context, destination, width, filter),
                (Quantization.Sq8, _) => SearchGraph<CodeDot>(context, destination, width, filter),
                _ => SearchGraph<BitEstimate>(context, destination, width, filter),
            };
        }
        finally
        {
            ReturnContext(context);
        }
    }

    /// <summary>
    /// The <paramref name="k"/> nearest of <paramref name="labels"/>, exactly: each one measured at full precision, no
    /// graph walked. What a selective filter searches with, where the matching items are fewer than a walk would
    /// measure. Labels not in the index are passed over.
    /// </summary>
    /// <exception cref="ArgumentException">The query has the wrong length, a non-finite value or (cosine) zero length.</exception>
    public Neighbor[] SearchAmong(ReadOnlySpan<float> query, int k, ReadOnlySpan<int> labels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        Distances.Validate(query, Dimension, nameof(query));
        var nodes = ArrayPool<int>.Shared.Rent(Math.Max(labels.Length, 1));
        var context = RentContext();
        try
        {
            var count = 0;
            lock (_slotLock)
            {
                foreach (var label in labels)
                {
                    if (_slots.TryGetValue(label, out var slot))
                    {
                        nodes[count++] = slot;
                    }
                }
            }

            Distances.Prepare(Options.Metric, query, new Span<float>(context.Query, Dimension), nameof(query));
            var results = context.Results;
            results.Clear();
            for (var i = 0; i < count; i++)
            {
                var node = nodes[i];
                if (!IsPublished(node) || IsDeleted(node))
                {
                    continue;
                }

                results.Keep(_vectors.Exact(context.Query, _vectors.FullVector(node, context.Full)), node, k);
            }

            var found = context.SortedSpan(results.Count);
            results.DrainAscending(found);
            var neighbors = new Neighbor[found.Length];
            for (var i = 0; i < found.Length; i++)
            {
                neighbors[i] = new Neighbor(LabelOf(found[i].Node), found[i].Distance);
            }

            return neighbors;
        }
        finally
        {
            ReturnContext(context);
            ArrayPool<int>.Shared.Return(nodes);
        }
    }

    private int SearchGraph<T>(SearchContext context, Span<Neighbor> destination, int ef, Func<int, bool>? filter) where T : struct, INodeDistance<T>
    {
        var (entry, top) = Unpack(Volatile.Read(ref _entry));
        if (entry < 0)
        {
            return 0;
        }

        var query = T.From(_vectors, context.Query, context.QueryScratch);
        var current = entry;
        var currentDistance = query.To(current);
        for (var level = top; level > 0; level--)
        {
            Greedy(ref query, ref current, ref currentDistance, level);
        }

        SearchLayer(ref query, current, currentDistance, ef, 0, context, filter);
        if (context.Results.Count < destination.Length && context.Results.Count < Count)
        {
            // Deletions or a selective filter can leave the walk short of k while k matches exist.
            Scan(ref query, ef, context, filter);
        }

        var found = context.SortedSpan(context.Results.Count);
        context.Results.DrainAscending(found);
        if (_vectors.Originals is not null)
        {
            found = RerankWithinBounds(ref query, found, destination.Length, context);
        }

        var count = Math.Min(found.Length, destination.Length);
        for (var i = 0; i < count; i++)
        {
            destination[i] = new Neighbor(LabelOf(found[i].Node), found[i].Distance);
        }

        return count;
    }

    /// <summary>
    /// The exact top <paramref name="k"/> of <paramref name="found"/> (estimates, ascending), measuring with the originals
    /// only the candidates whose error bound lets them beat the k-th exact distance met so far, lowest bound first:
    /// RaBitQ's re-ranking rule, which reads few originals when the estimates are tight (int8) and more when they are
    /// not (one bit).
    /// </summary>
    private Span<Candidate> RerankWithinBounds<T>(scoped ref T query, Span<Candidate> found, int k, SearchContext context) where T : struct, INodeDistance<T>
    {
        for (var i = 0; i < found.Length; i++)
        {
            found[i] = new Candidate(query.LowerBound(found[i].Node, found[i].Distance), found[i].Node);
        }

        found.Sort(static (a, b) => a.Distance.CompareTo(b.Distance));
        var best = context.Results;
        best.Clear();
        var originals = _vectors.Originals!;
        var ring = originals.InFile && Options.OriginalsThroughIoRing ? context.Ring : null;
        var buffers = originals.InFile ? context.BatchBuffers : null;
        Span<nint> vectors = stackalloc nint[IoRing.Capacity];

        // In batches of up to k, each read from the file with one system call where the kernel has io_uring. A batch
        // takes the next candidates whose bounds beat the k-th exact distance as it stood when the batch began, so it
        // may read a few that reading one at a time would have ruled out; each read costs half as much.
        var batchSize = Math.Min(k, IoRing.Capacity);
        var next = 0;
        while (next < found.Length)
        {
            var limit = best.Count == k ? best.Top.Distance : float.PositiveInfinity;
            var end = next;
            while (end < found.Length && end - next < batchSize && found[end].Distance < limit)
            {
                end++;
            }

            if (end == next)
            {
                break;
            }

            var batch = found[next..end];
            originals.Locate(batch, vectors, buffers, context.Stride, ring);
            for (var i = 0; i < batch.Length; i++)
            {
                best.Keep(_vectors.Exact(context.Query, (float*)vectors[i]), batch[i].Node, k);
            }

            next = end;
        }

        // Every candidate measured lies at or before the one the loop stopped on, so draining over them is safe.
        var count = best.Count;
        best.DrainAscending(found);
        return found[..count];
    }

    /// <summary>Moves to the closest node on an upper layer until no neighbour is closer.</summary>
    private void Greedy<T>(ref T query, ref int current, ref float currentDistance, int level) where T : struct, INodeDistance<T>
    {
        bool changed;
        do
        {
            changed = false;
            var list = LinksOf(current, level);
            var count = *list & CountMask;
            for (var j = 1; j <= count; j++)
            {
                var node = list[j];
                var distance = query.To(node);
                if (distance < currentDistance)
                {
                    currentDistance = distance;
                    current = node;
                    changed = true;
                }
            }
        }
        while (changed);
    }

    /// <summary>
    /// hnswlib's searchBaseLayer: best-first from <paramref name="entry"/>, keeping the <paramref name="ef"/>
    /// nearest live (and accepted) nodes in <see cref="SearchContext.Results"/>; deleted or rejected nodes
    /// are walked through but not kept.
    /// </summary>
    [SkipLocalsInit]
    private void SearchLayer<T>(ref T query, int entry, float entryDistance, int ef, int level, SearchContext context, Func<int, bool>? filter)
        where T : struct, INodeDistance<T>
    {
        var visited = context.BeginVisit(_meta.Capacity, out var tag);
        var frontier = context.Frontier;
        var results = context.Results;
        frontier.Clear();
        results.Clear();

        // Without deletions or a filter every node is kept: skip reading the flag (a cache line per node).
        var everyNode = filter is null && Volatile.Read(ref _deletedSlots) == 0;
        var bound = float.MaxValue;
        if (everyNode || Keeps(entry, filter))
        {
            results.Push(entryDistance, entry);
            bound = entryDistance;
        }

        frontier.Push(-entryDistance, entry);
        visited[entry] = tag;
        var batch = stackalloc int[_maxM0];
        while (frontier.Count > 0)
        {
            var nearest = frontier.Top;
            if (-nearest.Distance > bound && results.Count >= ef)
            {
                break;
            }

            frontier.Pop();

            // First gather the unvisited neighbours and prefetch their vectors, then measure them: the
            // memory fetches overlap instead of stalling one distance at a time.
            var list = LinksOf(nearest.Node, level);
            var count = *list & CountMask;
            var pending = 0;
            for (var j = 1; j <= count; j++)
            {
                var node = list[j];

                // A node added after this search began may lie beyond the visited array: skip it.
                if ((uint)node >= (uint)visited.Length || visited[node] == tag)
                {
                    continue;
                }

                visited[node] = tag;
                batch[pending++] = node;
                PrefetchVector(node);
            }

            for (var j = 0; j < pending; j++)
            {
                var node = batch[j];
                var distance = query.To(node);
                if (results.Count < ef || distance < bound)
                {
                    frontier.Push(-distance, node);
                    if (everyNode || Keeps(node, filter))
                    {
                        results.Push(distance, node);
                        if (results.Count > ef)
                        {
                            results.Pop();
                        }

                        bound = results.Top.Distance;
                    }
                }
            }
        }
    }

    /// <summary>Prefetches up to the first 512 bytes of a node's vector; the hardware prefetcher streams the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrefetchVector(int node)
    {
        var record = _vectors.Walk[node];
        var bytes = Math.Min(_vectors.Walk.RecordBytes, 512);
        for (var offset = 0; offset < bytes; offset += 64)
        {
            VectorKernels.Prefetch(record + offset);
        }
    }

    /// <summary>Every live, accepted node measured: the fallback that makes "k results when k matches exist" hold.</summary>
    private void Scan<T>(ref T query, int ef, SearchContext context, Func<int, bool>? filter) where T : struct, INodeDistance<T>
    {
        var results = context.Results;
        results.Clear();
        var nodes = Volatile.Read(ref _slotCount);
        nodes = Math.Min(nodes, _meta.Capacity);
        for (var node = 0; node < nodes; node++)
        {
            if (!IsPublished(node) || !Keeps(node, filter))
            {
                continue;
            }

            results.Keep(query.To(node), node, ef);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Keeps(int node, Func<int, bool>? filter) => !IsDeleted(node) && (filter is null || filter(LabelOf(node)));
}
