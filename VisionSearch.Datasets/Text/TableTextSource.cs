using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using VisionSearch.Datasets.Access;

namespace VisionSearch.Datasets.Text;

/// <summary>
/// Texts from a table file: CSV with a header row (RFC 4180 quoting, so fields may hold commas, quotes
/// and line breaks) or JSON Lines (one object per line). <paramref name="textColumn"/> is the text; an
/// <c>id</c> column, when present, is the id (else the row number); other columns go to metadata. With
/// <paramref name="shared"/>, the file opened must lie in those folders (see <see cref="SharedFiles"/>).
/// </summary>
public sealed class TableTextSource(string path, string textColumn, SourceLimits? limits = null, SharedFolders? shared = null) : IDatasetSource
{
    private readonly int _maxRecord = (limits ?? SourceLimits.Default).MaxItemBytes;

    public string Description => $"table {path} (column {textColumn})";

    public async IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var start = RowCursor.Start(after);
        var full = LocalFiles.Existing(path);
        var rows = Path.GetExtension(full).ToLowerInvariant() switch
        {
            ".csv" => CsvRows(full),
            ".jsonl" or ".ndjson" => JsonRows(full),
            var other => throw new DatasetException($"'{other}' is not a table type; use .csv or .jsonl.", "location"),
        };

        foreach (var (row, fields, problem) in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (row < start)
            {
                continue;
            }

            var cursor = RowCursor.After(row);
            var id = fields is not null && fields.TryGetValue("id", out var given) && TextOf(given) is { Length: > 0 } givenId ? givenId : row.ToString(CultureInfo.InvariantCulture);
            if (problem is not null || fields is null)
            {
                yield return DatasetEntry.Failed(id, problem ?? "unreadable row", cursor);
            }
            else if (!fields.TryGetValue(textColumn, out var cell) || TextOf(cell) is not { } text || string.IsNullOrWhiteSpace(text))
            {
                yield return DatasetEntry.Failed(id, $"row {row} has no text in column '{textColumn}'", cursor);
            }
            else
            {
                yield return DatasetEntry.Of(new DatasetItem(id, ItemKind.Text, cursor)
                {
                    Text = text,
                    Metadata = fields.Where(f => f.Key != textColumn).ToDictionary(),
                });
            }
        }
    }

    private IEnumerable<(long Row, Dictionary<string, JsonElement>? Fields, string? Problem)> JsonRows(string file)
    {
        var row = 0L;
        foreach (var (line, text, unreadable) in ByteLines.Read(file, _maxRecord, shared))
        {
            if (text is null)
            {
                yield return (row++, null, unreadable);
                continue;
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            Dictionary<string, JsonElement>? fields = null;
            string? problem = null;
            try
            {
                using var document = JsonDocument.Parse(text);
                fields = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
                if (row == 0 && !fields.ContainsKey(textColumn))
                {
                    throw new DatasetException($"Column '{textColumn}' is not in {file}; the first row has {string.Join(", ", fields.Keys)}.", "column");
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                problem = $"line {line + 1} is not a JSON object: {e.Message}";
            }

            yield return (row++, fields, problem);
        }
    }

    private IEnumerable<(long Row, Dictionary<string, JsonElement>? Fields, string? Problem)> CsvRows(string file)
    {
        using var reader = new StreamReader(SharedFiles.OpenStream(file, shared), detectEncodingFromByteOrderMarks: true);
        var (header, headerTooLong) = CsvRecord(reader, _maxRecord) ?? throw new DatasetException($"{file} is empty: a CSV needs a header row.", "location");
        if (headerTooLong)
        {
            throw new DatasetException($"{file}'s header row is longer than {_maxRecord:N0} characters: not a CSV table.", "location");
        }

        if (!header.Contains(textColumn))
        {
            throw new DatasetException($"Column '{textColumn}' is not in {file}; it has {string.Join(", ", header)}.", "column");
        }

        var row = 0L;
        while (CsvRecord(reader, _maxRecord) is (var record, var tooLong))
        {
            if (tooLong)
            {
                yield return (row++, null, $"row {row} is longer than {_maxRecord:N0} characters (an unclosed quote?)");
                continue;
            }

            if (record.Count == 1 && record[0].Length == 0)
            {
                continue; // a blank line
            }

            yield return record.Count == header.Count
                ? (row++, header.Zip(record).ToDictionary(p => p.First, p => JsonSerializer.SerializeToElement(p.Second)), null)
                : (row++, null, $"row {row} has {record.Count} fields; the header has {header.Count}");
        }
    }

    /// <summary>A cell as text: a string as it is, any other JSON value (a JSON Lines id of 7) in its JSON form.</summary>
    private static string? TextOf(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.String => cell.GetString(),
        JsonValueKind.Null => null,
        _ => cell.GetRawText(),
    };

    /// <summary>
    /// One RFC 4180 record, or null at the end. A record longer than <paramref name="maxChars"/> (separators and
    /// quotes counted) is read to its end without being kept, and comes back as <c>TooLong</c>.
    /// </summary>
    private static (List<string> Fields, bool TooLong)? CsvRecord(StreamReader reader, int maxChars)
    {
        if (reader.Peek() < 0)
        {
            return null;
        }

        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        var length = 0L;
        while (true)
        {
            var c = reader.Read();
            if (c < 0 || (c == '\n' && !quoted))
            {
                fields.Add(c < 0 ? field.ToString() : field.ToString().TrimEnd('\r'));
                return length > maxChars ? ([], true) : (fields, false);
            }

            if (++length > maxChars)
            {
                fields.Clear();
                field.Clear();
                quoted = c == '"' ? !quoted : quoted; // keep following the quoting, to find the record's end
                continue;
            }

            if (quoted)
            {
                if (c == '"' && reader.Peek() == '"')
                {
                    field.Append('"');
                    reader.Read();
                    length++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append((char)c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append((char)c);
            }
        }
    }
}
