using System.Globalization;
using System.Runtime.CompilerServices;
using VisionSearch.Datasets.Access;

namespace VisionSearch.Datasets.Text;

/// <summary>
/// A text file, one item per line: id = 0-based line number; blank, non-UTF-8 or over-long lines are reported and
/// skipped. With <paramref name="shared"/>, the file opened must lie in those folders (see <see cref="SharedFiles"/>).
/// </summary>
public sealed class TextLinesSource(string path, SourceLimits? limits = null, SharedFolders? shared = null) : IDatasetSource
{
    public string Description => $"text lines {path}";

    public async IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var start = RowCursor.Start(after);
        foreach (var (line, text, problem) in ByteLines.Read(LocalFiles.Existing(path), (limits ?? SourceLimits.Default).MaxItemBytes, shared))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (line < start)
            {
                continue;
            }

            var id = line.ToString(CultureInfo.InvariantCulture);
            yield return text switch
            {
                null => DatasetEntry.Failed(id, problem!, RowCursor.After(line)),
                _ when string.IsNullOrWhiteSpace(text) => DatasetEntry.Failed(id, $"line {line + 1} is blank", RowCursor.After(line)),
                _ => DatasetEntry.Of(new DatasetItem(id, ItemKind.Text, RowCursor.After(line)) { Text = text }),
            };
        }
    }
}
