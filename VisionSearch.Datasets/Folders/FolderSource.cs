using System.Runtime.CompilerServices;
using System.Text.Json;
using VisionSearch.Datasets.Text;

namespace VisionSearch.Datasets.Folders;

/// <summary>
/// A folder of images, recursive, in ordinal order of their relative paths (the id, and the cursor).
/// A caption comes from a sidecar <c>name.txt</c> or <c>name.json</c> (<c>text</c> or <c>caption</c>)
/// beside the image, or from <paramref name="captions"/>, a CSV or JSONL with <c>file</c> and <c>text</c>
/// columns. An empty or unreadable file is reported with its path and reading goes on. Only paths are
/// held in memory; each image is read when its turn comes.
/// </summary>
public sealed class FolderSource(string folder, string? captions = null) : IDatasetSource
{
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

        var files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f)))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(r => from is null || string.CompareOrdinal(r, from) > 0)
            .Order(StringComparer.Ordinal);

        foreach (var relative in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var cursor = "p:" + relative;
            byte[] bytes = [];
            string? problem = null;
            try
            {
                bytes = await File.ReadAllBytesAsync(Path.Combine(root, relative), cancellationToken);
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

            yield return DatasetEntry.Of(new DatasetItem(relative, ItemKind.Image, cursor)
            {
                Bytes = bytes,
                Text = captionTable?.GetValueOrDefault(relative) ?? Sidecar(Path.Combine(root, relative)),
            });
        }
    }

    private static string? Sidecar(string image)
    {
        var stem = Path.ChangeExtension(image, null);
        if (File.Exists(stem + ".txt"))
        {
            return File.ReadAllText(stem + ".txt").Trim();
        }

        if (!File.Exists(stem + ".json"))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(stem + ".json"));
            return document.RootElement.TryGetProperty("text", out var text) || document.RootElement.TryGetProperty("caption", out text)
                ? text.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<Dictionary<string, string>> CaptionTableAsync(string path, CancellationToken cancellationToken)
    {
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var entry in new TableTextSource(path, "text").ReadAsync(cancellationToken: cancellationToken))
        {
            if (entry.Item is { } item && item.Metadata.TryGetValue("file", out var file))
            {
                table[file.Replace('\\', '/')] = item.Text!;
            }
        }

        return table;
    }
}
