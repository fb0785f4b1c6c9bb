using System.Buffers;
using System.Runtime.InteropServices;
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

    private static RgbImage DropAlpha(byte[] rgba, int width, int height)
    {
        var image = RgbImage.Rent(width, height);
        var rgb = image.Pixels;
        for (int source = 0, target = 0, end = width * height * 3; target < end; source += 4, target += 3)
        {
            rgb[target] = rgba[source];
            rgb[target + 1] = rgba[source + 1];
            rgb[target + 2] = rgba[source + 2];
        }

        return image;
    }

    /// <summary>Pillow's <c>ImageOps.exif_transpose</c>: maps each output pixel to its source for the 8 EXIF origins.</summary>
    private static RgbImage Orient(RgbImage image, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or SKEncodedOrigin.Default)
        {
            return image;
        }

        var (w, h) = (image.Width, image.Height);
        var swaps = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (outWidth, outHeight) = swaps ? (h, w) : (w, h);
        using var source = image;
        var oriented = RgbImage.Rent(outWidth, outHeight);
        var output = oriented.Pixels;
        for (var y = 0; y < outHeight; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x), // LeftBottom
                };
                Buffer.BlockCopy(image.Pixels, ((sy * w) + sx) * 3, output, ((y * outWidth) + x) * 3, 3);
            }
        }

        return oriented;
    }
}
