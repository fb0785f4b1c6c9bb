using System.Runtime.InteropServices;
using System.Text;
using VisionSearch.Hnsw;
using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// The binary form of one shard log record: the shard's spec, then the batch's labels, ids and vectors, then (from
/// version 2, which API deletes brought) the labels it deletes, then (from version 3, which filters brought) each
/// item's kind and metadata JSON, then (from version 4, which quantised indexes brought) the spec's quantization.
/// </summary>
internal static class LogRecord
{
    /// <summary>
    /// "VSLR" version 4; version 3 has no quantization (none), version 2 no payloads either, version 1 no deleted labels
    /// either, and "VSGL" is version 1's layout from before records carried a version.
    /// </summary>
    private static readonly FormatHeader Header = new("shard log record", Magic: 0x524C5356, Version: 4, LegacyMagic: 0x4C475356);

    public static byte[] Encode(ShardSpec spec, ShardBatch batch)
    {
        using var memory = new MemoryStream((batch.Vectors.Length * sizeof(float)) + (batch.Labels.Length * 24) + 64);
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            Header.Write(writer);
            writer.Write(spec.Metric.ToString()); // the enum's name, as every version has written it
            writer.Write(spec.Dimension);
            writer.Write(spec.M);
            writer.Write(spec.EfConstruction);
            writer.Write(batch.Labels.Length);
            writer.Write(MemoryMarshal.AsBytes(batch.Labels.AsSpan()));
            foreach (var id in batch.Ids)
            {
                writer.Write(id);
            }

            writer.Write(batch.Vectors.Length);
            writer.Write(MemoryMarshal.AsBytes(batch.Vectors.AsSpan()));
            var deleted = batch.Deleted ?? [];
            writer.Write(deleted.Length);
            writer.Write(MemoryMarshal.AsBytes(deleted.AsSpan()));
            writer.Write(batch.Payloads is not null);
            foreach (var payload in batch.Payloads ?? [])
            {
                ShardPayloads.Write(writer, payload);
            }

            writer.Write(Names.Quantization.Of(spec.Quantization));
        }

        return memory.ToArray();
    }

    /// <exception cref="InvalidDataException">Not a shard log record, a version this build does not read, or a truncated one.</exception>
    public static (ShardSpec Spec, ShardBatch Batch) Decode(byte[] record)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(record), Encoding.UTF8);
            var version = Header.Read(reader);
            var spec = new ShardSpec(Enum.Parse<Metric>(reader.ReadString()), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
            var labels = new int[reader.ReadInt32()];
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(labels.AsSpan()));
            var ids = new string[labels.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = reader.ReadString();
            }

            var vectors = new float[reader.ReadInt32()];
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(vectors.AsSpan()));
            int[]? deleted = null;
            if (version >= 2)
            {
                deleted = new int[reader.ReadInt32()];
                reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(deleted.AsSpan()));
            }

            ItemPayload[]? payloads = null;
            if (version >= 3 && reader.ReadBoolean())
            {
                payloads = new ItemPayload[labels.Length];
                for (var i = 0; i < payloads.Length; i++)
                {
                    payloads[i] = ShardPayloads.Read(reader);
                }
            }

            if (version >= 4)
            {
                var name = reader.ReadString();
                spec = spec with { Quantization = Names.Quantization.TryParse(name, out var quantization) ? quantization : throw new InvalidDataException(Names.Quantization.Unknown(name)) };
            }

            return (spec, new ShardBatch(labels, ids, vectors, deleted is { Length: > 0 } ? deleted : null, payloads));
        }
        catch (Exception e) when (e is EndOfStreamException or OverflowException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException("A shard log record is truncated.", e);
        }
    }
}
