using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace VisionSearch.Hnsw;

/// <summary>
/// Writes an index snapshot: little-endian primitives and raw arrays, hashed as they pass, and an
/// XxHash64 trailer so a reader can tell a torn or corrupt stream from a good one.
/// </summary>
internal sealed class SnapshotWriter(Stream stream)
{
    private readonly XxHash64 _hash = new();
    private readonly byte[] _scratch = new byte[8];

    public void WriteHeader(uint magic, int version)
    {
        WriteUInt32(magic);
        WriteInt32(version);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_scratch, value);
        Write(_scratch.AsSpan(0, 4));
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_scratch, value);
        Write(_scratch.AsSpan(0, 4));
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_scratch, value);
        Write(_scratch.AsSpan(0, 8));
    }

    /// <summary>Writes the span's memory as it is (the format is little-endian, as is every platform .NET runs on).</summary>
    public void WriteArray<T>(ReadOnlySpan<T> values) where T : unmanaged => Write(MemoryMarshal.AsBytes(values));

    /// <summary>Ends the snapshot with the checksum of everything written before it.</summary>
    public void Finish()
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_scratch, _hash.GetCurrentHashAsUInt64());
        stream.Write(_scratch);
        stream.Flush();
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _hash.Append(bytes);
        stream.Write(bytes);
    }
}
