using System.Globalization;
using System.Runtime.CompilerServices;

namespace VisionSearch.Datasets.Text;

/// <summary>A text file, one item per line: id = 0-based line number; blank or non-UTF-8 lines are reported and skipped.</summary>
public sealed class TextLinesSource(string path) : IDatasetSource
{
    public string Description => $"text lines {path}";

    public async IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var start = RowCursor.Start(after);
        foreach (var (line, text) in ByteLines.Read(LocalFiles.Existing(path)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (line < start)
            {
                continue;
            }

            var id = line.ToString(CultureInfo.InvariantCulture);
            yield return text switch
            {
                null => DatasetEntry.Failed(id, $"line {line + 1} is not valid UTF-8", RowCursor.After(line)),
                _ when string.IsNullOrWhiteSpace(text) => DatasetEntry.Failed(id, $"line {line + 1} is blank", RowCursor.After(line)),
                _ => DatasetEntry.Of(new DatasetItem(id, ItemKind.Text, RowCursor.After(line)) { Text = text }),
            };
        }
    }
}
