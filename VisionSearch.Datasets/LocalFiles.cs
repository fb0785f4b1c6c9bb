namespace VisionSearch.Datasets;

/// <summary>Checks on user-given local paths, failing with a <see cref="DatasetException"/> on "location".</summary>
internal static class LocalFiles
{
    public static string Existing(string path)
    {
        var full = Path.GetFullPath(path);
        return File.Exists(full) ? full : throw new DatasetException($"No file at '{full}'.", "location");
    }

    public static string ExistingFolder(string path)
    {
        var full = Path.GetFullPath(path);
        return Directory.Exists(full) ? full : throw new DatasetException($"No folder at '{full}'.", "location");
    }
}
