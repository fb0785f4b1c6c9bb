using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using VisionSearch.Datasets.Access;
using VisionSearch.Datasets.Text;

namespace VisionSearch.Datasets.Folders;

/// <summary>
/// A folder of images, recursive, in ordinal order of their relative paths (the id, and the cursor).
/// A caption comes from a sidecar <c>name.txt</c> or <c>name.json</c> (<c>text</c> or <c>caption</c>; its other
/// fields become the image's metadata, with their JSON types) beside the image, or from <paramref name="captions"/>, a CSV or JSONL with <c>file</c> and <c>text</c>
/// columns. An empty, unreadable or over-large file is reported with its path and reading goes on. Only paths
/// are held in memory; each image is read when its turn comes. A symbolic link is followed only where it stays
/// in <paramref name="shared"/> (by default, in the folder itself): one that leads out is reported, not read.
/// A sync reads the whole folder again to compare it, so the walk asks the file system as little as it can: one
/// listing per folder gives the images and the sidecars present, and an image is read with one open, one size
/// and one read, on the calling thread (a small local read costs less than a hop to the pool and back).
/// </summary>
public sealed class FolderSource(string folder, string? captions = null, SourceLimits? limits = null, SharedFolders? shared = null) : IDatasetSource
{
    private readonly SourceLimits _limits = limits ?? SourceLimits.Default;

    /// <summary>The image extensions read, lower case.</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp" };

    public string Description => $"folder {folder}";

    public async IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var root = LocalFiles.ExistingFolder(folder);
        var from = after is null ? null
            : after.StartsWith("p:", StringComparison.Ordinal) ? after[2..]
            : throw new DatasetException($"'{after}' is not a cursor of a folder.", "cursor");
        var captionTable = captions is null ? null : await CaptionTableAsync(captions, cancellationToken);

        var inside = shared ?? new SharedFolders([root]);
        var (images, sidecars) = Walk(root, inside);
        var files = images
            .Where(f => from is null || string.CompareOrdinal(f.Relative, from) > 0)
            .OrderBy(f => f.Relative, StringComparer.Ordinal);

        foreach (var (relative, outside) in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var cursor = "p:" + relative;
            if (outside is not null)
            {
                yield return DatasetEntry.Failed(relative, outside, cursor);
                continue;
            }

            var path = Path.Combine(root, relative);
            byte[] bytes = [];
            string? problem = null;
            try
            {
                bytes = ReadBounded(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problem = e.Message;
            }

            if (problem is not null)
            {
                yield return DatasetEntry.Failed(relative, $"unreadable: {problem}", cursor);
                continue;
            }

            if (bytes.Length == 0)
            {
                yield return DatasetEntry.Failed(relative, "empty file (0 bytes)", cursor);
                continue;
            }

            var (caption, metadata) = Sidecar(path, sidecars, inside);
            yield return DatasetEntry.Of(new DatasetItem(relative, ItemKind.Image, cursor)
            {
                Bytes = bytes,
                Text = captionTable?.GetValueOrDefault(relative) ?? caption,
                Metadata = metadata ?? new Dictionary<string, JsonElement>(),
            });
        }
    }

    /// <summary>
    /// Every image under <paramref name="root"/> by its relative path, with why it is not read when it is a link
    /// that leads outside <paramref name="inside"/>, and the possible sidecars (<c>.txt</c>, <c>.json</c>) by full path,
    /// true for a link. Linked folders that stay inside are walked once each. Only links cost more than the listing:
    /// everything else found in a folder that is inside is inside.
    /// </summary>
    private static (List<(string Relative, string? Outside)> Images, Dictionary<string, bool> Sidecars) Walk(string root, SharedFolders inside)
    {
        var found = new List<(string, string?)>();
        var sidecars = new Dictionary<string, bool>(StringComparer.Ordinal);
        var walked = new HashSet<string>(StringComparer.Ordinal) { RealPath.Of(root) };
        var pending = new Stack<string>([root]);
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 };
        while (pending.TryPop(out var folder))
        {
            List<(string Path, bool Folder, bool Link)> entries;
            try
            {
                entries = [.. new FileSystemEnumerable<(string, bool, bool)>(
                    folder,
                    (ref FileSystemEntry entry) => (entry.ToFullPath(), entry.IsDirectory, (entry.Attributes & FileAttributes.ReparsePoint) != 0),
                    options)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var (path, isDirectory, isLink) in entries)
            {
                var real = isLink ? RealPath.Of(path) : path;
                var isFolder = isLink ? Directory.Exists(real) : isDirectory;
                var extension = Path.GetExtension(path);
                if (!isFolder && extension is ".txt" or ".json") // the names Sidecar looks for
                {
                    sidecars[path] = isLink;
                    continue;
                }

                if (!isFolder && !ImageExtensions.Contains(extension))
                {
                    continue;
                }

                var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
                if (isLink && !inside.Contains(real))
                {
                    found.Add((relative, $"a symbolic link to '{real}', outside the shared folders: not read"));
                }
                else if (isFolder)
                {
                    if (walked.Add(real))
                    {
                        pending.Push(path);
                    }
                }
                else
                {
                    found.Add((relative, null));
                }
            }
        }

        return (found, sidecars);
    }

    /// <summary>The file's bytes, or an <see cref="IOException"/> when it is larger than an item may be.</summary>
    private byte[] ReadBounded(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        if (length > _limits.MaxItemBytes)
        {
            throw new IOException($"the file is {length:N0} bytes, larger than the {_limits.MaxItemBytes:N0}-byte limit (Datasets:MaxItemBytes)");
        }

        var bytes = new byte[length];
        var read = 0;
        while (read < bytes.Length && RandomAccess.Read(handle, bytes.AsSpan(read), read) is var n and > 0)
        {
            read += n;
        }

        return read == bytes.Length ? bytes : bytes[..read]; // it shrank while read: what was there
    }

    /// <summary>
    /// A caption beside the image: <c>name.txt</c>, or <c>name.json</c>'s <c>text</c>/<c>caption</c> with its other fields as
    /// metadata; one that is a link out, too large or unreadable gives neither.
    /// </summary>
    private (string? Caption, Dictionary<string, JsonElement>? Metadata) Sidecar(string image, Dictionary<string, bool> sidecars, SharedFolders inside)
    {
        var stem = Path.ChangeExtension(image, null);
        foreach (var candidate in new[] { stem + ".txt", stem + ".json" })
        {
            if (!sidecars.TryGetValue(candidate, out var isLink) || (isLink && !inside.Contains(RealPath.Of(candidate))))
            {
                continue;
            }

            byte[] bytes;
            try
            {
                bytes = ReadBounded(candidate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // too large or unreadable: as if it were not there
            }

            if (candidate.EndsWith(".txt", StringComparison.Ordinal))
            {
                using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
                return (reader.ReadToEnd().Trim(), null);
            }

            try
            {
                using var document = JsonDocument.Parse(bytes);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return (null, null);
                }

                var root = document.RootElement;
                var caption = (root.TryGetProperty("text", out var text) || root.TryGetProperty("caption", out text)) && text.ValueKind == JsonValueKind.String
                    ? text.GetString()
                    : null;
                var metadata = root.EnumerateObject().Where(p => p.Name is not ("text" or "caption")).ToDictionary(p => p.Name, p => p.Value.Clone());
                return (caption, metadata.Count == 0 ? null : metadata);
            }
            catch (JsonException)
            {
                return (null, null);
            }
        }

        return (null, null);
    }

    private async Task<Dictionary<string, string>> CaptionTableAsync(string path, CancellationToken cancellationToken)
    {
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var entry in new TableTextSource(path, "text", _limits).ReadAsync(cancellationToken: cancellationToken))
        {
            if (entry.Item is { } item && item.Metadata.TryGetValue("file", out var cell) && cell.ValueKind == JsonValueKind.String && cell.GetString() is { } file)
            {
                table[file.Replace('\\', '/')] = item.Text!;
            }
        }

        return table;
    }
}
