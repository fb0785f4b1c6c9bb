using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Parquet;
using Parquet.Data;
using Parquet.Schema;
using VisionSearch.Datasets.Access;

namespace VisionSearch.Datasets.Parquet;

/// <summary>
/// A Parquet file as written by Hugging Face <c>datasets</c>, streamed row group by row group. The
/// content column is an image (<c>struct&lt;bytes, path&gt;</c>, the <c>Image</c> feature) or a string;
/// when none is named, the first <c>Image</c> feature of the <c>huggingface</c> schema metadata (or the
/// first struct with a <c>bytes</c> leaf) is taken, else a <c>text</c>/<c>caption</c> string column.
/// Other string columns become metadata (and <c>text</c>/<c>caption</c> an image's caption). Ids are row
/// numbers, offset by <paramref name="firstRow"/> when the file is one shard of a split. What the footer
/// claims is checked before anything is read: a row group of more rows, or a column chunk of more bytes, than
/// <see cref="SourceLimits"/> allow (or than the file holds) makes the file unreadable, not the silo. With
/// <paramref name="shared"/>, the file opened must lie in those folders (see <see cref="SharedFiles"/>); a Hub
/// download has none.
/// </summary>
public sealed class ParquetSource(string path, string? column = null, string cursorPrefix = "", long firstRow = 0, SourceLimits? limits = null, SharedFolders? shared = null) : IDatasetSource
{
    private static readonly string[] TextNames = ["text", "caption", "sentence", "title"];

    public string Description => $"parquet {path}";

    public async IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var start = RowCursor.Start(after is null ? null : after.StartsWith(cursorPrefix, StringComparison.Ordinal) ? after[cursorPrefix.Length..] : after);
        await using var stream = SharedFiles.OpenStream(LocalFiles.Existing(path), shared, FileOptions.Asynchronous);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException || e.GetType().Namespace?.StartsWith("Parquet", StringComparison.Ordinal) == true)
        {
            throw new DatasetException($"'{path}' is not a readable Parquet file: {e.Message}", "location", e);
        }

        await using var _ = reader;
        var layout = Resolve(reader);
        CheckClaims(reader, layout, stream.Length);
        var row = 0L;
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            using var rowGroup = reader.OpenRowGroupReader(group);
            var count = checked((int)rowGroup.RowCount);
            if (row + count <= start)
            {
                row += count; // resuming: skip the whole group unread
                continue;
            }

            object?[] content = layout.Image is { } bytesField
                ? await ReadColumnAsync<ReadOnlyMemory<byte>, byte[]>(rowGroup, bytesField, count, b => b.ToArray(), cancellationToken)
                : await ReadColumnAsync<ReadOnlyMemory<char>, string>(rowGroup, layout.Text!, count, c => c.ToString(), cancellationToken);
            var extras = new List<(string Name, object?[] Values)>();
            foreach (var field in layout.Extras)
            {
                extras.Add((field.Name, await ReadExtraAsync(rowGroup, field, count, cancellationToken)));
            }

            for (var i = 0; i < count; i++, row++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (row < start)
                {
                    continue;
                }

                var id = (firstRow + row).ToString(CultureInfo.InvariantCulture);
                var cursor = cursorPrefix + RowCursor.After(row);
                var metadata = extras.Where(e => e.Values[i] is not null).ToDictionary(e => e.Name, e => (JsonElement)e.Values[i]!);
                switch (content[i])
                {
                    case byte[] { Length: > 0 } image:
                        yield return DatasetEntry.Of(new DatasetItem(id, ItemKind.Image, cursor)
                        {
                            Bytes = image,
                            Text = TextNames.Select(t => metadata.TryGetValue(t, out var caption) && caption.ValueKind == JsonValueKind.String ? caption.GetString() : null)
                                .FirstOrDefault(t => t is not null),
                            Metadata = metadata,
                        });
                        break;
                    case string text when !string.IsNullOrWhiteSpace(text):
                        yield return DatasetEntry.Of(new DatasetItem(id, ItemKind.Text, cursor) { Text = text, Metadata = metadata });
                        break;
                    default:
                        yield return DatasetEntry.Failed(id, $"row {firstRow + row} has no {(layout.Image is null ? "text" : "image bytes")} in '{layout.Column}'", cursor);
                        break;
                }
            }
        }
    }

    /// <summary>Refuses a footer whose row groups claim more rows, or whose chunks of the columns read claim more bytes, than may be held.</summary>
    private void CheckClaims(ParquetReader reader, Layout layout, long fileLength)
    {
        var bounds = limits ?? SourceLimits.Default;
        var read = new HashSet<string>([layout.Column, .. layout.Extras.Select(e => e.Name)], StringComparer.Ordinal);
        foreach (var (group, index) in reader.Metadata!.RowGroups.Select((g, i) => (g, i)))
        {
            if (group.NumRows < 0 || group.NumRows > bounds.MaxRowGroupRows)
            {
                throw new DatasetException($"'{path}' row group {index} claims {group.NumRows:N0} rows; at most {bounds.MaxRowGroupRows:N0} are read at once.", "location");
            }

            foreach (var chunk in group.Columns.Where(c => c.MetaData?.PathInSchema is [var top, ..] && read.Contains(top)))
            {
                var meta = chunk.MetaData!;
                if (meta.TotalCompressedSize < 0 || meta.TotalCompressedSize > fileLength)
                {
                    throw new DatasetException($"'{path}' row group {index} claims {meta.TotalCompressedSize:N0} stored bytes in '{string.Join('.', meta.PathInSchema)}', more than the file's {fileLength:N0}: it is truncated or corrupt.", "location");
                }

                if (meta.TotalUncompressedSize < 0 || meta.TotalUncompressedSize > bounds.MaxRowGroupBytes)
                {
                    throw new DatasetException($"'{path}' row group {index} claims {meta.TotalUncompressedSize:N0} bytes in '{string.Join('.', meta.PathInSchema)}'; at most {bounds.MaxRowGroupBytes:N0} are held at once: write it with smaller row groups.", "location");
                }
            }
        }
    }

    private Layout Resolve(ParquetReader reader)
    {
        var fields = reader.Schema.Fields;
        var features = Features(reader);
        var name = column
            ?? features.FirstOrDefault(f => f.Value == "Image").Key
            ?? fields.OfType<StructField>().FirstOrDefault(BytesLeaf)?.Name
            ?? TextNames.FirstOrDefault(t => fields.Any(f => f.Name == t && IsString(f)))
            ?? throw new DatasetException(
                $"'{path}' has no image column (a struct with 'bytes') and no text column named {string.Join("/", TextNames)}; name one of: {string.Join(", ", fields.Select(f => f.Name))}.",
                "column");

        var chosen = fields.FirstOrDefault(f => f.Name == name)
            ?? throw new DatasetException($"Column '{name}' is not in '{path}'; it has {string.Join(", ", fields.Select(f => f.Name))}.", "column");
        var extras = fields.OfType<DataField>().Where(f => f.Name != name && (IsString(f) || IsScalar(f))).ToList();
        return chosen switch
        {
            StructField image when BytesLeaf(image) => new Layout(name, image.Fields.OfType<DataField>().First(f => f.Name == "bytes"), null, extras),
            DataField text when IsString(text) => new Layout(name, null, text, extras),
            _ => throw new DatasetException($"Column '{name}' of '{path}' is neither an image (struct with bytes) nor a string.", "column"),
        };
    }

    /// <summary>An extra column's values as metadata, keeping their type: strings, integers, floating-point numbers, booleans.</summary>
    private static async Task<object?[]> ReadExtraAsync(ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken) =>
        field.ClrType switch
        {
            var t when t == typeof(int) => await ReadColumnAsync<int, object>(rowGroup, field, count, v => JsonSerializer.SerializeToElement(v), cancellationToken),
            var t when t == typeof(long) => await ReadColumnAsync<long, object>(rowGroup, field, count, v => JsonSerializer.SerializeToElement(v), cancellationToken),
            var t when t == typeof(float) => await ReadColumnAsync<float, object>(rowGroup, field, count, v => JsonSerializer.SerializeToElement((double)v), cancellationToken),
            var t when t == typeof(double) => await ReadColumnAsync<double, object>(rowGroup, field, count, v => JsonSerializer.SerializeToElement(v), cancellationToken),
            var t when t == typeof(bool) => await ReadColumnAsync<bool, object>(rowGroup, field, count, v => JsonSerializer.SerializeToElement(v), cancellationToken),
            _ => await ReadColumnAsync<ReadOnlyMemory<char>, object>(rowGroup, field, count, c => JsonSerializer.SerializeToElement(c.ToString()), cancellationToken),
        };

    /// <summary>
    /// One column of a row group, row-aligned: Parquet.Net returns only the non-null values, so the
    /// definition levels say which rows they belong to (a row is present at the field's maximum level).
    /// </summary>
    private static async Task<TOut?[]> ReadColumnAsync<TRaw, TOut>(ParquetRowGroupReader rowGroup, DataField field, int count, Func<TRaw, TOut> convert, CancellationToken cancellationToken)
        where TRaw : struct
        where TOut : class
    {
        using var raw = (RawColumnData<TRaw>)await rowGroup.ReadRawColumnDataBaseAsync(field, cancellationToken);
        var rows = new TOut?[count];
        var values = raw.Values;
        if (field.MaxDefinitionLevel == 0)
        {
            for (var i = 0; i < count; i++)
            {
                rows[i] = convert(values[i]);
            }

            return rows;
        }

        var levels = raw.DefinitionLevels;
        for (int i = 0, v = 0; i < count; i++)
        {
            rows[i] = levels[i] == field.MaxDefinitionLevel ? convert(values[v++]) : null;
        }

        return rows;
    }

    /// <summary>The <c>huggingface</c> schema metadata: feature name → <c>_type</c> (Image, Value, ClassLabel…).</summary>
    private static Dictionary<string, string> Features(ParquetReader reader)
    {
        if (!reader.CustomMetadata.TryGetValue("huggingface", out var json))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.GetProperty("info").GetProperty("features").EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("_type", out _))
                .ToDictionary(p => p.Name, p => p.Value.GetProperty("_type").GetString() ?? "");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return []; // metadata we do not understand: fall back to the schema
        }
    }

    // Parquet.Net reports BYTE_ARRAY columns read from a file as ReadOnlyMemory<byte> / <char> (UTF8).
    private static bool BytesLeaf(StructField field) =>
        field.Fields.Any(f => f is DataField { Name: "bytes" } d && (d.ClrType == typeof(byte[]) || d.ClrType == typeof(ReadOnlyMemory<byte>)));

    private static bool IsScalar(Field field) => field is DataField { IsArray: false } d && ScalarTypes.Contains(d.ClrType);

    private static bool IsString(Field field) =>
        field is DataField { IsArray: false } d && (d.ClrType == typeof(string) || d.ClrType == typeof(ReadOnlyMemory<char>));

    private static readonly HashSet<Type> ScalarTypes = [typeof(int), typeof(long), typeof(float), typeof(double), typeof(bool)];

    private sealed record Layout(string Column, DataField? Image, DataField? Text, IReadOnlyList<DataField> Extras);
}
