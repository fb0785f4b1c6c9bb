namespace VisionSearch.Datasets;

/// <summary>A dataset read as one ordered stream of items, resumable by cursor.</summary>
public interface IDatasetSource
{
    /// <summary>What is read, for messages and status ("folder /photos", "dataset beans (train)").</summary>
    string Description { get; }

    /// <summary>
    /// Streams the items in a fixed order, starting after <paramref name="after"/> (a cursor from an
    /// earlier entry) or from the beginning. Bounded memory whatever the size of the dataset.
    /// </summary>
    /// <exception cref="DatasetException">The source itself cannot be read (missing, wrong format, a column that does not exist).</exception>
    IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, CancellationToken cancellationToken = default);
}
