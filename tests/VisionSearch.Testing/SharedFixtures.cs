namespace VisionSearch.Testing;

/// <summary>
/// <c>../shared</c> beside the checkout (fixtures, the bench harness), and the checkout's own files, found by
/// walking up from the test binaries to the folder holding VisionSearch.sln. <c>VISIONSEARCH_SHARED</c> overrides it.
/// </summary>
public static class SharedFixtures
{
    private static readonly Lazy<string> Checkout = new(LocateCheckout);
    private static readonly Lazy<string> Root = new(Locate);

    /// <summary>The path of <paramref name="relative"/> under <c>shared/fixtures</c>.</summary>
    public static string Fixture(params string[] relative) => Path.Combine([Root.Value, "fixtures", .. relative]);

    /// <summary>The path of <paramref name="relative"/> in the checkout itself (e.g. model/examples).</summary>
    public static string Repository(params string[] relative) => Path.Combine([Checkout.Value, .. relative]);

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("VISIONSEARCH_SHARED") is { Length: > 0 } configured)
        {
            return configured;
        }

        var shared = Path.GetFullPath(Path.Combine(Checkout.Value, "..", "shared"));
        return Directory.Exists(shared)
            ? shared
            : throw new DirectoryNotFoundException($"The shared fixtures are expected at '{shared}' (beside the checkout); set VISIONSEARCH_SHARED to move them.");
    }

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
