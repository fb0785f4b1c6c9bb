using VisionSearch.Testing;

namespace VisionSearch.Datasets.Tests;

/// <summary>Reads a whole source into a list; and real image bytes from the shared fixtures.</summary>
internal static class DatasetReading
{
    public static async Task<List<DatasetEntry>> AllAsync(IDatasetSource source, string? after = null)
    {
        var entries = new List<DatasetEntry>();
        await foreach (var entry in source.ReadAsync(after))
        {
            entries.Add(entry);
        }

        return entries;
    }

    public static byte[] Png => File.ReadAllBytes(TestFiles.Fixture("clip-tiny", "images", "square_224x224.png"));

    public static byte[] Jpeg => File.ReadAllBytes(TestFiles.Fixture("clip-tiny", "images", "landscape_321x240.jpg"));
}
