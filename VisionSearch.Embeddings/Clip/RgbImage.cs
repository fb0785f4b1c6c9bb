namespace VisionSearch.Embeddings.Clip;

/// <summary>An 8-bit RGB image, pixels interleaved row by row.</summary>
internal sealed record RgbImage(byte[] Pixels, int Width, int Height);
