using System.Text.Json;
using VisionSearch.Testing;

namespace VisionSearch.Embeddings.Tests;

/// <summary>../shared/fixtures/clip-tiny: a tiny random CLIP with the real interface, and its goldens.json.</summary>
internal static class ClipGoldens
{
    public static readonly string Folder = SharedFixtures.Fixture("clip-tiny");

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

    public static float[] PixelValues(JsonElement image)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, image.GetProperty("pixel_values_file").GetString()!));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
