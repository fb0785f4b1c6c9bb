using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using VisionSearch.Datasets.Access;

namespace VisionSearch.Datasets.Vectors;

/// <summary>
/// NumPy's <c>.npy</c> format (versions 1 to 3): a magic, a Python-literal header dict, then the array.
/// Accepts 2-D little-endian float arrays (<c>&lt;f4</c>, <c>&lt;f8</c>, <c>&lt;f2</c>) in C order, as
/// <c>numpy.save</c> writes embeddings by default; wider floats are narrowed to float32.
/// </summary>
internal sealed partial class NpyFile : VectorFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private readonly long _dataOffset;
    private readonly int _itemSize;

    private NpyFile(string path, int dimension, long count, long dataOffset, int itemSize, SharedFolders? inside) : base(path, dimension, count, inside)
    {
        _dataOffset = dataOffset;
        _itemSize = itemSize;
    }

    internal static NpyFile OpenFile(string path, SharedFolders? inside)
    {
        using var stream = OpenSequential(path, inside);
        var preamble = new byte[10];
        if (stream.ReadAtLeast(preamble, 10, throwOnEndOfStream: false) < 10 || !preamble.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{path}' is not a .npy file (no \\x93NUMPY magic).");
        }

        var major = preamble[6];
        int headerLength;
        long headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(preamble.AsSpan(8));
                headerStart = 10;
                break;
            case 2 or 3:
                var extra = new byte[2];
                stream.ReadExactly(extra);
                headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian([.. preamble.AsSpan(8, 2), .. extra]));
                headerStart = 12;
                break;
            default:
                throw new InvalidDataException($"'{path}' is .npy format version {major}, which is not supported (1 to 3 are).");
        }

        if (headerLength is <= 0 or > 1 << 20)
        {
            throw new InvalidDataException($"'{path}' has an implausible .npy header length {headerLength}.");
        }

        var headerBytes = new byte[headerLength];
        stream.Seek(headerStart, SeekOrigin.Begin);
        stream.ReadExactly(headerBytes);
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        var descr = DescrPattern().Match(header) is { Success: true } d ? d.Groups[1].Value
            : throw new InvalidDataException($"'{path}' .npy header has no 'descr': {header.Trim()}");
        var itemSize = descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            "<f2" => 2,
            _ => throw new InvalidDataException($"'{path}' holds '{descr}' values; only little-endian floats (<f4, <f8, <f2) are vectors."),
        };

        if (FortranPattern().Match(header) is { Success: true } f && f.Groups[1].Value == "True")
        {
            throw new InvalidDataException($"'{path}' is stored in Fortran order; save it with numpy.ascontiguousarray first.");
        }

        var shape = ShapePattern().Match(header) is { Success: true } s
            ? s.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : throw new InvalidDataException($"'{path}' .npy header has no 'shape': {header.Trim()}");
        if (shape.Length != 2)
        {
            throw new InvalidDataException($"'{path}' holds a {shape.Length}-D array; vectors must be 2-D (rows, dimension).");
        }

        if (!long.TryParse(shape[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || !int.TryParse(shape[1], NumberStyles.None, CultureInfo.InvariantCulture, out var dimension))
        {
            throw new InvalidDataException($"'{path}' .npy shape ({string.Join(", ", shape)}) is not two non-negative integers.");
        }

        if (dimension is < 1 or > 65_536)
        {
            throw new InvalidDataException($"'{path}' has vectors of dimension {dimension}, outside [1, 65536].");
        }

        // The header's claim is checked against the file before anything is read or sized by it: 10^12 rows of a
        // small file is a truncated (or hostile) file, and a claim past long's range is no file at all.
        var dataOffset = headerStart + headerLength;
        var length = new FileInfo(path).Length;
        var rowBytes = (long)dimension * itemSize;
        var expected = count <= (long.MaxValue - dataOffset) / rowBytes ? dataOffset + (count * rowBytes) : long.MaxValue;
        if (length < expected)
        {
            throw new InvalidDataException($"'{path}' is truncated: its header promises {count} × {dimension} values ({expected} bytes), the file has {length}.");
        }

        return new NpyFile(path, dimension, count, dataOffset, itemSize, inside);
    }

    private protected override IEnumerable<VectorRow> ReadRange(long start, long end)
    {
        using var stream = OpenSequential(Path, Inside);
        stream.Seek(_dataOffset + start * Dimension * _itemSize, SeekOrigin.Begin);
        var raw = _itemSize == 4 ? null : new byte[Dimension * _itemSize];
        for (var row = start; row < end; row++)
        {
            var vector = new float[Dimension];
            if (raw is null)
            {
                stream.ReadExactly(MemoryMarshal.AsBytes(vector.AsSpan()));
            }
            else
            {
                stream.ReadExactly(raw);
                Narrow(raw, vector);
            }

            yield return new VectorRow(row, vector);
        }
    }

    private void Narrow(ReadOnlySpan<byte> raw, Span<float> vector)
    {
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = _itemSize == 8
                ? (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(i * 8)..])
                : (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(i * 2)..]);
        }
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
