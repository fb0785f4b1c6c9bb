namespace VisionSearch.Embeddings;

/// <summary>The media type of an encoded image, read from its leading bytes (file names and headers lie).</summary>
public static class ImageMediaTypes
{
    /// <summary>image/jpeg, image/png, image/gif, image/webp or image/bmp; null for anything else.</summary>
    public static string? Sniff(ReadOnlySpan<byte> image) =>
        image.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : image.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']) ? "image/png"
        : image.StartsWith("GIF8"u8) ? "image/gif"
        : image.Length >= 12 && image.StartsWith("RIFF"u8) && image[8..12].SequenceEqual("WEBP"u8) ? "image/webp"
        : image.StartsWith("BM"u8) ? "image/bmp"
        : null;
}
