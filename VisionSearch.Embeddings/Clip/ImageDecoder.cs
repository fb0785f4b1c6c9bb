using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SkiaSharp;

namespace VisionSearch.Embeddings.Clip;

/// <summary>
/// Decodes JPEG, PNG, GIF, WebP and BMP with SkiaSharp into RGB the way Pillow's <c>convert("RGB")</c> does:
/// unpremultiplied decoding with alpha dropped (not composited), palette and grey expanded, 16-bit
/// channels to their high byte; then the EXIF orientation applied, as <c>transformers.load_image</c>
/// does. A huge JPEG is scaled down inside the decoder (libjpeg's 1/2, 1/4, 1/8), never expanded whole.
/// </summary>
internal static class ImageDecoder
{
    /// <summary>Pixels above which a JPEG is scaled down in the decoder: 16 MP (64 MB of RGBA) is enough detail for a 224 crop.</summary>
    public const long ScaleAbovePixels = 16_000_000;

    /// <summary>The most pixels decoded at full size, for formats the decoder cannot scale: 64 MP, 256 MB of RGBA.</summary>
    public const long MaxDecodedPixels = 64_000_000;

    /// <summary>The largest image accepted at all; formats the decoder cannot scale must fit <see cref="MaxDecodedPixels"/>.</summary>
    public const long MaxSourcePixels = 1_000_000_000;

    /// <exception cref="InvalidDataException">The bytes are not a decodable image, or too large.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, int shortestEdge)
    {
        using var data = SKData.CreateCopy(encoded);
        using var stream = new SKMemoryStream(data);
        using var codec = SKCodec.Create(stream, out var result)
            ?? throw new InvalidDataException($"Not a decodable image ({result}); JPEG, PNG, GIF, WebP and BMP are supported.");
        var size = codec.Info.Size;
        if ((long)size.Width * size.Height > MaxSourcePixels)
        {
            throw new InvalidDataException($"The image is {size.Width}×{size.Height}, more than {MaxSourcePixels:N0} pixels.");
        }

        if ((long)size.Width * size.Height > ScaleAbovePixels)
        {
            size = ScaledSize(codec, shortestEdge);
            if ((long)size.Width * size.Height > MaxDecodedPixels)
            {
                throw new InvalidDataException(
                    $"The image is {codec.Info.Width}×{codec.Info.Height} in a format ({codec.EncodedFormat}) that cannot be scaled while decoding; at most {MaxDecodedPixels:N0} pixels.");
            }
        }

        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = ArrayPool<byte>.Shared.Rent(info.BytesSize);
        try
        {
            var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
            try
            {
                result = codec.GetPixels(info, handle.AddrOfPinnedObject());
            }
            finally
            {
                handle.Free();
            }

            if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            {
                throw new InvalidDataException($"The image could not be decoded ({result}).");
            }

            return Orient(DropAlpha(rgba, size.Width, size.Height), codec.EncodedOrigin);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
        }
    }

    /// <summary>The smallest decoder-supported size whose shortest edge still reaches twice the model's input, so the resize still antialiases from real detail.</summary>
    private static SKSizeI ScaledSize(SKCodec codec, int shortestEdge)
    {
        var best = codec.Info.Size;
        foreach (var scale in new[] { 0.5f, 0.25f, 0.125f })
        {
            var scaled = codec.GetScaledDimensions(scale);
            if (Math.Min(scaled.Width, scaled.Height) < 2 * shortestEdge)
            {
                break;
            }

            best = scaled;
        }

        return best;
    }

    /// <summary>RGBA to RGB, four pixels per byte shuffle where the hardware has one (a scalar loop took a tenth of preprocessing).</summary>
    private static RgbImage DropAlpha(byte[] rgba, int width, int height)
    {
        var image = RgbImage.Rent(width, height);
        var rgb = image.Pixels;
        var pixels = width * height;
        var pixel = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var keepRgb = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0xFF, 0xFF, 0xFF, 0xFF);
            ref var source = ref MemoryMarshal.GetArrayDataReference(rgba);
            ref var target = ref MemoryMarshal.GetArrayDataReference(rgb);

            // Each store writes 16 bytes for 12, the next store overwriting the 4 extra: stop while 16 still fit.
            for (; pixel + 6 <= pixels; pixel += 4)
            {
                Vector128.Shuffle(Vector128.LoadUnsafe(ref source, (nuint)(pixel * 4)), keepRgb).StoreUnsafe(ref target, (nuint)(pixel * 3));
            }
        }

        for (; pixel < pixels; pixel++)
        {
            rgb[pixel * 3] = rgba[pixel * 4];
            rgb[(pixel * 3) + 1] = rgba[(pixel * 4) + 1];
            rgb[(pixel * 3) + 2] = rgba[(pixel * 4) + 2];
        }

        return image;
    }

    /// <summary>
    /// Pillow's <c>ImageOps.exif_transpose</c> for the 8 EXIF origins. Output pixel (x, y) comes from source pixel
    /// <c>start + x·across + y·down</c>: each origin is a start corner and two steps (the table in the switch).
    /// </summary>
    private static unsafe RgbImage Orient(RgbImage image, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or SKEncodedOrigin.Default)
        {
            return image;
        }

        var (w, h) = (image.Width, image.Height);
        var (start, across, down) = origin switch
        {
            SKEncodedOrigin.TopRight => (w - 1, -1, w),                       // (w − 1 − x, y)
            SKEncodedOrigin.BottomRight => (((h - 1) * w) + w - 1, -1, -w),   // (w − 1 − x, h − 1 − y)
            SKEncodedOrigin.BottomLeft => ((h - 1) * w, 1, -w),               // (x, h − 1 − y)
            SKEncodedOrigin.LeftTop => (0, w, 1),                             // (y, x)
            SKEncodedOrigin.RightTop => ((h - 1) * w, -w, 1),                 // (y, h − 1 − x)
            SKEncodedOrigin.RightBottom => (((h - 1) * w) + w - 1, -w, -1),   // (w − 1 − y, h − 1 − x)
            _ => (w - 1, w, -1),                                              // LeftBottom: (w − 1 − y, x)
        };
        var swaps = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (outWidth, outHeight) = swaps ? (h, w) : (w, h);
        using var source = image;
        var oriented = RgbImage.Rent(outWidth, outHeight);
        fixed (byte* from = source.Pixels, to = oriented.Pixels)
        {
            var output = to;
            for (var y = 0; y < outHeight; y++)
            {
                var input = from + ((start + ((long)y * down)) * 3);
                for (var x = 0; x < outWidth; x++, input += across * 3, output += 3)
                {
                    output[0] = input[0];
                    output[1] = input[1];
                    output[2] = input[2];
                }
            }
        }

        return oriented;
    }
}
