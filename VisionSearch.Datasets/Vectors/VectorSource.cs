using System.Globalization;
using System.Runtime.CompilerServices;
using VisionSearch.Datasets.Text;

namespace VisionSearch.Datasets.Vectors;

/// <summary>
/// Precomputed vectors (.fvecs, .npy) as dataset items of kind <see cref="ItemKind.Vector"/>. The id is the
/// row number, or line i of <paramref name="idsPath"/> (a text file, one id per line) for row i.
/// </summary>
public sealed class VectorSource(VectorFile file, string? idsPath = null, SourceLimits? limits = null) : IDatasetSource
{
    public string Description => $"vectors {File.Path}";

    public VectorFile File { get; } = file;

    public async IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        using var ids = idsPath is null ? null : ByteLines.Read(LocalFiles.Existing(idsPath), (limits ?? SourceLimits.Default).MaxItemBytes, File.Inside).GetEnumerator();
        var start = RowCursor.Start(after);
        for (var skipped = 0L; ids is not null && skipped < start && ids.MoveNext(); skipped++)
        {
        }

        foreach (var row in File.ReadRows(start))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = ids is null ? row.Row.ToString(CultureInfo.InvariantCulture)
                : ids.MoveNext() && !string.IsNullOrWhiteSpace(ids.Current.Text) ? ids.Current.Text.Trim()
                : throw new DatasetException($"'{idsPath}' has no id for row {row.Row}.", "ids");
            yield return DatasetEntry.Of(new DatasetItem(id, ItemKind.Vector, RowCursor.After(row.Row)) { Vector = row.Vector });
        }
    }
}
