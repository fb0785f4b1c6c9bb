namespace VisionSearch.Datasets;

/// <summary>
/// One step of a dataset stream: an item, or the id of one that could not be read and why (a corrupt
/// image, an empty row); reading goes on after a failure. Both carry the cursor after them.
/// </summary>
public readonly record struct DatasetEntry
{
    private DatasetEntry(DatasetItem? item, string id, string? failure, string cursor)
    {
        Item = item;
        Id = id;
        Failure = failure;
        Cursor = cursor;
    }

    public DatasetItem? Item { get; }

    public string Id { get; }

    /// <summary>Why the item was skipped; null for an item.</summary>
    public string? Failure { get; }

    public string Cursor { get; }

    public static DatasetEntry Of(DatasetItem item) => new(item, item.Id, null, item.Cursor);

    public static DatasetEntry Failed(string id, string reason, string cursor) => new(null, id, reason, cursor);
}
