using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Parquet;
using VisionSearch.Datasets.Parquet;
using VisionSearch.HuggingFace;

namespace VisionSearch.Datasets.Hub;

/// <summary>
/// A Hugging Face Hub dataset through its Parquet conversion: the files of a config and split are listed
/// with <c>GET /api/datasets/{id}/parquet</c>, each listed URL's redirect gives its path under
/// <c>refs/convert/parquet</c>, and each file is downloaded (cached by ETag, resumed, retried: see
/// <see cref="HubClient"/>) when reading reaches it, then streamed by <see cref="ParquetSource"/>.
/// Ids are row numbers across the split's files. The cursor names the commit read, so a resumed build
/// reads the same bytes even if the conversion changed since; <paramref name="revision"/> pins a commit of
/// refs/convert/parquet up front.
/// </summary>
public sealed class HubDatasetSource(HubClient hub, string dataset, string? config = null, string? split = null, string? column = null, string? revision = null, SourceLimits? limits = null) : IDatasetSource
{
    private const string ParquetRevision = "refs/convert/parquet";

    private readonly HubRepository _repository = new(dataset, IsDataset: true);

    public string Description => $"Hugging Face dataset {dataset} ({config ?? "default config"}, {split ?? "train"})";

    public async IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var position = HubCursor.Parse(after);
        var files = await ListAsync(cancellationToken);
        var pinned = position?.Commit ?? revision ?? ParquetRevision;
        var firstRow = 0L;
        for (var i = 0; i < files.Count; i++)
        {
            var snapshot = await hub.DownloadAsync(_repository, pinned, [files[i]], cancellationToken: cancellationToken);
            pinned = Path.GetFileName(snapshot); // the commit, for the rest of this read
            var local = Path.Combine(snapshot, files[i]);
            if (position is { } p && i < p.File)
            {
                firstRow += await RowCountAsync(local, cancellationToken);
                continue;
            }

            var prefix = HubCursor.Prefix(pinned, i);
            var inner = position is { } q && q.File == i ? prefix + q.Row : null;
            await foreach (var entry in new ParquetSource(local, column, prefix, firstRow, limits).ReadAsync(inner, cancellationToken))
            {
                yield return entry;
            }

            firstRow += await RowCountAsync(local, cancellationToken);
        }
    }

    /// <summary>
    /// The commit of the Parquet conversion this source would read now, with the split's files: what a sync compares with
    /// the one its last run read, without downloading or reading a file.
    /// </summary>
    public async Task<string> StampAsync(CancellationToken cancellationToken = default)
    {
        var files = await ListAsync(cancellationToken);
        var commit = revision ?? (files.Count == 0 ? "" : await hub.CommitOfAsync(_repository, ParquetRevision, files[0], cancellationToken));
        return $"{commit}|{string.Join('|', files)}";
    }

    /// <summary>The split's files, as paths under refs/convert/parquet, in order.</summary>
    private async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        using var response = await hub.GetApiAsync($"api/datasets/{dataset}/parquet", $"dataset {dataset}", cancellationToken);
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var configs = document.RootElement.EnumerateObject().Select(c => c.Name).ToList();
        var chosenConfig = config ?? (configs.Contains("default") ? "default" : configs.Count == 1 ? configs[0] : null);
        if (chosenConfig is null || !document.RootElement.TryGetProperty(chosenConfig, out var splits))
        {
            throw new DatasetException($"Dataset {dataset} has configs {string.Join(", ", configs)}; {(config is null ? "name one" : $"'{config}' is not among them")}.", "config");
        }

        var names = splits.EnumerateObject().Select(s => s.Name).ToList();
        var chosenSplit = split ?? (names.Contains("train") ? "train" : names.FirstOrDefault());
        if (chosenSplit is null || !splits.TryGetProperty(chosenSplit, out var urls))
        {
            throw new DatasetException($"Dataset {dataset} ({chosenConfig}) has splits {string.Join(", ", names)}; '{split}' is not among them.", "split");
        }

        var marker = $"/resolve/{Uri.EscapeDataString(ParquetRevision)}/";
        var files = new List<string>();
        foreach (var url in urls.EnumerateArray().Select(u => new Uri(u.GetString()!)))
        {
            var target = await hub.RedirectOfAsync(url, $"dataset {dataset}", cancellationToken)
                ?? throw new DatasetException($"The Hub listed {url} for {dataset} but it does not redirect to a file.", "location");
            var path = target.AbsolutePath;
            var at = path.IndexOf(marker, StringComparison.Ordinal);
            files.Add(at >= 0 ? Uri.UnescapeDataString(path[(at + marker.Length)..]) : throw new DatasetException($"{url} redirects outside {ParquetRevision}: {target}.", "location"));
        }

        return files;
    }

    private static async Task<long> RowCountAsync(string path, CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
        return reader.RowGroups.Sum(g => g.RowCount);
    }

    /// <summary>Cursors <c>{commit}/f:{file}:r:{row}</c>.</summary>
    private static class HubCursor
    {
        public static string Prefix(string commit, int file) => string.Create(CultureInfo.InvariantCulture, $"{commit}/f:{file}:");

        public static (string Commit, int File, string Row)? Parse(string? cursor)
        {
            if (cursor is null)
            {
                return null;
            }

            var slash = cursor.IndexOf('/', StringComparison.Ordinal);
            var parts = slash > 0 ? cursor[(slash + 1)..].Split(':', 3) : [];
            return parts.Length == 3 && parts[0] == "f" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var file)
                ? (cursor[..slash], file, parts[2])
                : throw new DatasetException($"'{cursor}' is not a cursor of a Hub dataset.", "cursor");
        }
    }
}
