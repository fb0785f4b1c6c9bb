using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using SkiaSharp;
using VisionSearch.Testing;

namespace VisionSearch.Embeddings.Tests;

/// <summary>tests/fixtures/clip-tiny: a tiny random CLIP with the real interface, and its goldens.json.</summary>
internal static class ClipGoldens
{
    public static readonly string Folder = TestFiles.Fixture("clip-tiny");

    private static readonly Lazy<JsonDocument> Document = new(() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "goldens.json"))));

    public static IEnumerable<JsonElement> Texts => Document.Value.RootElement.GetProperty("texts").EnumerateArray();

    /// <summary>Image records as this code decodes them: EXIF orientation applied, so the orientation-6 file is compared with its transposed record.</summary>
    public static IEnumerable<JsonElement> Images => Document.Value.RootElement.GetProperty("images").EnumerateArray()
        .Where(i => i.GetProperty("exif_orientation").ValueKind == JsonValueKind.Null || i.GetProperty("name").GetString()!.EndsWith("_exif_transposed", StringComparison.Ordinal));

    public static JsonElement Text(string name) => Texts.Single(t => t.GetProperty("name").GetString() == name);

    public static JsonElement Image(string name) => Images.Single(t => t.GetProperty("name").GetString() == name);

    public static TheoryData<string> TextNames() => [.. Texts.Select(t => t.GetProperty("name").GetString()!)];

    public static TheoryData<string> ImageNames() => [.. Images.Select(t => t.GetProperty("name").GetString()!)];

    public static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(v => (float)v.GetDouble())];

    public static byte[] ImageBytes(JsonElement image) => File.ReadAllBytes(Path.Combine(Folder, image.GetProperty("file").GetString()!));

    /// <summary>
    /// The reference <c>pixel_values</c> of an image: its <c>crop224.png</c> golden (the Python reference's resized and
    /// cropped RGB) rescaled in double and normalised in float32, as <c>goldens.json</c>'s <c>image_preprocessing</c>
    /// states, then checked against the reference's own SHA-256 of its values, so the expectation is the reference's
    /// bit for bit without shipping its 600 KB float file per image.
    /// </summary>
    public static float[] PixelValues(JsonElement image)
    {
        var preprocessing = Document.Value.RootElement.GetProperty("image_preprocessing");
        var mean = Floats(preprocessing.GetProperty("image_mean"));
        var std = Floats(preprocessing.GetProperty("image_std"));
        using var crop = SKBitmap.Decode(Path.Combine(Folder, image.GetProperty("crop224_png").GetString()!))
            ?? throw new InvalidDataException("Undecodable crop224 golden.");
        var plane = crop.Width * crop.Height;
        var values = new float[3 * plane];
        for (var y = 0; y < crop.Height; y++)
        {
            for (var x = 0; x < crop.Width; x++)
            {
                var pixel = crop.GetPixel(x, y);
                byte[] rgb = [pixel.Red, pixel.Green, pixel.Blue];
                for (var c = 0; c < 3; c++)
                {
                    var rescaled = (float)(rgb[c] * 0.00392156862745098);
                    values[(c * plane) + (y * crop.Width) + x] = (rescaled - mean[c]) / std[c];
                }
            }
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())));
        return hash == image.GetProperty("pixel_values_sha256").GetString()
            ? values
            : throw new InvalidDataException($"The pixel values derived from {image.GetProperty("crop224_png")} do not hash to the reference's.");
    }
}
