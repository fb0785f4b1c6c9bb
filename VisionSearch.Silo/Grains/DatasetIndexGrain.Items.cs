using Microsoft.Extensions.Logging;
using VisionSearch.Contracts;
using VisionSearch.Datasets;
using VisionSearch.Embeddings;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Grains;

/// <summary>Items of the served build (their records, their images read again from the source) and deleting the dataset.</summary>
public sealed partial class DatasetIndexGrain
{
    public async Task<ItemRecord?> GetItemAsync(string id)
    {
        if (_serving is not { } serving)
        {
            return null;
        }

        return (await StoredItemAsync(serving, id))?.ToRecord();
    }

    public async Task<ItemImageResult> GetItemImageAsync(string id, int? maxEdge = null)
    {
        if (_serving is not { } serving || await StoredItemAsync(serving, id) is not { Kind: ItemKinds.Image } stored)
        {
            return new ItemImageResult(ItemImageOutcome.NotFound);
        }

        if (stored.Written)
        {
            return await WrittenImageAsync(id, maxEdge);
        }

        if (maxEdge is { } size && thumbnails.Get(Dataset, serving.Version, id, size) is { } cached)
        {
            return new ItemImageResult(ItemImageOutcome.Found, new ItemImage(cached, "image/jpeg", serving.Version));
        }

        // The record keeps the cursor just before the item: the source reads on from there, one entry.
        return await Task.Run(async () =>
        {
            try
            {
                await foreach (var entry in sources.Open(serving.Spec).Source.ReadAsync(stored.From))
                {
                    if (entry.Item is not { Kind: ItemKind.Image } item || item.Id != id)
                    {
                        return new ItemImageResult(ItemImageOutcome.Gone, Message: entry.Failure);
                    }

                    if (maxEdge is not { } edge)
                    {
                        return new ItemImageResult(ItemImageOutcome.Found, new ItemImage(item.Bytes.ToArray(), ImageMediaTypes.Sniff(item.Bytes.Span) ?? "application/octet-stream", serving.Version));
                    }

                    var preview = ImageThumbnails.Jpeg(item.Bytes.Span, edge);
                    thumbnails.Set(Dataset, serving.Version, id, edge, preview);
                    return new ItemImageResult(ItemImageOutcome.Found, new ItemImage(preview, "image/jpeg", serving.Version));
                }

                return new ItemImageResult(ItemImageOutcome.Gone);
            }
            catch (DatasetException e)
            {
                return new ItemImageResult(e.Refused ? ItemImageOutcome.Refused : ItemImageOutcome.Gone, Message: e.Message);
            }
            catch (InvalidDataException e)
            {
                return new ItemImageResult(ItemImageOutcome.Gone, Message: $"Its image cannot be decoded: {e.Message}");
            }
        });
    }

    /// <summary>
    /// The image of an item written through the API, from the journal. A replace changes it within one build, so what
    /// names it (the preview cache's key, the response's tag) is a hash of its bytes instead of the build version.
    /// </summary>
    private async Task<ItemImageResult> WrittenImageAsync(string id, int? maxEdge)
    {
        if (await journal.GetImageAsync(Dataset, id) is not { } bytes)
        {
            return new ItemImageResult(ItemImageOutcome.Gone);
        }

        var tag = (long)System.IO.Hashing.XxHash64.HashToUInt64(bytes) & long.MaxValue;
        if (maxEdge is not { } edge)
        {
            return new ItemImageResult(ItemImageOutcome.Found, new ItemImage(bytes, ImageMediaTypes.Sniff(bytes) ?? "application/octet-stream", tag));
        }

        if (thumbnails.Get(Dataset, tag, id, edge) is not { } preview)
        {
            try
            {
                preview = await Task.Run(() => ImageThumbnails.Jpeg(bytes, edge));
            }
            catch (InvalidDataException e)
            {
                return new ItemImageResult(ItemImageOutcome.Gone, Message: $"Its image cannot be decoded: {e.Message}");
            }

            thumbnails.Set(Dataset, tag, id, edge, preview);
        }

        return new ItemImageResult(ItemImageOutcome.Found, new ItemImage(preview, "image/jpeg", tag));
    }

    /// <summary>Item <paramref name="id"/>'s record in the served build, or null.</summary>
    private async Task<StoredItem?> StoredItemAsync(ServingRecord serving, string id) => (await items.GetAsync(Dataset, serving.Version, [id]))[0];

    public async Task<bool> DeleteAsync()
    {
        var record = _record;
        var published = _published;
        if (record is null && published is null)
        {
            return false;
        }

        _serving = null; // searches from now on find nothing
        if (_build is { } run)
        {
            await run.CancelAsync();
        }

        await _writes.WaitAsync(); // a write in progress ends before the dataset goes
        try
        {
            var versions = new[] { (published?.Version, published?.Shards), (record?.Version, record?.Shards) }
                .Where(v => v.Item1 is not null).Distinct();
            foreach (var (version, shards) in versions)
            {
                await DropAsync(version!.Value, shards!.Value);
            }

            await journal.DeleteAsync(Dataset);
            await records.DeleteAsync(Dataset);
            _record = null; // before the lock goes: writes waiting for it find the dataset gone
            _published = null;
        }
        finally
        {
            _writes.Release();
        }

        await grains.GetGrain<IDatasetCatalogGrain>(0).RemoveAsync(Dataset);
        LogDeleted(logger, Dataset);
        DeactivateOnIdle();
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dataset {Dataset} deleted")]
    private static partial void LogDeleted(ILogger logger, string dataset);
}
