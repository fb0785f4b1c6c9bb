namespace VisionSearch.Datasets;

/// <summary>
/// A file's size and modification time, as rsync and git tell a changed file without reading it: a write that keeps
/// both the size and the time to the 100 ns goes unseen. Taken before the file is read, so a change made while it is
/// read leaves a newer time than the stamp kept.
/// </summary>
public static class FileStamp
{
    /// <summary>The stamp of the file at <paramref name="path"/>, or null when there is no file there.</summary>
    public static string? Of(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? $"{file.Length}:{file.LastWriteTimeUtc.Ticks}" : null;
    }
}
