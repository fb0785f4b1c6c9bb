using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VisionSearch.Datasets.Access;

namespace VisionSearch.Datasets.Vectors;

/// <summary>The TEXMEX <c>.fvecs</c> layout: per row a little-endian int32 dimension, then that many float32.</summary>
internal sealed class FvecsFile : VectorFile
{
    private FvecsFile(string path, int dimension, long count, SharedFolders? inside) : base(path, dimension, count, inside)
    {
    }

    internal static FvecsFile OpenFile(string path, SharedFolders? inside)
    {
        var length = new FileInfo(path).Length;
        if (length == 0)
        {
            return new FvecsFile(path, 0, 0, inside);
        }

        Span<byte> head = stackalloc byte[4];
        using (var stream = OpenSequential(path, inside))
        {
            if (stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) < 4)
            {
                throw new InvalidDataException($"'{path}' is too short for an .fvecs file ({length} bytes).");
            }
        }

        var dimension = BinaryPrimitives.ReadInt32LittleEndian(head);
        if (dimension is < 1 or > 65_536)
        {
            throw new InvalidDataException($"'{path}' starts with dimension {dimension}: not an .fvecs file.");
        }

        var rowBytes = 4L + 4L * dimension;
        if (length % rowBytes != 0)
        {
            throw new InvalidDataException(
                $"'{path}' is {length} bytes, not a whole number of {dimension}-d rows ({rowBytes} bytes each): it is truncated or not .fvecs.");
        }

        return new FvecsFile(path, dimension, length / rowBytes, inside);
    }

    private protected override IEnumerable<VectorRow> ReadRange(long start, long end)
    {
        var rowBytes = 4L + 4L * Dimension;
        using var stream = OpenSequential(Path, Inside);
        stream.Seek(start * rowBytes, SeekOrigin.Begin);
        var head = new byte[4];
        for (var row = start; row < end; row++)
        {
            stream.ReadExactly(head);
            var dimension = BinaryPrimitives.ReadInt32LittleEndian(head);
            if (dimension != Dimension)
            {
                throw new InvalidDataException($"'{Path}' row {row} has dimension {dimension}; row 0 has {Dimension}.");
            }

            var vector = new float[Dimension];
            stream.ReadExactly(MemoryMarshal.AsBytes(vector.AsSpan()));
            yield return new VectorRow(row, vector);
        }
    }
}
