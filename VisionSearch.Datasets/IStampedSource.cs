namespace VisionSearch.Datasets;

/// <summary>
/// A source that can say, without reading an item, whether it may have changed since it was last read: each item has a
/// stamp (a folder image's size and modification time, with its sidecars'), which it carries as
/// <see cref="DatasetItem.Stamp"/>. A sync of a folder of 100,000 photos then reads only the files whose stamps moved.
/// </summary>
public interface IStampedSource : IDatasetSource
{
    /// <summary>
    /// As <see cref="IDatasetSource.ReadAsync"/>, but items whose stamps <paramref name="unchanged"/> recognises come as
    /// <see cref="DatasetEntry.Unchanged"/> entries, unread. The stamps are asked for in runs, before those items are read.
    /// </summary>
    IAsyncEnumerable<DatasetEntry> ReadChangedAsync(StampCheck unchanged, string? after = null, CancellationToken cancellationToken = default);
}

/// <summary>An item's id and its stamp, as an <see cref="IStampedSource"/> found it before reading the item.</summary>
public readonly record struct ItemStamp(string Id, string Stamp);

/// <summary>Says, for each of <paramref name="stamps"/>, whether the item is known with that same stamp.</summary>
public delegate ValueTask<bool[]> StampCheck(IReadOnlyList<ItemStamp> stamps, CancellationToken cancellationToken);

/// <summary>Reads an <see cref="IStampedSource"/> as a plain source that leaves the items <see cref="StampCheck"/> knows unread.</summary>
public static class StampedSources
{
    public static IDatasetSource SkippingKnown(this IStampedSource source, StampCheck unchanged) => new SkippingKnownSource(source, unchanged);

    private sealed class SkippingKnownSource(IStampedSource source, StampCheck unchanged) : IDatasetSource
    {
        public string Description => source.Description;

        public IAsyncEnumerable<DatasetEntry> ReadAsync(string? after = null, CancellationToken cancellationToken = default) =>
            source.ReadChangedAsync(unchanged, after, cancellationToken);
    }
}
