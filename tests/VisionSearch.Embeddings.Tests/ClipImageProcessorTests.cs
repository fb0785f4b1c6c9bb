using SkiaSharp;
using VisionSearch.Embeddings.Clip;
using VisionSearch.Testing;

namespace VisionSearch.Embeddings.Tests;

public sealed class ClipImageProcessorTests
{
    private static readonly ClipImageProcessor Processor = ClipImageProcessor.FromFolder(ClipGoldens.Folder);

    [Theory]
    [MemberData(nameof(Names))]
    public void Pixel_values_equal_the_goldens_bit_for_bit(string name)
    {
        var golden = ClipGoldens.Image(name);
        var values = new float[Processor.ValuesPerImage];

        Processor.Preprocess(ClipGoldens.ImageBytes(golden), values);

        var expected = ClipGoldens.PixelValues(golden);
        Assert.Equal(expected.Length, values.Length);
        var mismatches = Enumerable.Range(0, values.Length).Count(i => BitConverter.SingleToInt32Bits(values[i]) != BitConverter.SingleToInt32Bits(expected[i]));
        Assert.Equal(0, mismatches);
    }

    public static TheoryData<string> Names() => ClipGoldens.ImageNames();

    [Fact]
    public void Undecodable_bytes_are_an_invalid_data_error()
    {
        var values = new float[Processor.ValuesPerImage];
        var error = Assert.Throws<InvalidDataException>(() => Processor.Preprocess("not an image"u8, values));
        Assert.Contains("Not a decodable image", error.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Every_exif_orientation_turns_the_pixels_as_pillows_exif_transpose_does(int orientation)
    {
        // The same JPEG with and without an EXIF segment decodes to the same raw pixels; only the turn may differ.
        const int Width = 37, Height = 23; // odd, unequal sides: a swapped or off-by-one index shows
        using var bitmap = new SKBitmap(Width, Height);
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 7), (byte)(y * 11), (byte)((x * y) % 256)));
            }
        }

        using var encoded = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100);
        var plain = encoded.ToArray();
        using var upright = ImageDecoder.Decode(plain, 224);
        using var turned = ImageDecoder.Decode(WithExifOrientation(plain, orientation), 224);

        // ImageOps.exif_transpose: 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE, 6 ROTATE_270,
        // 7 TRANSVERSE, 8 ROTATE_90; for each, the source of output pixel (x, y).
        Func<int, int, (int X, int Y)> source = orientation switch
        {
            1 => (x, y) => (x, y),
            2 => (x, y) => (Width - 1 - x, y),
            3 => (x, y) => (Width - 1 - x, Height - 1 - y),
            4 => (x, y) => (x, Height - 1 - y),
            5 => (x, y) => (y, x),
            6 => (x, y) => (y, Height - 1 - x),
            7 => (x, y) => (Width - 1 - y, Height - 1 - x),
            _ => (x, y) => (Width - 1 - y, x),
        };
        var (expectedWidth, expectedHeight) = orientation >= 5 ? (Height, Width) : (Width, Height);
        Assert.Equal((expectedWidth, expectedHeight), (turned.Width, turned.Height));
        for (var y = 0; y < expectedHeight; y++)
        {
            for (var x = 0; x < expectedWidth; x++)
            {
                var (sx, sy) = source(x, y);
                var expected = upright.Pixels.AsSpan(((sy * Width) + sx) * 3, 3).ToArray();
                var actual = turned.Pixels.AsSpan(((y * expectedWidth) + x) * 3, 3).ToArray();
                Assert.True(expected.SequenceEqual(actual), $"orientation {orientation}, pixel ({x}, {y}): [{string.Join(", ", actual)}], expected source ({sx}, {sy}) [{string.Join(", ", expected)}]");
            }
        }
    }

    /// <summary>The JPEG with an APP1 EXIF segment after SOI: a big-endian TIFF header and one IFD entry, Orientation (0x0112) as a SHORT.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, int orientation)
    {
        byte[] tiff = [(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0, 0, 0, 0, 0];
        byte[] header = [.. "Exif"u8, 0, 0];
        var length = 2 + header.Length + tiff.Length;
        return [.. jpeg[..2], 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. header, .. tiff, .. jpeg[2..]];
    }

    [Fact]
    public void A_20000_pixel_square_jpeg_is_scaled_down_while_decoding()
    {
        var jpeg = HostileFiles.JpegClaiming(20_000, 20_000);
        var values = new float[Processor.ValuesPerImage];
        var before = GC.GetAllocatedBytesForCurrentThread();

        Processor.Preprocess(jpeg, values);

        // Full size would be 1.6 GB of RGBA; 1/8 in the decoder is 2,500² (25 MB) plus the RGB copy.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, 1, 100_000_000);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void A_png_decompression_bomb_is_refused_from_its_header_without_decoding()
    {
        var bomb = HostileFiles.PngBomb(20_000, 20_000); // 400 MB of pixels from a few hundred KB
        var values = new float[Processor.ValuesPerImage];
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<InvalidDataException>(() => Processor.Preprocess(bomb, values));

        Assert.Contains("20000×20000 in a format (Png) that cannot be scaled while decoding; at most 64,000,000 pixels", error.Message, StringComparison.Ordinal);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 4 * bomb.Length + (1 << 20));
    }

    [Theory]
    [InlineData(65_535, "Not a decodable image")] // past libjpeg's own 65,500 limit
    [InlineData(65_000, "65000×65000, more than 1,000,000,000 pixels")]
    public void A_jpeg_claiming_a_huge_size_is_refused_from_its_header(int side, string reason)
    {
        var values = new float[Processor.ValuesPerImage];
        var error = Assert.Throws<InvalidDataException>(() => Processor.Preprocess(HostileFiles.JpegClaiming(side, side), values));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
