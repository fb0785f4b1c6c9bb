using System.Buffers.Binary;
using System.Text;
using VisionSearch.Datasets.Vectors;
using VisionSearch.Testing;

namespace VisionSearch.Datasets.Tests;

public sealed class VectorFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly float[][] _rows = TestVectors.Clustered(25, 6, seed: 11);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Fvecs_reads_every_row_with_its_row_number()
    {
        var path = _dir.File("v.fvecs");
        TestVectors.WriteFvecs(path, _rows);

        var file = VectorFile.Open(path);
        Assert.Equal((6, 25L), (file.Dimension, file.Count));
        var rows = file.ReadRows().ToList();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), rows.Select(r => r.Row));
        Assert.All(rows, r => Assert.Equal(_rows[r.Row], r.Vector));
    }

    [Fact]
    public void Start_and_limit_select_a_window_for_resuming()
    {
        var path = _dir.File("v.fvecs");
        TestVectors.WriteFvecs(path, _rows);
        var file = VectorFile.Open(path);

        Assert.Equal([10L, 11, 12], file.ReadRows(start: 10, limit: 3).Select(r => r.Row));
        Assert.Equal([23L, 24], file.ReadRows(start: 23, limit: 100).Select(r => r.Row));
        Assert.Empty(file.ReadRows(start: 25));
        Assert.Equal(_rows[24], file.ReadRows(start: 24).Single().Vector);
    }

    [Fact]
    public void Npy_float32_float64_and_float16_read_as_float32()
    {
        foreach (var (descr, size) in new[] { ("<f4", 4), ("<f8", 8), ("<f2", 2) })
        {
            var path = _dir.File($"v{size}.npy");
            WriteNpy(path, descr, size, _rows);
            var file = VectorFile.Open(path);
            Assert.Equal((6, 25L), (file.Dimension, file.Count));
            var rows = file.ReadRows().ToList();
            var tolerance = size == 2 ? 1e-2 : 0;
            Assert.All(rows, r => Assert.All(r.Vector.Zip(_rows[r.Row]), p => Assert.Equal(p.Second, p.First, tolerance)));
        }
    }

    [Fact]
    public void Npy_version_2_header_is_understood()
    {
        var path = _dir.File("v2.npy");
        WriteNpy(path, "<f4", 4, _rows, major: 2);
        Assert.Equal(_rows[3], VectorFile.Open(path).ReadRows(3, 1).Single().Vector);
    }

    [Fact]
    public void Truncated_and_malformed_files_are_rejected_with_the_reason()
    {
        var fvecs = _dir.File("cut.fvecs");
        TestVectors.WriteFvecs(fvecs, _rows);
        File.WriteAllBytes(fvecs, File.ReadAllBytes(fvecs)[..^3]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => VectorFile.Open(fvecs)).Message);

        var npy = _dir.File("cut.npy");
        WriteNpy(npy, "<f4", 4, _rows);
        File.WriteAllBytes(npy, File.ReadAllBytes(npy)[..^4]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => VectorFile.Open(npy)).Message);

        var ints = _dir.File("ints.npy");
        WriteNpy(ints, "<i4", 4, _rows);
        Assert.Contains("<i4", Assert.Throws<InvalidDataException>(() => VectorFile.Open(ints)).Message);

        var fortran = _dir.File("fortran.npy");
        WriteNpy(fortran, "<f4", 4, _rows, fortranOrder: true);
        Assert.Contains("Fortran", Assert.Throws<InvalidDataException>(() => VectorFile.Open(fortran)).Message);

        var text = _dir.File("text.npy");
        File.WriteAllText(text, "not numpy at all");
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => VectorFile.Open(text)).Message);
    }

    [Fact]
    public void A_row_with_a_different_dimension_is_reported_by_row_number()
    {
        var path = _dir.File("mixed.fvecs");
        TestVectors.WriteFvecs(path, [new float[4], new float[4], [1, 2, 3, 4]]);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2 * 20), 3); // row 2 claims 3 dimensions
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => VectorFile.Open(path).ReadRows().ToList());
        Assert.Contains("row 2", error.Message);
    }

    [Fact]
    public void Missing_file_and_unknown_extension_fail_clearly()
    {
        Assert.Throws<FileNotFoundException>(() => VectorFile.Open(_dir.File("absent.fvecs")));
        File.WriteAllText(_dir.File("v.csv"), "1,2");
        Assert.Contains(".fvecs", Assert.Throws<NotSupportedException>(() => VectorFile.Open(_dir.File("v.csv"))).Message);
    }

    private static void WriteNpy(string path, string descr, int itemSize, float[][] rows, int major = 1, bool fortranOrder = false)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': ({rows.Length}, {rows[0].Length}), }}";
        var prefix = major == 1 ? 10 : 12;
        var padded = header.PadRight(((prefix + header.Length + 1 + 63) / 64 * 64) - prefix - 1) + "\n";
        using var stream = File.Create(path);
        stream.Write([0x93, .. "NUMPY"u8, (byte)major, 0]);
        var length = new byte[major == 1 ? 2 : 4];
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)padded.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)padded.Length);
        }

        stream.Write(length);
        stream.Write(Encoding.Latin1.GetBytes(padded));
        var buffer = new byte[itemSize];
        foreach (var value in rows.SelectMany(r => r))
        {
            switch (itemSize)
            {
                case 8: BinaryPrimitives.WriteDoubleLittleEndian(buffer, value); break;
                case 2: BinaryPrimitives.WriteHalfLittleEndian(buffer, (Half)value); break;
                default: BinaryPrimitives.WriteSingleLittleEndian(buffer, value); break;
            }

            stream.Write(buffer);
        }
    }
}
