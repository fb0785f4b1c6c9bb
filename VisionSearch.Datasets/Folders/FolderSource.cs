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
/// A sync walks the whole folder again to compare it, so the walk asks the file system as little as it can: one
/// listing per folder gives the images and the sidecars present, an image whose stamp the sync knows is not read
/// (a <c>stat</c> of it and of its sidecars), and an image is read with one open, one size and one read, on the
/// calling thread (a small local read costs less than a hop to the pool and back).
/// </summary>
public sealed class FolderSource(string folder, string? captions = null, SourceLimits? limits = null, SharedFolders? shared = null) : IStampedSource
{
    /// <summary>How many files' stamps are asked about at once: one Redis round trip each in a sync.</summary>
    private const int StampRun = 1_024;

    private readonly SourceLimits _limits = limits ?? SourceLimits.Default;

    /// <summary>The image extensions read, lower case.</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp" };

    public string Description => $"folder {folder}";

    public IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, CancellationToken cancellationToken = default) =>
        ReadAsync(unchanged: null, after, cancellationToken);

    public IAsyncEnumerable<DatasetEntry> ReadChangedAsync(StampCheck unchanged, string? after = null, CancellationToken cancellationToken = default) =>
        ReadAsync(unchanged, after, cancellationToken);

    private async IAsyncEnumerable<DatasetEntry> ReadAsync(StampCheck? unchanged, string? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var root = LocalFiles.ExistingFolder(folder);
        var from = after is null ? null
            : after.StartsWith("p:", StringComparison.Ordinal) ? after[2..]
            : throw new DatasetException($"'{after}' is not a cursor of a folder.", "cursor");
        var captionsStamp = captions is null ? null : FileStamp.Of(captions);
        var captionTable = captions is null ? null : await CaptionTableAsync(captions, cancellationToken);

        var inside = shared ?? new SharedFolders([root]);
        var (images, sidecars) = Walk(root, inside);
        var files = images
            .Where(f => from is null || string.CompareOrdinal(f.Relative, from) > 0)
            .OrderBy(f => f.Relative, StringComparer.Ordinal);

        foreach (var run in files.Chunk(StampRun))
        {
            // Every stamp of a run is taken before any of its files is read: a file that changes in between is newer than
            // its stamp, so the next sync reads it again. The reverse order could leave a change unseen for good.
            var stamps = new string?[run.Length];
            var asked = new List<(int Index, ItemStamp Stamp)>();
            for (var i = 0; i < run.Length; i++)
            {
                if (run[i].Outside is null && ItemStampOf(Path.Combine(root, run[i].Relative), sidecars, captionsStamp) is { } stamp)
                {
                    stamps[i] = stamp;
                    asked.Add((i, new ItemStamp(run[i].Relative, stamp)));
                }
            }

            var known = new bool[run.Length];
            if (unchanged is not null && asked.Count > 0)
            {
                var answers = await unchanged([.. asked.Select(a => a.Stamp)], cancellationToken);
                for (var a = 0; a < asked.Count; a++)
                {
                    known[asked[a].Index] = answers[a];
                }
            }

            for (var i = 0; i < run.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (relative, outside) = run[i];
                var cursor = "p:" + relative;
                yield return outside is not null ? DatasetEntry.Failed(relative, outside, cursor)
                    : known[i] ? DatasetEntry.Unchanged(relative, cursor)
                    : Read(root, relative, cursor, stamps[i], sidecars, inside, captionTable);
            }
        }
    }

    /// <summary>The image at <paramref name="relative"/> with its caption and metadata, or why it cannot be read.</summary>
    private DatasetEntry Read(
        string root, string relative, string cursor, string? stamp, Dictionary<string, bool> sidecars, SharedFolders inside, Dictionary<string, string>? captionTable)
    {
        var path = Path.Combine(root, relative);
        byte[] bytes;
        try
        {
            bytes = ReadBounded(path, inside);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DatasetEntry.Failed(relative, $"unreadable: {e.Message}", cursor);
        }
        catch (DatasetException e)
        {
            return DatasetEntry.Failed(relative, e.Message, cursor); // swapped for a link out after the walk
        }

        if (bytes.Length == 0)
        {
            return DatasetEntry.Failed(relative, "empty file (0 bytes)", cursor);
        }

        var (caption, metadata) = Sidecar(path, sidecars, inside);
        return DatasetEntry.Of(new DatasetItem(relative, ItemKind.Image, cursor)
        {
            Bytes = bytes,
            Text = captionTable?.GetValueOrDefault(relative) ?? caption,
            Metadata = metadata ?? new Dictionary<string, JsonElement>(),
            Stamp = stamp,
        });
    }

    /// <summary>An image's stamp: its <see cref="FileStamp"/>, its sidecars' and the caption table's; null when it cannot be read.</summary>
    private static string? ItemStampOf(string image, Dictionary<string, bool> sidecars, string? captionsStamp)
    {
        if (FileStamp.Of(image) is not { } stamp)
        {
            return null;
        }

        var stem = Path.ChangeExtension(image, null);
        var text = sidecars.ContainsKey(stem + ".txt") ? FileStamp.Of(stem + ".txt") ?? "?" : "";
        var json = sidecars.ContainsKey(stem + ".json") ? FileStamp.Of(stem + ".json") ?? "?" : "";
        return $"{stamp}|{text}|{json}|{captionsStamp}";
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
        var everything = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 };
        var noLinks = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        while (pending.TryPop(out var folder))
        {
            List<(string Path, bool Folder, bool Link)> entries;
            try
            {
                // The links are the names a listing that skips links leaves out. Asking each entry for its attributes
                // instead costs a stat per file on Unix: two listings of a folder of 10,000 photos take a third of that.
                var plain = new FileSystemEnumerable<string>(folder, (ref FileSystemEntry entry) => entry.FileName.ToString(), noLinks)
                    .ToHashSet(StringComparer.Ordinal)
                    .GetAlternateLookup<ReadOnlySpan<char>>();
                entries = [.. new FileSystemEnumerable<(string, bool, bool)>(
                    folder,
                    (ref FileSystemEntry entry) => (entry.ToFullPath(), entry.IsDirectory, !plain.Contains(entry.FileName)),
                    everything)];
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

    /// <summary>
    /// The file's bytes, or an <see cref="IOException"/> when it is larger than an item may be, or a refusal
    /// (<see cref="DatasetException"/>) when what was opened lies outside <paramref name="inside"/>.
    /// </summary>
    private byte[] ReadBounded(string path, SharedFolders inside)
    {
        using var handle = SharedFiles.OpenRead(path, inside);
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
                bytes = ReadBounded(candidate, inside);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or DatasetException)
            {
                continue; // too large, unreadable or swapped for a link out: as if it were not there
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
        await foreach (var entry in new TableTextSource(path, "text", _limits, shared).ReadAsync(cancellationToken: cancellationToken))
        {
            if (entry.Item is { } item && item.Metadata.TryGetValue("file", out var cell) && cell.ValueKind == JsonValueKind.String && cell.GetString() is { } file)
            {
                table[file.Replace('\\', '/')] = item.Text!;
            }
        }

        return table;
    }
}
