using VisionSearch.Hnsw.Graph;

namespace VisionSearch.Hnsw;

public sealed unsafe partial class HnswIndex
{
    private const uint Magic = 0x4E485356; // "VSHN"
    /// <summary>2: one-bit codes keep several centroids (their count before them) and a record's centroid beside its popcount.</summary>
    private const int FormatVersion = 2;

    /// <summary>
    /// Writes the index in its versioned, checksummed format: a header, then per page of nodes the
    /// labels, levels, layer-0 links and vectors (or codes) as raw blocks (so reading is close to a memory copy),
    /// the originals behind codes, then the upper-layer links. The stream is written front to back only, so it
    /// can be cut into chunks as it goes. No insert or delete may run meanwhile; searches may.
    /// </summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var writer = new SnapshotWriter(stream);
        writer.WriteHeader(Magic, FormatVersion);
        writer.WriteInt32((int)Options.Metric);
        writer.WriteInt32((int)Options.Quantization);
        writer.WriteInt32(Dimension);
        writer.WriteInt32(_m);
        writer.WriteInt32(Options.EfConstruction);
        writer.WriteInt32(Options.Seed);
        writer.WriteInt64(_levelDraws);
        var (entry, top) = Unpack(_entry);
        writer.WriteInt32(_slotCount);
        writer.WriteInt32(entry);
        writer.WriteInt32(top);
        if (_vectors.Quantizer is { } quantizer)
        {
            writer.WriteArray(quantizer.Minimums);
            writer.WriteArray(quantizer.Scales);
        }

        if (_vectors.Bits is { } bits)
        {
            writer.WriteInt32(bits.Centroids.Length / Dimension);
            writer.WriteArray(bits.Centroids);
            writer.WriteArray(bits.Signs);
        }

        var labels = new int[NodePages.PageSize];
        var levels = new byte[NodePages.PageSize];
        for (var first = 0; first < _slotCount; first += NodePages.PageSize)
        {
            var count = Math.Min(NodePages.PageSize, _slotCount - first);
            for (var i = 0; i < count; i++)
            {
                labels[i] = LabelOf(first + i);
                levels[i] = (byte)LevelOf(first + i);
            }

            writer.WriteArray<int>(labels.AsSpan(0, count));
            writer.WriteArray<byte>(levels.AsSpan(0, count));
            writer.WriteArray<byte>(_links0.Records(first, count));
            writer.WriteArray<byte>(_vectors.Walk.Records(first, count));
        }

        if (_vectors.Originals is { } originals)
        {
            var row = new float[Dimension];
            fixed (float* buffer = row)
            {
                for (var node = 0; node < _slotCount; node++)
                {
                    originals.Read(node, buffer);
                    writer.WriteArray<float>(row);
                }
            }
        }

        for (var node = 0; node < _slotCount; node++)
        {
            var level = LevelOf(node);
            if (level > 0)
            {
                writer.WriteArray(new ReadOnlySpan<int>(LinksOf(node, 1), level * _upper.LayerInts));
            }
        }

        writer.Finish();
    }

    /// <summary>Reads an index written by <see cref="WriteTo"/>.</summary>
    /// <param name="stream">The snapshot.</param>
    /// <param name="originalsPath">For an int8 index, where to keep the full vectors (see <see cref="HnswOptions.OriginalsPath"/>); null keeps them in memory.</param>
    /// <exception cref="InvalidDataException">The stream is not such a snapshot, is truncated, fails its checksum or describes an impossible graph.</exception>
    public static HnswIndex ReadFrom(Stream stream, string? originalsPath = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new SnapshotReader(stream, "HNSW index");
        var version = reader.ReadHeader(Magic, FormatVersion);
        var options = new HnswOptions
        {
            Metric = (Metric)reader.ReadInt32InRange("metric", 0, (int)Metric.L2),
            Quantization = (Quantization)reader.ReadInt32InRange("quantization", 0, (int)Quantization.RaBitQ),
            Dimension = reader.ReadInt32InRange("dimension", 1, ExactIndex.MaxDimension),
            M = reader.ReadInt32InRange("M", 2, HnswOptions.MaxM),
            EfConstruction = reader.ReadInt32InRange("efConstruction", 1, int.MaxValue),
            Seed = reader.ReadInt32(),
            OriginalsPath = originalsPath,
        };

        var index = new HnswIndex(options);
        try
        {
            index.Load(reader, version);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    private void Load(SnapshotReader reader, int version)
    {
        _levelDraws = reader.ReadInt64();
        var slots = reader.ReadInt32InRange("slot count", 0, int.MaxValue - NodePages.PageSize);
        var entry = reader.ReadInt32InRange("entry point", slots == 0 ? -1 : 0, slots - 1);
        var top = reader.ReadInt32InRange("top level", slots == 0 ? -1 : 0, MaxLevel);
        if (_vectors.Quantizer is { } quantizer)
        {
            var minimums = new float[Dimension];
            var scales = new float[Dimension];
            reader.ReadArray<float>(minimums);
            reader.ReadArray<float>(scales);
            quantizer.Load(minimums, scales);
        }

        if (_vectors.Bits is { } bits)
        {
            var centroids = new float[(version < 2 ? 1 : reader.ReadInt32InRange("centroid count", 1, bits.CentroidLimit)) * Dimension];
            var signs = new float[RandomRotation.SignCount(Dimension)];
            reader.ReadArray<float>(centroids);
            reader.ReadArray<float>(signs);
            try
            {
                bits.Load(centroids, signs);
            }
            catch (InvalidDataException e)
            {
                throw Corrupt(e.Message);
            }
        }

        _vectors.EnsureCapacity(slots);
        _links0.EnsureCapacity(slots);
        _meta.EnsureCapacity(slots);
        var labels = new int[NodePages.PageSize];
        var levels = new byte[NodePages.PageSize];
        for (var first = 0; first < slots; first += NodePages.PageSize)
        {
            var count = Math.Min(NodePages.PageSize, slots - first);
            reader.ReadArray<int>(labels.AsSpan(0, count));
            reader.ReadArray<byte>(levels.AsSpan(0, count));
            reader.ReadArray<byte>(_links0.Records(first, count));
            reader.ReadArray<byte>(_vectors.Walk.Records(first, count));
            for (var i = 0; i < count; i++)
            {
                if (_vectors.Bits is { } codes && !codes.ReadRecord(_vectors.Walk[first + i], version))
                {
                    throw Corrupt($"node {first + i} names a centroid the snapshot does not hold");
                }

                if (levels[i] > MaxLevel)
                {
                    throw Corrupt($"node {first + i} has level {levels[i]}");
                }

                var meta = _meta[first + i];
                *(int*)meta = labels[i];
                meta[4] = levels[i];
                meta[5] = 1;
                *(int**)(meta + 8) = levels[i] > 0 ? _upper.Allocate(levels[i]) : null;
            }
        }

        if (_vectors.Originals is { } originals)
        {
            var row = new float[Dimension];
            fixed (float* buffer = row)
            {
                for (var node = 0; node < slots; node++)
                {
                    reader.ReadArray<float>(row);
                    originals.Write(node, buffer);
                }
            }
        }

        for (var node = 0; node < slots; node++)
        {
            var level = LevelOf(node);
            if (level > 0)
            {
                reader.ReadArray(new Span<int>(LinksOf(node, 1), level * _upper.LayerInts));
            }
        }

        reader.VerifyChecksum();
        _slotCount = slots;
        _entry = Pack(entry, top);
        if (slots > 0 && LevelOf(entry) != top)
        {
            throw Corrupt($"the entry point {entry} has level {LevelOf(entry)}, not the top level {top}");
        }

        CheckLinksAndIndexLabels(slots);
    }

    /// <summary>
    /// Every link must name an existing node that lives on that layer, or a search would read outside
    /// the graph; the checksum catches accidents, this catches a well-formed stream of a wrong graph.
    /// </summary>
    private void CheckLinksAndIndexLabels(int slots)
    {
        for (var node = 0; node < slots; node++)
        {
            for (var level = 0; level <= LevelOf(node); level++)
            {
                var list = LinksOf(node, level);
                var count = *list & CountMask;
                var flags = *list & ~CountMask;
                if (count > MaxLinks(level) || (flags != 0 && (level > 0 || flags != DeletedBit)))
                {
                    throw Corrupt($"node {node} has {count} links on layer {level}");
                }

                for (var j = 1; j <= count; j++)
                {
                    if ((uint)list[j] >= (uint)slots || LevelOf(list[j]) < level)
                    {
                        throw Corrupt($"node {node} links to {list[j]} on layer {level}");
                    }
                }
            }

            if (IsDeleted(node))
            {
                _freeSlots.Push(node);
                _deletedSlots++;
            }
            else if (!_slots.TryAdd(LabelOf(node), node))
            {
                throw Corrupt($"label {LabelOf(node)} is held by two nodes");
            }
        }
    }

    private static InvalidDataException Corrupt(string what) => new($"HNSW index snapshot is corrupt: {what}.");
}
