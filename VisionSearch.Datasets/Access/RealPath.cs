namespace VisionSearch.Datasets.Access;

/// <summary>
/// A path with every symbolic link on it followed, component by component, as the kernel would open it (the
/// managed <c>realpath</c>): a link in the middle of a path counts as much as one at its end. A part that does
/// not exist yet is appended as written.
/// </summary>
internal static class RealPath
{
    /// <summary>Linux's limit (MAXSYMLINKS): past it a path is a loop.</summary>
    private const int MaxLinks = 40;

    /// <exception cref="IOException">The path goes through more than 40 links (a loop).</exception>
    public static string Of(string path)
    {
        // A relative path starts at the working folder; an absolute one keeps its '..' for the walk below to follow physically.
        var full = Path.IsPathFullyQualified(path) ? path : Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var pending = new Stack<string>(full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var resolved = root;
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? root;
                continue;
            }

            var next = Path.Join(resolved, part);
            var target = LinkTarget(next);
            if (target is null)
            {
                resolved = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new IOException($"'{path}' goes through more than {MaxLinks} symbolic links.");
            }

            // The link's target replaces it: absolute from the root, relative from the link's folder.
            var rest = Path.IsPathRooted(target) ? target : Path.Join(resolved, target);
            var restRoot = Path.GetPathRoot(rest)!;
            foreach (var piece in rest[restRoot.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(piece);
            }

            resolved = restRoot;
        }

        return resolved;
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // not there (yet) or not ours to look at: the open that follows will say so
        }
    }
}
