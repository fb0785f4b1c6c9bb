using VisionSearch.Hnsw.Graph;

namespace VisionSearch.Hnsw;

public sealed unsafe partial class HnswIndex
{
    /// <summary>
    /// Adds <paramref name="vector"/> under <paramref name="label"/>, or replaces the vector of a label
    /// already present (upsert). A new label reuses the slot of a deleted one when there is one.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong length, a NaN or infinite value, or a zero vector under cosine.</exception>
    public void Add(int label, ReadOnlySpan<float> vector)
    {
        Distances.Validate(vector, Dimension, nameof(vector));
        EnsureQuantizer(vector);

        AddValidated(label, vector);
    }

    /// <summary>Adds a vector already checked, with the quantizer (if any) already fitted.</summary>
    private void AddValidated(int label, ReadOnlySpan<float> vector)
    {
        var context = RentContext();
        try
        {
            Distances.Prepare(Options.Metric, vector, new Span<float>(context.Query, Dimension), nameof(vector));
            AddPrepared(label, context);
        }
        finally
        {
            ReturnContext(context);
        }
    }

    /// <summary>
    /// Adds (or upserts) a batch on up to <paramref name="threads"/> threads: row i of
    /// <paramref name="vectors"/> (laid end to end) goes under <c>labels[i]</c>. Every vector is checked
    /// before any is added. With one thread the rows go in order and the graph is reproducible.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths disagree, or a vector is invalid (nothing is added).</exception>
    public void AddRange(IReadOnlyList<int> labels, ReadOnlyMemory<float> vectors, int threads = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (vectors.Length != (long)labels.Count * Dimension)
        {
            throw new ArgumentException($"{labels.Count} labels need {(long)labels.Count * Dimension} values; got {vectors.Length}.", nameof(vectors));
        }

        for (var i = 0; i < labels.Count; i++)
        {
            Distances.Validate(vectors.Span.Slice(i * Dimension, Dimension), Dimension, nameof(vectors));
        }

        EnsureQuantizer(vectors.Span);
        lock (_slotLock)
        {
            // One growth for a large batch, where doubling would leave every smaller table behind as garbage (resident
            // until a collection that a build may never cause); at least a doubling otherwise, as exactly enough for
            // each small batch would copy the whole table once per batch.
            var needed = _slots.Count + labels.Count;
            if (needed > _slots.Capacity)
            {
                _slots.EnsureCapacity(Math.Max(needed, 2 * _slots.Capacity));
            }
        }

        if (threads == 1)
        {
            for (var i = 0; i < labels.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                AddValidated(labels[i], vectors.Span.Slice(i * Dimension, Dimension));
            }

            return;
        }

        // Threads take rows one at a time from a shared counter, as hnswlib's add_items does, so the
        // graph grows in row order instead of from one front per thread.
        var next = -1;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        Parallel.For(0, threads, parallel, _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < labels.Count && !cancellationToken.IsCancellationRequested)
            {
                AddValidated(labels[i], vectors.Span.Slice(i * Dimension, Dimension));
            }
        });
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Deletes <paramref name="label"/>: it never appears in results again, and its slot goes to the next new label.</summary>
    /// <returns>Whether the label was present.</returns>
    public bool Delete(int label)
    {
        lock (LabelLock(label))
        {
            int slot;
            lock (_slotLock)
            {
                if (!_slots.TryGetValue(label, out slot))
                {
                    return false;
                }
            }

            // Hidden from searches (which skip the flag while nothing is deleted) before the slot can be handed out again.
            Interlocked.Increment(ref _deletedSlots);
            LockNode(slot);
            *LinksOf(slot, 0) |= DeletedBit;
            UnlockNode(slot);
            lock (_slotLock)
            {
                _slots.Remove(label);
                _freeSlots.Push(slot);
            }

            return true;
        }
    }

    /// <summary>Rows the codes are fitted on: enough for stable per-dimension extremes and stable centroids.</summary>
    private const int QuantizerSampleRows = 100_000;

    private Lock LabelLock(int label) => _labelLocks[(uint)label % LabelLockStripes];

    /// <summary>
    /// Fits the int8 ranges or the one-bit codes' centroids to the first vectors the index sees (normalised first under
    /// cosine). An empty batch fits nothing: ranges fitted on no rows would be empty, and every code would decode to zero.
    /// </summary>
    private void EnsureQuantizer(ReadOnlySpan<float> rows)
    {
        if (_vectors.IsTrained || rows.IsEmpty)
        {
            return; // the common case, without the lock every insert would otherwise take
        }

        lock (_slotLock)
        {
            if (_vectors.IsTrained)
            {
                return;
            }

            var metric = Options.Metric;
            _vectors.Train(rows[..Math.Min(rows.Length, QuantizerSampleRows * Dimension)], (row, _) => Distances.Prepare(metric, row, row, nameof(rows)));
        }
    }

    /// <summary>Adds the vector prepared in <see cref="SearchContext.Query"/>.</summary>
    private void AddPrepared(int label, SearchContext context)
    {
        lock (LabelLock(label))
        {
            int slot;
            bool present, reused = false;
            lock (_slotLock)
            {
                present = _slots.TryGetValue(label, out slot);
                if (!present && !(reused = _freeSlots.TryPop(out slot)))
                {
                    slot = _slotCount++;
                }
            }

            if (present || reused)
            {
                // hnswlib's updatePoint: the slot keeps its level and is rewired around its new vector.
                *(int*)_meta[slot] = label;
                _vectors.Write(slot, context.Query, context.QueryScratch);
                Dispatch(slot, context, repair: true);
                if (reused)
                {
                    LockNode(slot);
                    *LinksOf(slot, 0) &= ~DeletedBit;
                    UnlockNode(slot);
                    Interlocked.Decrement(ref _deletedSlots);
                }
            }
            else
            {
                _vectors.EnsureCapacity(slot + 1);
                _links0.EnsureCapacity(slot + 1);
                _meta.EnsureCapacity(slot + 1);
                var level = DrawLevel();
                var meta = _meta[slot];
                *(int*)meta = label;
                meta[4] = (byte)level;
                *(int**)(meta + 8) = level > 0 ? _upper.Allocate(level) : null;
                _vectors.Write(slot, context.Query, context.QueryScratch);
                Dispatch(slot, context, repair: false);
                Volatile.Write(ref meta[5], 1);
            }

            if (!present)
            {
                lock (_slotLock)
                {
                    _slots.Set(label, slot);
                }
            }
        }
    }

    private void Dispatch(int slot, SearchContext context, bool repair)
    {
        switch (Options.Quantization, Options.Metric)
        {
            case (Quantization.None, Metric.L2):
                Link<FloatL2>(slot, context, repair);
                break;
            case (Quantization.None, _):
                Link<FloatDot>(slot, context, repair);
                break;
            case (Quantization.Sq8, Metric.L2):
                Link<CodeL2>(slot, context, repair);
                break;
            case (Quantization.Sq8, _):
                Link<CodeDot>(slot, context, repair);
                break;
            default:
                Link<BitEstimate>(slot, context, repair);
                break;
        }
    }

    /// <summary>The level of a new node: ⌊−ln(U)·mL⌋ with mL = 1/ln(M), U from a seeded counter-based generator.</summary>
    private int DrawLevel()
    {
        var draw = (ulong)Interlocked.Increment(ref _levelDraws);
        var bits = SplitMix64(((ulong)(uint)Options.Seed << 32) ^ draw);
        var uniform = ((bits >> 11) + 1) * (1.0 / (1UL << 53)); // in (0, 1]
        return (int)Math.Min(-Math.Log(uniform) * _levelMultiplier, MaxLevel);
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>
    /// Wires <paramref name="slot"/> into the graph (hnswlib's addPoint), or with <paramref name="repair"/>
    /// rewires a slot whose vector changed (hnswlib's updatePoint): first its neighbours re-pick their
    /// links among their two-hop neighbourhood, then the slot picks its own afresh.
    /// </summary>
    private void Link<T>(int slot, SearchContext context, bool repair) where T : struct, INodeDistance<T>
    {
        var level = LevelOf(slot);
        if (repair)
        {
            for (var l = 0; l <= level; l++)
            {
                RepairNeighbours<T>(slot, l, context);
            }
        }

        var query = T.From(_vectors, context.Query, context.QueryScratch);
        int entry, top;
        while (true)
        {
            var packed = Volatile.Read(ref _entry);
            (entry, top) = Unpack(packed);
            if (entry >= 0)
            {
                break;
            }

            if (Interlocked.CompareExchange(ref _entry, Pack(slot, level), packed) == packed)
            {
                return; // the first node: nothing to link to
            }
        }

        var current = entry;
        var currentDistance = query.To(current);
        for (var l = top; l > level; l--)
        {
            Greedy(ref query, ref current, ref currentDistance, l);
        }

        // The node's own lists are written level by level, but the links back to it only once every
        // level is done: until then nothing points at it, so no other insert can walk into a node whose
        // lower lists are still empty (hnswlib gets the same by holding the node's lock throughout).
        var levels = Math.Min(level, top) + 1;
        Span<int> chosen = stackalloc int[levels * _m];
        Span<int> chosenCounts = stackalloc int[levels];
        for (var l = levels - 1; l >= 0; l--)
        {
            SearchLayer(ref query, current, currentDistance, Options.EfConstruction, l, context, filter: null);
            var found = DrainExcluding(context, slot);
            if (found.Length == 0)
            {
                continue;
            }

            current = found[0].Node;
            currentDistance = found[0].Distance;
            var count = SelectNeighbours<T>(found, _m, context);
            var mine = chosen.Slice(l * _m, count);
            context.Selected.AsSpan(0, count).CopyTo(mine);
            chosenCounts[l] = count;
            Connect<T>(slot, l, mine, replace: repair, context);
        }

        for (var l = levels - 1; l >= 0; l--)
        {
            foreach (var neighbour in chosen.Slice(l * _m, chosenCounts[l]))
            {
                Connect<T>(neighbour, l, [slot], replace: false, context);
            }
        }

        while (level > top)
        {
            var packed = Volatile.Read(ref _entry);
            if (Unpack(packed).Level >= level || Interlocked.CompareExchange(ref _entry, Pack(slot, level), packed) == packed)
            {
                break;
            }
        }
    }

    /// <summary>Empties the result heap in ascending order, leaving out <paramref name="self"/>.</summary>
    private static Span<Candidate> DrainExcluding(SearchContext context, int self)
    {
        var sorted = context.SortedSpan(context.Results.Count);
        var count = context.Results.DrainAscending(sorted);
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            if (sorted[i].Node != self)
            {
                sorted[kept++] = sorted[i];
            }
        }

        return sorted[..kept];
    }

    /// <summary>
    /// hnswlib's getNeighborsByHeuristic2: walking the candidates nearest first, keep one only if it is
    /// closer to the base than to every one already kept, so links spread in different directions.
    /// Fewer than <paramref name="max"/> candidates are all kept. The result is in <see cref="SearchContext.Selected"/>.
    /// Distances are measured from the kept ones, each prepared once when kept, rather than from every candidate:
    /// most candidates are rejected, and preparing one is a decode (int8) or a read and a rotation (one-bit codes).
    /// </summary>
    private int SelectNeighbours<T>(ReadOnlySpan<Candidate> ascending, int max, SearchContext context) where T : struct, INodeDistance<T>
    {
        var selected = context.SelectedSpan(Math.Min(max, ascending.Length));
        if (ascending.Length < max)
        {
            for (var i = 0; i < ascending.Length; i++)
            {
                selected[i] = ascending[i].Node;
            }

            return ascending.Length;
        }

        var kept = KeptDistances<T>.Get(max);
        context.EnsureKeptScratch(max);
        var count = 0;
        foreach (var candidate in ascending)
        {
            if (count == max)
            {
                break;
            }

            var good = true;
            for (var j = 0; j < count; j++)
            {
                if (kept[j].To(candidate.Node) < candidate.Distance)
                {
                    good = false;
                    break;
                }
            }

            if (good)
            {
                kept[count] = T.From(_vectors, _vectors.WalkVector(candidate.Node, context.Node), context.KeptScratch(count));
                selected[count++] = candidate.Node;
            }
        }

        return count;
    }

    /// <summary>
    /// Adds <paramref name="links"/> to the list of <paramref name="node"/> on <paramref name="level"/>
    /// (or replaces the list), pruning with the heuristic when it would exceed the layer's bound.
    /// Holds only this node's lock, so writers can never deadlock.
    /// </summary>
    private void Connect<T>(int node, int level, ReadOnlySpan<int> links, bool replace, SearchContext context) where T : struct, INodeDistance<T>
    {
        var capacity = MaxLinks(level);
        Span<int> merged = stackalloc int[capacity + links.Length];
        LockNode(node);
        try
        {
            var list = LinksOf(node, level);
            var header = *list;
            var count = replace ? 0 : header & CountMask;
            new ReadOnlySpan<int>(list + 1, count).CopyTo(merged);
            var total = count;
            foreach (var link in links)
            {
                if (link != node && !merged[..total].Contains(link))
                {
                    merged[total++] = link;
                }
            }

            if (total == count && !replace)
            {
                return;
            }

            if (total > capacity)
            {
                var from = T.From(_vectors, _vectors.WalkVector(node, context.Node), context.NodeScratch);
                var candidates = context.SortedSpan(total);
                for (var i = 0; i < total; i++)
                {
                    candidates[i] = new Candidate(from.To(merged[i]), merged[i]);
                }

                candidates.Sort(static (a, b) => a.Distance.CompareTo(b.Distance));
                total = SelectNeighbours<T>(candidates, capacity, context);
                context.Selected.AsSpan(0, total).CopyTo(merged);
            }

            // Links before the count: a reader racing this write sees valid ids either way.
            merged[..total].CopyTo(new Span<int>(list + 1, total));
            Volatile.Write(ref *list, (header & ~CountMask) | total);
        }
        finally
        {
            UnlockNode(node);
        }
    }

    /// <summary>
    /// After <paramref name="slot"/>'s vector changed, each of its neighbours on <paramref name="level"/> re-picks its
    /// links with the heuristic among its own links, the slot's links and the slot: the links that can have become worse
    /// or better are those that went through the slot (FreshDiskANN's delete consolidation). hnswlib's updatePoint
    /// offers each neighbour the slot's whole two-hop neighbourhood instead, up to (2M + 1)·2M candidates at layer 0
    /// against 4M + 1 here, and measured about 4 ms per replaced 512-d vector, ten inserts' worth.
    /// </summary>
    private void RepairNeighbours<T>(int slot, int level, SearchContext context) where T : struct, INodeDistance<T>
    {
        var neighbours = ReadLinks(slot, level);
        var capacity = MaxLinks(level);
        var candidates = new Candidate[(2 * capacity) + 1];
        var offered = new HashSet<int>(candidates.Length);
        foreach (var neighbour in neighbours)
        {
            var from = T.From(_vectors, _vectors.WalkVector(neighbour, context.Node), context.NodeScratch);
            offered.Clear();
            var total = 0;
            foreach (var node in ReadLinks(neighbour, level).Concat(neighbours).Append(slot))
            {
                if (node != neighbour && offered.Add(node))
                {
                    candidates[total++] = new Candidate(from.To(node), node);
                }
            }

            // Ties by node, so the same graph gets the same links whatever order the lists hold them in.
            var ascending = candidates.AsSpan(0, total);
            ascending.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Node.CompareTo(b.Node));
            var count = SelectNeighbours<T>(ascending, capacity, context);
            Connect<T>(neighbour, level, context.Selected.AsSpan(0, count), replace: true, context);
        }
    }

    private int[] ReadLinks(int node, int level)
    {
        var list = LinksOf(node, level);
        return new ReadOnlySpan<int>(list + 1, *list & CountMask).ToArray();
    }
}
