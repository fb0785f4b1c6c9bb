namespace VisionSearch.Datasets;

/// <summary>
/// One step of a dataset stream: an item, the id of one that could not be read and why (a corrupt image, an empty
/// row), or the id of one left unread because its stamp says it is as it was (<see cref="IStampedSource"/>); reading
/// goes on after a failure. Each carries the cursor after it.
/// </summary>
public readonly record struct DatasetEntry
{
    private DatasetEntry(DatasetItem? item, string id, string? failure, string cursor, bool isUnchanged = false)
    {
        Item = item;
        Id = id;
        Failure = failure;
        Cursor = cursor;
        IsUnchanged = isUnchanged;
    }

    public DatasetItem? Item { get; }

    public string Id { get; }

    /// <summary>Why the item was skipped; null for an item.</summary>
    public string? Failure { get; }

    public string Cursor { get; }

    /// <summary>The item was not read: its stamp is one the reader's caller already knows.</summary>
    public bool IsUnchanged { get; }

    public static DatasetEntry Of(DatasetItem item) => new(item, item.Id, null, item.Cursor);

    public static DatasetEntry Failed(string id, string reason, string cursor) => new(null, id, reason, cursor);

    public static DatasetEntry Unchanged(string id, string cursor) => new(null, id, null, cursor, isUnchanged: true);
}
