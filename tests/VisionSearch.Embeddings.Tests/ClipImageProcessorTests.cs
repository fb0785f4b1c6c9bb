using SkiaSharp;
using VisionSearch.Embeddings.Clip;

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

    [Fact]
    public void A_20000_pixel_square_jpeg_is_scaled_down_while_decoding()
    {
        var jpeg = HugeJpeg(20_000, 20_000);
        var values = new float[Processor.ValuesPerImage];
        var before = GC.GetAllocatedBytesForCurrentThread();

        Processor.Preprocess(jpeg, values);

        // Full size would be 1.6 GB of RGBA; 1/8 in the decoder is 2,500² (25 MB) plus the RGB copy.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, 1, 100_000_000);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>A small JPEG whose frame header is rewritten to a huge size: the decoder sees the dimensions, the scan data stays tiny.</summary>
    private static byte[] HugeJpeg(int width, int height)
    {
        using var bitmap = new SKBitmap(64, 64);
        bitmap.Erase(new SKColor(200, 120, 40));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        var bytes = data.ToArray();
        for (var i = 2; i < bytes.Length - 8; i++)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC2)
            {
                bytes[i + 5] = (byte)(height >> 8);
                bytes[i + 6] = (byte)height;
                bytes[i + 7] = (byte)(width >> 8);
                bytes[i + 8] = (byte)width;
                return bytes;
            }
        }

        throw new InvalidOperationException("No SOF marker in the encoded JPEG.");
    }
}
