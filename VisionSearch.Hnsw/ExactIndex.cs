namespace VisionSearch.Hnsw;

/// <summary>
/// Brute-force nearest-neighbour search over vectors in one contiguous block: exact results, the
/// reference every approximate index is measured against. Adds must not run concurrently with each
/// other or with searches; concurrent searches are safe.
/// </summary>
public sealed class ExactIndex
{
    private const uint Magic = 0x49585356; // "VSXI"
    private const int FormatVersion = 1;

    /// <summary>The widest vector accepted; CLIP ViT-L/14 is 768, the largest embedding models 4096.</summary>
    public const int MaxDimension = 65_536;

    private float[] _vectors;
    private int[] _labels;

    /// <summary>Creates an empty index.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is not in [1, <see cref="MaxDimension"/>].</exception>
    public ExactIndex(int dimension, Metric metric, int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, MaxDimension);
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric.");
        }

        Dimension = dimension;
        Metric = metric;
        _vectors = new float[(long)Math.Max(initialCapacity, 1) * dimension];
        _labels = new int[Math.Max(initialCapacity, 1)];
    }

    /// <summary>The length of every vector.</summary>
    public int Dimension { get; }

    /// <summary>How vectors are compared.</summary>
    public Metric Metric { get; }

    /// <summary>How many vectors the index holds.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a vector under <paramref name="label"/>; cosine vectors are normalised first.</summary>
    /// <exception cref="ArgumentException">Wrong length, a NaN or infinite value, or a zero vector under cosine.</exception>
    public void Add(int label, ReadOnlySpan<float> vector)
    {
        Distances.Validate(vector, Dimension, nameof(vector));
        if (Count == _labels.Length)
        {
            Grow();
        }

        Distances.Prepare(Metric, vector, _vectors.AsSpan(Count * Dimension, Dimension), nameof(vector));
        _labels[Count] = label;
        Count++;
    }

    /// <summary>The <paramref name="k"/> nearest vectors to <paramref name="query"/>, closest first (fewer when the index holds fewer).</summary>
    /// <exception cref="ArgumentException">The query has the wrong length or a non-finite value.</exception>
    public Neighbor[] Search(ReadOnlySpan<float> query, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        Distances.Validate(query, Dimension, nameof(query));
        Span<float> prepared = Dimension <= 4096 ? stackalloc float[Dimension] : new float[Dimension];
        Distances.Prepare(Metric, query, prepared, nameof(query));

        var count = Count;
        var best = new PriorityQueue<int, float>(Math.Min(k, count) + 1, FarthestFirst.Instance);
        for (var i = 0; i < count; i++)
        {
            var distance = Distances.Compute(Metric, prepared, _vectors.AsSpan(i * Dimension, Dimension));
            if (best.Count < k)
            {
                best.Enqueue(i, distance);
            }
            else if (best.TryPeek(out _, out var worst) && distance < worst)
            {
                best.DequeueEnqueue(i, distance);
            }
        }

        var result = new Neighbor[best.Count];
        for (var r = result.Length - 1; r >= 0; r--)
        {
            best.TryDequeue(out var slot, out var distance);
            result[r] = new Neighbor(_labels[slot], distance);
        }

        return result;
    }

    /// <summary>Writes the index in its versioned, checksummed binary format.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var writer = new SnapshotWriter(stream);
        writer.WriteHeader(Magic, FormatVersion);
        writer.WriteInt32((int)Metric);
        writer.WriteInt32(Dimension);
        writer.WriteInt32(Count);
        writer.WriteArray<int>(_labels.AsSpan(0, Count));
        writer.WriteArray<float>(_vectors.AsSpan(0, Count * Dimension));
        writer.Finish();
    }

    /// <summary>Reads an index written by <see cref="WriteTo"/>.</summary>
    /// <exception cref="InvalidDataException">The stream is not such a snapshot, is truncated or fails its checksum.</exception>
    public static ExactIndex ReadFrom(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new SnapshotReader(stream, "exact index");
        reader.ReadHeader(Magic, FormatVersion);
        var metric = (Metric)reader.ReadInt32InRange("metric", 0, (int)Metric.L2);
        var dimension = reader.ReadInt32InRange("dimension", 1, MaxDimension);
        var count = reader.ReadInt32InRange("count", 0, Array.MaxLength / dimension);

        var index = new ExactIndex(dimension, metric, count);
        reader.ReadArray<int>(index._labels.AsSpan(0, count));
        reader.ReadArray<float>(index._vectors.AsSpan(0, count * dimension));
        reader.VerifyChecksum();
        index.Count = count;
        return index;
    }

    private void Grow()
    {
        var capacity = (int)Math.Min((long)_labels.Length * 2, Array.MaxLength / Dimension);
        if (capacity <= _labels.Length)
        {
            throw new InvalidOperationException($"The exact index is full at {Count} vectors of {Dimension} dimensions.");
        }

        Array.Resize(ref _labels, capacity);
        Array.Resize(ref _vectors, capacity * Dimension);
    }

    /// <summary>Orders the heap so its root is the farthest of the kept candidates.</summary>
    private sealed class FarthestFirst : IComparer<float>
    {
        public static readonly FarthestFirst Instance = new();

        public int Compare(float x, float y) => y.CompareTo(x);
    }
}
