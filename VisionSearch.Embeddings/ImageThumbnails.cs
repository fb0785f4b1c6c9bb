using SkiaSharp;
using VisionSearch.Embeddings.Clip;

namespace VisionSearch.Embeddings;

/// <summary>
/// Small JPEG previews of item images for result grids: decoded as the embedder decodes (the same size limits, EXIF
/// orientation applied, huge JPEGs scaled down inside the decoder), resized so the longest edge is at most the size
/// asked for (never enlarged), aspect kept.
/// </summary>
public static class ImageThumbnails
{
    /// <exception cref="InvalidDataException">The bytes are not a decodable image, or too large to decode.</exception>
    public static byte[] Jpeg(ReadOnlySpan<byte> encoded, int maxEdge, int quality = 82)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEdge, 1);
        using var rgb = ImageDecoder.Decode(encoded, maxEdge);
        var scale = Math.Min(1.0, (double)maxEdge / Math.Max(rgb.Width, rgb.Height));
        var width = Math.Max(1, (int)Math.Round(rgb.Width * scale));
        var height = Math.Max(1, (int)Math.Round(rgb.Height * scale));

        using var full = new SKBitmap(new SKImageInfo(rgb.Width, rgb.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = full.GetPixelSpan();
        var pixels = rgb.Pixels;
        for (int i = 0, j = 0; i < rgb.Width * rgb.Height * 3; i += 3, j += 4)
        {
            rgba[j] = pixels[i];
            rgba[j + 1] = pixels[i + 1];
            rgba[j + 2] = pixels[i + 2];
            rgba[j + 3] = 255;
        }

        using var small = width == rgb.Width && height == rgb.Height
            ? full.Copy()
            : full.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var data = small.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }
}
