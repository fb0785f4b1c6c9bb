using VisionSearch.Datasets.Access;

namespace VisionSearch.Datasets.Vectors;

/// <summary>
/// A file of precomputed vectors: <c>.fvecs</c> (per row an int32 dimension, then the float32 values) or
/// <c>.npy</c> (a 2-D float array). Opening reads only the header; rows stream on demand.
/// </summary>
public abstract class VectorFile
{
    private protected VectorFile(string path, int dimension, long count, SharedFolders? inside)
    {
        Path = path;
        Dimension = dimension;
        Count = count;
        Inside = inside;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The length of every vector.</summary>
    public int Dimension { get; }

    /// <summary>How many rows the file holds.</summary>
    public long Count { get; }

    /// <summary>The shared folders every opening of the file must find it in, or null for anywhere.</summary>
    public SharedFolders? Inside { get; }

    /// <summary>The file extensions this reader understands.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".fvecs", ".npy"];

    /// <summary>Opens a vector file by its extension and validates its header.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="NotSupportedException">The extension is neither .fvecs nor .npy.</exception>
    /// <exception cref="InvalidDataException">The header is malformed or the size does not match it.</exception>
    /// <exception cref="DatasetException">Refused: the file opened lies outside <paramref name="inside"/>.</exception>
    public static VectorFile Open(string path, SharedFolders? inside = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"No vector file at '{full}'.", full);
        }

        return System.IO.Path.GetExtension(full).ToLowerInvariant() switch
        {
            ".fvecs" => FvecsFile.OpenFile(full, inside),
            ".npy" => NpyFile.OpenFile(full, inside),
            var ext => throw new NotSupportedException($"'{ext}' is not a vector file type; use one of {string.Join(", ", Extensions)}."),
        };
    }

    /// <summary>Reads rows in order, starting at row <paramref name="start"/> (the resume position), at most <paramref name="limit"/> of them.</summary>
    /// <exception cref="InvalidDataException">A row is malformed (a wrong per-row dimension in .fvecs).</exception>
    public IEnumerable<VectorRow> ReadRows(long start = 0, long? limit = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(limit ?? 0, nameof(limit));
        var end = limit is { } l ? Math.Min(Count, start + l) : Count;
        return start >= end ? [] : ReadRange(start, end);
    }

    private protected abstract IEnumerable<VectorRow> ReadRange(long start, long end);

    private protected static FileStream OpenSequential(string path, SharedFolders? inside) =>
        SharedFiles.OpenStream(path, inside, FileOptions.SequentialScan);
}
