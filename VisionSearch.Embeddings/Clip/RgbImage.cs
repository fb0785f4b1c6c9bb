using System.Buffers;

namespace VisionSearch.Embeddings.Clip;

/// <summary>
/// An 8-bit RGB image, pixels interleaved row by row, in a buffer rented from the shared array pool
/// (it may be longer than width × height × 3). Every stage of preprocessing allocates one; renting them
/// keeps a megabyte per image off the large-object heap. Dispose returns the buffer.
/// </summary>
internal sealed class RgbImage : IDisposable
{
    private byte[]? _pixels;

    private RgbImage(byte[] pixels, int width, int height)
    {
        _pixels = pixels;
        Width = width;
        Height = height;
    }

    public byte[] Pixels => _pixels ?? throw new ObjectDisposedException(nameof(RgbImage));

    public int Width { get; }

    public int Height { get; }

    public static RgbImage Rent(int width, int height) => new(ArrayPool<byte>.Shared.Rent(width * height * 3), width, height);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _pixels, null) is { } pixels)
        {
            ArrayPool<byte>.Shared.Return(pixels);
        }
    }
}
