using System.Runtime.InteropServices;
using System.Text;
using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Persistence;

/// <summary>The binary form of one shard log record: the shard's spec, then the batch's labels, ids and vectors.</summary>
internal static class LogRecord
{
    private const int Magic = 0x4C475356; // "VSGL"

    public static byte[] Encode(ShardSpec spec, ShardBatch batch)
    {
        using var memory = new MemoryStream((batch.Vectors.Length * sizeof(float)) + (batch.Labels.Length * 24) + 64);
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(spec.Metric);
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
        }

        return memory.ToArray();
    }

    /// <exception cref="InvalidDataException">The record is not one this code wrote.</exception>
    public static (ShardSpec Spec, ShardBatch Batch) Decode(byte[] record)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(record), Encoding.UTF8);
            if (reader.ReadInt32() != Magic)
            {
                throw new InvalidDataException("Not a VisionSearch shard log record.");
            }

            var spec = new ShardSpec(reader.ReadString(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
            var labels = new int[reader.ReadInt32()];
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(labels.AsSpan()));
            var ids = new string[labels.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = reader.ReadString();
            }

            var vectors = new float[reader.ReadInt32()];
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(vectors.AsSpan()));
            return (spec, new ShardBatch(labels, ids, vectors));
        }
        catch (Exception e) when (e is EndOfStreamException or OverflowException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException("A shard log record is truncated.", e);
        }
    }
}
