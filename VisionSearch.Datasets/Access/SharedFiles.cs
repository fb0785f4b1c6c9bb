using Microsoft.Win32.SafeHandles;

namespace VisionSearch.Datasets.Access;

/// <summary>
/// Opens files for sources whose paths the shared folders accepted. A path checked and then opened leaves a race: the
/// file, or a folder above it, can be swapped for a symbolic link that leads out between the check and the open. So
/// what was opened is checked too: on Linux the opened file itself, by the path the kernel keeps for it
/// (<c>/proc/self/fd</c>), elsewhere the path resolved again. Without shared folders (a source used as a library),
/// nothing is checked.
/// </summary>
public static class SharedFiles
{
    /// <summary>A handle for reading <paramref name="path"/>.</summary>
    /// <exception cref="DatasetException">Refused: what was opened lies outside <paramref name="inside"/>; <paramref name="field"/> is blamed.</exception>
    public static SafeFileHandle OpenRead(string path, SharedFolders? inside, FileOptions options = FileOptions.None, string field = "location")
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, options);
        try
        {
            if (inside is not null && OpenedPath(handle, path) is var opened && !inside.Contains(opened))
            {
                throw new DatasetException($"'{path}' was opened as '{opened}' (swapped for a symbolic link after it was checked), outside the shared folders: not read.", field)
                {
                    Refused = true,
                };
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>A buffered stream for reading <paramref name="path"/>, checked as <see cref="OpenRead"/> checks it.</summary>
    public static FileStream OpenStream(string path, SharedFolders? inside, FileOptions options = FileOptions.None) =>
        new(OpenRead(path, inside, options), FileAccess.Read, 1 << 16, isAsync: options.HasFlag(FileOptions.Asynchronous));

    private static string OpenedPath(SafeFileHandle handle, string path) =>
        OperatingSystem.IsLinux() && new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget is { } opened ? opened : RealPath.Of(path);
}
