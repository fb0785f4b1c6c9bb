using System.Runtime.CompilerServices;
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
        var files = Images(root, inside)
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
                bytes = await ReadBoundedAsync(path, cancellationToken);
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

            var (caption, metadata) = Sidecar(path, inside);
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
    /// that leads outside <paramref name="inside"/>. Linked folders that stay inside are walked once each.
    /// </summary>
    private static List<(string Relative, string? Outside)> Images(string root, SharedFolders inside)
    {
        var found = new List<(string, string?)>();
        var walked = new HashSet<string>(StringComparer.Ordinal) { RealPath.Of(root) };
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var folder))
        {
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 }).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var entry in entries)
            {
                var relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
                var real = entry.LinkTarget is null ? entry.FullName : RealPath.Of(entry.FullName);
                var isFolder = Directory.Exists(real);
                if (!isFolder && !ImageExtensions.Contains(Path.GetExtension(entry.Name)))
                {
                    continue;
                }

                if (entry.LinkTarget is not null && !inside.Contains(real))
                {
                    found.Add((relative, $"a symbolic link to '{real}', outside the shared folders: not read"));
                }
                else if (isFolder)
                {
                    if (walked.Add(real))
                    {
                        pending.Push(entry.FullName);
                    }
                }
                else
                {
                    found.Add((relative, null));
                }
            }
        }

        return found;
    }

    /// <summary>The file's bytes, or an <see cref="IOException"/> when it is larger than an item may be.</summary>
    private async Task<byte[]> ReadBoundedAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return stream.Length <= _limits.MaxItemBytes
            ? await File.ReadAllBytesAsync(path, cancellationToken)
            : throw new IOException($"the file is {stream.Length:N0} bytes, larger than the {_limits.MaxItemBytes:N0}-byte limit (Datasets:MaxItemBytes)");
    }

    /// <summary>
    /// A caption beside the image: <c>name.txt</c>, or <c>name.json</c>'s <c>text</c>/<c>caption</c> with its other fields as
    /// metadata; one that is a link out, too large or unreadable gives neither.
    /// </summary>
    private (string? Caption, Dictionary<string, JsonElement>? Metadata) Sidecar(string image, SharedFolders inside)
    {
        var stem = Path.ChangeExtension(image, null);
        foreach (var candidate in new[] { stem + ".txt", stem + ".json" })
        {
            var file = new FileInfo(candidate);
            if (!file.Exists || file.Length > _limits.MaxItemBytes || !inside.Contains(RealPath.Of(candidate)))
            {
                continue;
            }

            try
            {
                if (candidate.EndsWith(".txt", StringComparison.Ordinal))
                {
                    return (File.ReadAllText(candidate).Trim(), null);
                }

                using var document = JsonDocument.Parse(File.ReadAllBytes(candidate));
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
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
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
