using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using SkiaSharp;

namespace VisionSearch.Testing;

/// <summary>
/// Files that lie about their size, as an attacker (or a broken writer) would make them: each is small on disk and
/// claims, in its header, far more than a reader may allocate.
/// </summary>
public static class HostileFiles
{
    /// <summary>
    /// A real decompression bomb: a valid grey PNG of <paramref name="width"/>×<paramref name="height"/> zero pixels,
    /// whose deflate stream of a few hundred KB expands to width × height bytes.
    /// </summary>
    public static byte[] PngBomb(int width, int height)
    {
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[width + 1]; // filter byte 0, then the pixels
            for (var y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 0 (grey), deflate, filter 0, no interlace
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        PngChunk(png, "IHDR", header);
        PngChunk(png, "IDAT", idat.ToArray());
        PngChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A small real JPEG whose frame header is rewritten to claim <paramref name="width"/>×<paramref name="height"/>; its scan data stays tiny.</summary>
    public static byte[] JpegClaiming(int width, int height)
    {
        using var bitmap = new SKBitmap(64, 64);
        bitmap.Erase(new SKColor(200, 120, 40));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        var bytes = data.ToArray();
        for (var i = 2; i < bytes.Length - 8; i++)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i + 7), (ushort)width);
                return bytes;
            }
        }

        throw new InvalidOperationException("No SOF marker in the encoded JPEG.");
    }

    /// <summary>An <c>.npy</c> of float32 whose header claims <paramref name="rows"/> × <paramref name="dimension"/> and holds one row.</summary>
    public static void NpyClaiming(string path, string rows, int dimension)
    {
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dimension}), }}";
        header = header.PadRight(header.Length + ((64 - ((10 + header.Length + 1) % 64)) % 64)) + "\n"; // the data starts 64-aligned, as numpy writes it
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.Latin1.GetBytes(header));
        file.Write(new byte[4 * dimension]);
    }

    /// <summary>A JSON object nested <paramref name="depth"/> deep under <c>text</c>'s sibling: <c>{"text": "x", "a": {"a": {...}}}</c>.</summary>
    public static string DeepJsonLine(int depth) =>
        "{\"text\": \"deep\", \"a\": " + string.Concat(Enumerable.Repeat("{\"a\": ", depth)) + "1" + new string('}', depth) + "}";

    /// <summary>
    /// A Parquet file with one optional UTF-8 column <c>text</c> whose footer claims <paramref name="rows"/> rows in its
    /// one row group, and <paramref name="uncompressedBytes"/> / <paramref name="storedBytes"/> for that column's chunk;
    /// the file itself is a few hundred bytes. The footer is written by hand (Thrift compact protocol), as no writer
    /// would write such a lie.
    /// </summary>
    public static void ParquetClaiming(string path, long rows, long uncompressedBytes, long storedBytes)
    {
        var footer = new CompactWriter();
        footer.I32(1, 1); // version
        footer.List(2, CompactWriter.Struct, 2); // schema: the root, then the one column
        footer.Begin().Binary(4, "schema").I32(5, 1).End();
        footer.Begin().I32(1, 6).I32(3, 1).Binary(4, "text").I32(6, 0).End(); // BYTE_ARRAY, OPTIONAL, UTF8
        footer.I64(3, rows);
        footer.List(4, CompactWriter.Struct, 1); // row groups
        footer.Begin();
        footer.List(1, CompactWriter.Struct, 1); // its column chunks
        footer.Begin().I64(2, 4);
        footer.Field(3, CompactWriter.Struct).Begin()
            .I32(1, 6).List(2, CompactWriter.I32Type, 1).Varint(0).ListOfBinary(3, "text").I32(4, 0)
            .I64(5, rows).I64(6, uncompressedBytes).I64(7, storedBytes).I64(9, 4).End();
        footer.End();
        footer.I64(2, uncompressedBytes).I64(3, rows).End();
        footer.End();

        var body = footer.ToArray();
        using var file = File.Create(path);
        file.Write("PAR1"u8);
        file.Write(new byte[64]); // where the claimed column chunk would be
        file.Write(body);
        file.Write(BitConverter.GetBytes(body.Length));
        file.Write("PAR1"u8);
    }

    private static void PngChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typed));
        png.Write(crc);
    }

    /// <summary>The Thrift compact protocol, as much of it as a Parquet footer needs.</summary>
    private sealed class CompactWriter
    {
        public const byte I32Type = 5;
        public const byte Struct = 12;
        private const byte I64Type = 6;
        private const byte BinaryType = 8;
        private const byte ListType = 9;

        private readonly MemoryStream _out = new();
        private readonly Stack<short> _lastField = new([0]);

        public CompactWriter Begin()
        {
            _lastField.Push(0);
            return this;
        }

        public CompactWriter End()
        {
            _out.WriteByte(0); // STOP
            _lastField.Pop();
            return this;
        }

        public CompactWriter Field(short id, byte type)
        {
            var delta = id - _lastField.Peek();
            if (delta is > 0 and <= 15)
            {
                _out.WriteByte((byte)((delta << 4) | type));
            }
            else
            {
                _out.WriteByte(type);
                Varint((ulong)((id << 1) ^ (id >> 15)));
            }

            _lastField.Pop();
            _lastField.Push(id);
            return this;
        }

        public CompactWriter I32(short id, int value) => Field(id, I32Type).Varint(ZigZag(value));

        public CompactWriter I64(short id, long value) => Field(id, I64Type).Varint(ZigZag(value));

        public CompactWriter Binary(short id, string value) => Field(id, BinaryType).Bytes(Encoding.UTF8.GetBytes(value));

        public CompactWriter List(short id, byte elementType, int count)
        {
            Field(id, ListType);
            _out.WriteByte((byte)((count << 4) | elementType)); // count < 15
            return this;
        }

        public CompactWriter ListOfBinary(short id, string value)
        {
            List(id, BinaryType, 1);
            return Bytes(Encoding.UTF8.GetBytes(value));
        }

        public CompactWriter Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _out.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _out.WriteByte((byte)value);
            return this;
        }

        public byte[] ToArray() => _out.ToArray();

        private CompactWriter Bytes(byte[] value)
        {
            Varint((ulong)value.Length);
            _out.Write(value);
            return this;
        }

        private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
    }
}
