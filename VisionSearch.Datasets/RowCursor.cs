using System.Globalization;

namespace VisionSearch.Datasets;

/// <summary>Cursors of row-numbered sources: <c>r:{row}</c>, the 0-based row just read, so resuming starts at row + 1.</summary>
internal static class RowCursor
{
    public static string After(long row) => "r:" + row.ToString(CultureInfo.InvariantCulture);

    /// <summary>The first row to read after <paramref name="cursor"/>.</summary>
    /// <exception cref="DatasetException">The cursor is not one of this kind.</exception>
    public static long Start(string? cursor)
    {
        if (cursor is null)
        {
            return 0;
        }

        return cursor.StartsWith("r:", StringComparison.Ordinal) && long.TryParse(cursor.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var row)
            ? row + 1
            : throw new DatasetException($"'{cursor}' is not a cursor of this source.", "cursor");
    }
}
