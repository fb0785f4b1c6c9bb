namespace VisionSearch.Datasets.Access;

/// <summary>
/// The folders an operator shares with the callers of this service (<c>Datasets:Roots</c>): a local source, a model
/// folder or any file read later for it is read only when its real path (every symbolic link followed) lies in one
/// of them. A path with a '..' segment is refused outright, so that what is checked is what is read.
/// </summary>
public sealed class SharedFolders
{
    private readonly string[] _realRoots;

    public SharedFolders(IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        Roots = [.. roots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)))];
        _realRoots = [.. Roots.Select(r => Path.TrimEndingDirectorySeparator(RealPath.Of(r)))];
    }

    /// <summary>The shared folders as configured (full paths).</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>The real path of <paramref name="path"/> when it lies in a shared folder.</summary>
    /// <exception cref="DatasetException">Refused (<see cref="DatasetException.Refused"/>): outside every shared folder, through a link that leaves them, or with a '..' segment; <paramref name="field"/> is blamed.</exception>
    public string Resolve(string path, string field = "location")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Split('/', '\\').Contains(".."))
        {
            throw Refuse($"'{path}' has a '..' segment; name the file by its path inside a shared folder.", field);
        }

        string real;
        try
        {
            real = RealPath.Of(path);
        }
        catch (IOException e)
        {
            throw Refuse($"'{path}' cannot be resolved: {e.Message}", field);
        }

        return Contains(real)
            ? real
            : throw Refuse(
                real == Path.GetFullPath(path) ? $"'{path}' is outside the folders this server shares." : $"'{path}' leads to '{real}' (through a symbolic link), outside the folders this server shares.",
                field);
    }

    /// <summary>Whether a real path (links already followed) lies in a shared folder.</summary>
    public bool Contains(string realPath) =>
        _realRoots.Any(root => realPath == root
            || (realPath.StartsWith(root, StringComparison.Ordinal) && (root.EndsWith(Path.DirectorySeparatorChar) || realPath[root.Length] == Path.DirectorySeparatorChar)));

    private DatasetException Refuse(string problem, string field) => new(
        Roots.Count == 0
            ? $"{problem} No folder is shared for local sources: set Datasets:Roots on the silos (environment Datasets__Roots__0=/path/to/data) and restart them."
            : $"{problem} Shared folders (Datasets:Roots): {string.Join(", ", Roots)}. Put the data in one of them, or add its folder to Datasets:Roots and restart the silos.",
        field)
    {
        Refused = true,
    };
}
