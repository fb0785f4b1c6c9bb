using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace VisionSearch.Hnsw;

/// <summary>
/// Reads what <see cref="SnapshotWriter"/> wrote, verifying as it goes: a short stream, a wrong magic or
/// version, an out-of-range header value or a checksum mismatch is an <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class SnapshotReader(Stream stream, string formatName)
{
    private readonly XxHash64 _hash = new();
    private readonly byte[] _scratch = new byte[8];

    public int ReadHeader(uint magic, int maxVersion)
    {
        var actual = ReadUInt32();
        if (actual != magic)
        {
            throw new InvalidDataException($"Not a {formatName} snapshot (magic 0x{actual:X8}, expected 0x{magic:X8}).");
        }

        var version = ReadInt32();
        if (version < 1 || version > maxVersion)
        {
            throw new InvalidDataException($"{formatName} snapshot version {version} is not supported (this build reads 1 to {maxVersion}).");
        }

        return version;
    }

    public int ReadInt32()
    {
        Read(_scratch.AsSpan(0, 4));
        return BinaryPrimitives.ReadInt32LittleEndian(_scratch);
    }

    public uint ReadUInt32()
    {
        Read(_scratch.AsSpan(0, 4));
        return BinaryPrimitives.ReadUInt32LittleEndian(_scratch);
    }

    public long ReadInt64()
    {
        Read(_scratch.AsSpan(0, 8));
        return BinaryPrimitives.ReadInt64LittleEndian(_scratch);
    }

    /// <summary>Reads an int32 header field and checks it lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int ReadInt32InRange(string field, int min, int max)
    {
        var value = ReadInt32();
        if (value < min || value > max)
        {
            throw new InvalidDataException($"{formatName} snapshot field '{field}' is {value}, outside [{min}, {max}]: the stream is corrupt.");
        }

        return value;
    }

    public void ReadArray<T>(Span<T> destination) where T : unmanaged => Read(MemoryMarshal.AsBytes(destination));

    /// <summary>Reads the trailer and compares it with the checksum of everything read before.</summary>
    public void VerifyChecksum()
    {
        var expected = _hash.GetCurrentHashAsUInt64();
        ReadExactly(_scratch.AsSpan(0, 8));
        var actual = BinaryPrimitives.ReadUInt64LittleEndian(_scratch);
        if (actual != expected)
        {
            throw new InvalidDataException($"{formatName} snapshot checksum mismatch (stored {actual:X16}, computed {expected:X16}): the stream is corrupt.");
        }
    }

    private void Read(Span<byte> destination)
    {
        ReadExactly(destination);
        _hash.Append(destination);
    }

    private void ReadExactly(Span<byte> destination)
    {
        try
        {
            stream.ReadExactly(destination);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{formatName} snapshot is truncated.", e);
        }
    }
}
