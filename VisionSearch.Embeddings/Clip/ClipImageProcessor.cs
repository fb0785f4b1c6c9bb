using System.Text.Json;

namespace VisionSearch.Embeddings.Clip;

/// <summary>
/// Hugging Face's <c>CLIPImageProcessor</c> (the PIL one), bit for bit: decode (<see cref="ImageDecoder"/>),
/// resize the shortest edge with Pillow's bicubic (<see cref="PillowBicubic"/>), centre crop with floor
/// offsets, rescale in double, normalise in float32, CHW. Settings come from <c>preprocessor_config.json</c>.
/// </summary>
public sealed class ClipImageProcessor
{
    private readonly float[] _mean;
    private readonly float[] _std;

    private ClipImageProcessor(int shortestEdge, int cropHeight, int cropWidth, double rescale, float[] mean, float[] std)
    {
        ShortestEdge = shortestEdge;
        CropHeight = cropHeight;
        CropWidth = cropWidth;
        Rescale = rescale;
        _mean = mean;
        _std = std;
    }

    /// <summary>The length of the shortest edge after resizing (224 for CLIP ViT-B/32).</summary>
    public int ShortestEdge { get; }

    public int CropHeight { get; }

    public int CropWidth { get; }

    /// <summary>The multiplier from uint8 to [0, 1] (1/255).</summary>
    public double Rescale { get; }

    /// <summary>Floats per image: 3 × crop height × crop width.</summary>
    public int ValuesPerImage => 3 * CropHeight * CropWidth;

    /// <summary>Reads <c>preprocessor_config.json</c>; missing keys take CLIP's values.</summary>
    public static ClipImageProcessor FromFolder(string folder) => FromFolder(new ClipModelFolder(folder));

    /// <summary>Reads <paramref name="folder"/>'s <c>preprocessor_config.json</c>, opened as it opens its files.</summary>
    public static ClipImageProcessor FromFolder(ClipModelFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder.Path, "preprocessor_config.json");
        using var document = JsonDocument.Parse(folder.ReadAllBytes(path));
        var root = document.RootElement;
        var shortest = root.TryGetProperty("size", out var size)
            ? size.ValueKind == JsonValueKind.Number ? size.GetInt32() : size.GetProperty("shortest_edge").GetInt32()
            : 224;
        var (cropHeight, cropWidth) = root.TryGetProperty("crop_size", out var crop)
            ? crop.ValueKind == JsonValueKind.Number ? (crop.GetInt32(), crop.GetInt32()) : (crop.GetProperty("height").GetInt32(), crop.GetProperty("width").GetInt32())
            : (shortest, shortest);
        var rescale = root.TryGetProperty("rescale_factor", out var factor) ? factor.GetDouble() : 1 / 255.0;
        float[] mean = root.TryGetProperty("image_mean", out var m) ? [.. m.EnumerateArray().Select(v => (float)v.GetDouble())] : [0.48145466f, 0.4578275f, 0.40821073f];
        float[] std = root.TryGetProperty("image_std", out var s) ? [.. s.EnumerateArray().Select(v => (float)v.GetDouble())] : [0.26862954f, 0.26130258f, 0.27577711f];
        if (mean.Length != 3 || std.Length != 3)
        {
            throw new InvalidDataException($"'{path}' must give three image_mean and image_std values.");
        }

        return new ClipImageProcessor(shortest, cropHeight, cropWidth, rescale, mean, std);
    }

    /// <summary>Decodes and preprocesses one encoded image into <paramref name="destination"/> (<see cref="ValuesPerImage"/> floats, CHW).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a decodable image.</exception>
    public void Preprocess(ReadOnlySpan<byte> encoded, Span<float> destination)
    {
        using var image = ImageDecoder.Decode(encoded, ShortestEdge);
        using var cropped = ResizeAndCrop(image);
        Normalize(cropped, destination);
    }

    /// <summary>Resize (shortest edge, truncating the other) and centre crop (floor offsets), as uint8 RGB; the caller disposes it.</summary>
    internal RgbImage ResizeAndCrop(RgbImage image)
    {
        var (w, h) = (image.Width, image.Height);
        var (newWidth, newHeight) = w <= h
            ? (ShortestEdge, (int)(ShortestEdge * (double)h / w))
            : ((int)(ShortestEdge * (double)w / h), ShortestEdge);
        var top = (newHeight - CropHeight) / 2;
        var left = (newWidth - CropWidth) / 2;
        if (top < 0 || left < 0)
        {
            throw new InvalidOperationException($"Resized {newWidth}×{newHeight} is smaller than the {CropWidth}×{CropHeight} crop.");
        }

        return PillowBicubic.ResizeRegion(image, newWidth, newHeight, left, top, CropWidth, CropHeight);
    }

    private unsafe void Normalize(RgbImage image, Span<float> destination)
    {
        var plane = CropWidth * CropHeight;
        if (destination.Length < 3 * plane)
        {
            throw new ArgumentException($"The destination holds {destination.Length} floats; an image needs {3 * plane}.", nameof(destination));
        }

        // The lookup holds, per channel and byte, exactly what per-pixel arithmetic would give.
        Span<float> lookup = stackalloc float[3 * 256];
        for (var c = 0; c < 3; c++)
        {
            for (var v = 0; v < 256; v++)
            {
                var x = (float)(v * Rescale);
                lookup[(c * 256) + v] = (x - _mean[c]) / _std[c];
            }
        }

        fixed (byte* pixels = image.Pixels)
        fixed (float* table = lookup, red = destination)
        {
            float* green = red + plane, blue = green + plane;
            var pixel = pixels;
            for (var i = 0; i < plane; i++, pixel += 3)
            {
                red[i] = table[pixel[0]];
                green[i] = table[256 + pixel[1]];
                blue[i] = table[512 + pixel[2]];
            }
        }
    }
}
