namespace VisionSearch.Testing;

/// <summary>
/// The checkout's own files, found by walking up from the test binaries to the folder holding VisionSearch.sln:
/// the fixtures under <c>tests/fixtures</c> (a clone needs nothing beside it) and the repository's other files.
/// </summary>
public static class TestFiles
{
    private static readonly Lazy<string> Checkout = new(LocateCheckout);

    /// <summary>The path of <paramref name="relative"/> under <c>tests/fixtures</c>.</summary>
    public static string Fixture(params string[] relative) => Path.Combine([Checkout.Value, "tests", "fixtures", .. relative]);

    /// <summary>Copies the clip-tiny fixture's images into <paramref name="folder"/> (made if missing); returns the fixture's paths of them.</summary>
    public static string[] CopyFixtureImages(string folder)
    {
        Directory.CreateDirectory(folder);
        var images = Directory.GetFiles(Fixture("clip-tiny", "images"));
        foreach (var image in images)
        {
            File.Copy(image, Path.Combine(folder, Path.GetFileName(image)));
        }

        return images;
    }

    /// <summary>The path of <paramref name="relative"/> in the checkout itself (e.g. model/examples).</summary>
    public static string Repository(params string[] relative) => Path.Combine([Checkout.Value, .. relative]);

    private static string LocateCheckout()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VisionSearch.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No VisionSearch.sln above '{AppContext.BaseDirectory}'.");
    }
}
