using System.Diagnostics;
using VisionSearch.Contracts;
using VisionSearch.Datasets;
using VisionSearch.ServiceDefaults;
using VisionSearch.Silo.Ingestion;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// A sync: the published build made equal to its source again, in place. The source is read as a build reads it, each
/// item's content hash compared with the one in its record: an unchanged item is left alone, a new or changed one is
/// embedded (through the embedding cache) and put in with the write path's upsert, and once the source is read, the
/// items it no longer holds are deleted. What the API wrote wins over the source, as in a rebuild: an id the journal
/// names (written or deleted) is left as the API left it. Every batch takes the write lock only to apply its changes,
/// so searches and writes go on; each checkpoints the cursor and the counters, and the ids read so far are kept in
/// Redis, so a sync whose silo dies resumes where it was and still deletes exactly what the source lost.
/// </summary>
public sealed partial class DatasetIndexGrain
{
    public async Task<BuildResult> SyncAsync(SyncCompare compare = SyncCompare.Stamps)
    {
        var byContent = compare == SyncCompare.Content;
        if (_record is { IsRunning: true } running)
        {
            return running.IsSync && running.ByContent == byContent
                ? new BuildResult(BuildOutcome.Unchanged, Status())
                : new BuildResult(BuildOutcome.Conflict, Status(), Message: Running(running));
        }

        if (_published is not { } served)
        {
            return Invalid("dataset", $"Dataset '{Dataset}' has no built index to sync: build it first.");
        }

        if (served.Spec.Source == SourceKinds.Api)
        {
            return Invalid("mode", $"Dataset '{Dataset}' was created through the API: it has no source to sync with.");
        }

        // The stamp first: a source as the last run found it needs no probe, which for the Hub is a listing and a download.
        var stamp = await sources.StampAsync(served.Spec);
        if (!byContent && stamp is not null && _record is { IsRunning: false, Error: null } last && last.Version == served.Version && last.SourceStamp == stamp)
        {
            return await UnchangedSourceAsync(last, served);
        }

        var (source, count, problem) = await OpenAsync(served.Spec); // an empty source is refused: syncing with it would delete every item
        if (problem is not null)
        {
            return problem;
        }

        await items.ForgetSeenAsync(Dataset, served.Version);
        var total = count is { } c && served.Spec.Limit is { } limit ? Math.Min(c, limit) : count;
        var record = new BuildRecord(
            served.Version, served.Spec, served.Model, served.Shards, total, served.Dimension, Cursor: null, NextLabel: 0,
            Read: 0, Embedded: 0, Indexed: 0, Skipped: 0, Skips: [], DateTimeOffset.UtcNow, FinishedAt: null, Error: null, served.Written, Sync: new SyncCounts(),
            SourceStamp: stamp, ByContent: byContent);
        await records.SaveBuildAsync(Dataset, record);
        _record = record;
        Start(record, run => RunSyncAsync(record, source, run));
        LogSyncStarted(logger, Dataset, record.Version, source.Description);
        return new BuildResult(BuildOutcome.Started, Status());
    }

    /// <summary>
    /// A sync of a source whose stamp (a file's size and time, a Hub dataset's commit) is the one the last complete build or
    /// sync of the served build began with: the source is as that run read it, so the sync is done at once, its items all
    /// unchanged and its skips those of that run.
    /// </summary>
    private async Task<BuildResult> UnchangedSourceAsync(BuildRecord last, ServingRecord served)
    {
        var now = DateTimeOffset.UtcNow;
        var record = last with
        {
            Embedded = 0,
            Cached = 0,
            Indexed = 0,
            StartedAt = now,
            FinishedAt = now,
            Written = served.Written,
            ByContent = false,
            Sync = new SyncCounts(Unchanged: last.Read - last.Skipped),
        };
        await records.SaveBuildAsync(Dataset, record);
        _record = record;
        LogSyncUnchanged(logger, Dataset, record.Version, last.Spec.Location);
        return new BuildResult(BuildOutcome.Started, Status());
    }

    private void ResumeSync(BuildRecord record)
    {
        try
        {
            if (_published?.Version != record.Version)
            {
                throw new DatasetException($"The sync was of build {record.Version}, which is no longer served.");
            }

            var source = sources.Open(record.Spec).Source;
            Start(record, run => RunSyncAsync(record, source, run));
            LogSyncResumed(logger, Dataset, record.Version, record.Read, record.Cursor);
        }
        catch (DatasetException e)
        {
            _ = FailSyncAsync(record, e);
        }
    }

    private async Task RunSyncAsync(BuildRecord record, IDatasetSource source, BuildRun run)
    {
        using var activity = VisionSearchTelemetry.ActivitySource.StartActivity("index.sync");
        activity?.SetTag("visionsearch.dataset", Dataset);
        activity?.SetTag("visionsearch.build", record.Version);
        try
        {
            var remaining = record.Spec.Limit - record.Read;
            var reading = !record.ByContent && source is IStampedSource stamped ? stamped.SkippingKnown(KnownStamps(record.Version)) : source;
            await foreach (var batch in EntryBatcher.ReadAsync(reading, record.Cursor, remaining, SyncBatches(ingestion.Value), time, run.Cancellation))
            {
                run.Read += batch.Entries.Count;
                record = await SyncBatchAsync(record, batch);
                run.Cancellation.ThrowIfCancellationRequested();
            }

            record = await SyncDeletesAsync(record);
            record = record with { FinishedAt = DateTimeOffset.UtcNow };
            await records.SaveBuildAsync(Dataset, record);
            _record = record;
            await items.ForgetSeenAsync(Dataset, record.Version);
            Stop();
            var counts = record.Sync!;
            LogSyncFinished(logger, Dataset, record.Version, counts.Added, counts.Replaced, counts.Deleted, counts.Unchanged, record.Skipped);
        }
        catch (OperationCanceledException) when (run.Cancellation.IsCancellationRequested)
        {
            Stop(); // the dataset is being deleted
        }
#pragma warning disable CA1031 // A failed sync is reported in its status, whatever the cause.
        catch (Exception e)
#pragma warning restore CA1031
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            await FailSyncAsync(record, e);
        }
    }

    /// <summary>A sync's batches: as a build's, but images and texts by <see cref="ComparedBatchSize"/>.</summary>
    private static IngestionOptions SyncBatches(IngestionOptions options) => new()
    {
        BatchSize = ComparedBatchSize(options),
        VectorBatchSize = options.VectorBatchSize,
        MaxBatchBytes = options.MaxBatchBytes,
        BatchWindow = options.BatchWindow,
    };

    /// <summary>
    /// Images or texts per batch where most are not embedded (a sync's, which only compares most of its items; a build's
    /// whose vectors come from the embedding cache): the vector batch's count, within the same byte budget, since each
    /// batch costs its worker call, its Redis round trips and a checkpoint.
    /// </summary>
    private static int ComparedBatchSize(IngestionOptions options) => Math.Max(options.BatchSize, options.VectorBatchSize);

    /// <summary>
    /// Which stamps the build's records hold for their items, whose content the sync then does not read: only a record
    /// with its hash counts (one without is an upsert cut short). An id the API wrote counts too, since the sync leaves it
    /// as the API left it. Called by the source's reader, ahead of the batches.
    /// </summary>
    private StampCheck KnownStamps(long version)
    {
        var dataset = Dataset; // read here, on the grain's scheduler; the check runs on the reader's thread
        return async (stamps, cancellationToken) =>
        {
            var ids = stamps.Select(s => s.Id).ToArray();
            var existing = await items.GetWaitingAsync(dataset, version, ids, cancellationToken);
            var written = await journal.GetWaitingAsync(dataset, ids, cancellationToken);
            return [.. stamps.Select((s, i) => written[i] is not null || (existing[i] is { Hash: not null } stored && stored.Stamp == s.Stamp))];
        };
    }

    /// <summary>Compares a batch with the records, embeds and applies what is new or changed, and checkpoints.</summary>
    private async Task<BuildRecord> SyncBatchAsync(BuildRecord record, EntryBatch batch)
    {
        var target = _published ?? throw new InvalidOperationException("The dataset's served build went away during the sync.");
        var ids = batch.Entries.Where(e => e.Item is not null).Select(e => e.Item!.Id).ToArray();
        var existing = await items.GetWaitingAsync(Dataset, target.Version, ids);
        var written = await journal.GetWaitingAsync(Dataset, ids);
        var changed = new List<(DatasetEntry Entry, string Before, string Hash)>();
        var restamped = new List<StoredItem>();
        var unchanged = 0;
        var before = record.Cursor;
        var skips = new List<SkippedItem>();
        var j = 0; // the entry's place in ids, existing and written: entries that were read, in order
        foreach (var entry in batch.Entries)
        {
            var from = before;
            before = entry.Cursor;
            if (entry.IsUnchanged)
            {
                unchanged++; // its stamp is the record's
                continue;
            }

            if (entry.Item is not { } item)
            {
                skips.Add(new SkippedItem(entry.Id, entry.Failure ?? "Unreadable."));
                continue;
            }

            var hash = ContentHash.Of(item);
            if (written[j] is not null || existing[j]?.Hash == hash)
            {
                unchanged++; // as the API left it, or as the source still has it
                if (written[j] is null && existing[j]!.Stamp != item.Stamp)
                {
                    restamped.Add(existing[j]! with { Stamp = item.Stamp }); // touched, not changed: the next sync need not read it
                }
            }
            else
            {
                changed.Add((entry, from!, hash));
            }

            j++;
        }

        var embedded = await EmbedAsync(record, new EntryBatch([.. changed.Select(c => c.Entry)], batch.Cursor));
        var upserts = new List<(StoredItem, float[])>();
        var hashes = new List<string>();
        for (var k = 0; k < changed.Count; k++)
        {
            var item = changed[k].Entry.Item!;
            var problem = embedded.Vectors[k] is { } vector ? Check(target.Spec.Metric, vector, target.Dimension) : embedded.Failures[k] ?? "No vector.";
            if (problem is null)
            {
                // The record goes in without its hash until the shard has the vector: a sync cut short in between finds
                // no hash on resuming, and applies the item again instead of taking it for unchanged.
                upserts.Add((StoredItemOf(item, 0, changed[k].Before, target.Spec), embedded.Vectors[k]!));
                hashes.Add(changed[k].Hash);
            }
            else
            {
                skips.Add(new SkippedItem(item.Id, problem));
            }
        }

        var replaced = 0;
        var indexed = 0;
        if (upserts.Count > 0 || restamped.Count > 0)
        {
            await _writes.WaitAsync();
            try
            {
                // The API may have written some of these ids while they were embedded, and what it wrote wins: writes record
                // their journal entries under this lock, so asking again here misses none.
                var since = await journal.GetWaitingAsync(Dataset, [.. upserts.Select(u => u.Item1.Id).Concat(restamped.Select(r => r.Id))]);
                var kept = Enumerable.Range(0, upserts.Count).Where(i => since[i] is null).ToList();
                indexed = kept.Count;
                unchanged += upserts.Count - indexed;
                var stored = restamped.Where((_, i) => since[upserts.Count + i] is null).ToList();
                if (indexed > 0)
                {
                    var applied = await ApplyAsync(target, [.. kept.Select(i => upserts[i])], [], searchable: true);
                    replaced = applied.Replaced.Count(r => r);
                    stored.AddRange(applied.Stored.Select((item, j) => item with { Hash = hashes[kept[j]] }));
                }

                await items.WriteAsync(Dataset, target.Version, stored);
            }
            finally
            {
                _writes.Release();
            }
        }

        await items.AddSeenAsync(Dataset, target.Version, [.. batch.Entries.Select(e => e.Id)]); // unreadable ones too: a read failure deletes nothing
        var counts = record.Sync!;
        record = record with
        {
            Cursor = batch.Cursor,
            Read = record.Read + batch.Entries.Count,
            Embedded = record.Embedded + upserts.Count,
            Cached = record.Cached + embedded.Cached,
            Indexed = record.Indexed + indexed,
            Skipped = record.Skipped + skips.Count,
            Skips = skips.Count == 0 ? record.Skips : [.. record.Skips.Concat(skips).TakeLast(BuildRecord.SkipsKept)],
            Sync = counts with { Added = counts.Added + indexed - replaced, Replaced = counts.Replaced + replaced, Unchanged = counts.Unchanged + unchanged },
        };
        await records.SaveBuildAsync(Dataset, record);
        _record = record;
        return record;
    }

    /// <summary>Deletes the items the source no longer has: every record the sync did not read, but those the API wrote.</summary>
    private async Task<BuildRecord> SyncDeletesAsync(BuildRecord record)
    {
        var target = _published ?? throw new InvalidOperationException("The dataset's served build went away during the sync.");
        var seen = await items.SeenAsync(Dataset, target.Version);
        var gone = await items.SourceIdsExceptAsync(Dataset, target.Version, except: seen);

        var deleted = 0;
        foreach (var chunk in gone.Chunk(DeletesPerCall))
        {
            await _writes.WaitAsync();
            try
            {
                deleted += (await ApplyAsync(target, [], [.. chunk], searchable: true)).Deleted;
            }
            finally
            {
                _writes.Release();
            }
        }

        return record with { Sync = record.Sync! with { Deleted = record.Sync.Deleted + deleted } };
    }

    /// <summary>Records why a sync stopped. The served build stays as the sync left it: every applied batch is whole.</summary>
    private async Task FailSyncAsync(BuildRecord record, Exception error)
    {
        LogSyncFailed(logger, error, Dataset, record.Version);
        record = record with { FinishedAt = DateTimeOffset.UtcNow, Error = error.Message };
        _record = record;
        Stop();
        try
        {
            await records.SaveBuildAsync(Dataset, record);
            await items.ForgetSeenAsync(Dataset, record.Version);
        }
#pragma warning disable CA1031 // Redis is gone for longer than the outage allowance: the status here still says what happened.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogSyncFailed(logger, e, Dataset, record.Version);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync of build {Version} of {Dataset} with {Source} started")]
    private static partial void LogSyncStarted(ILogger logger, string dataset, long version, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync of build {Version} of {Dataset} resumed here at {Read} items read (cursor {Cursor})")]
    private static partial void LogSyncResumed(ILogger logger, string dataset, long version, long read, string? cursor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync of build {Version} of {Dataset} finished: {Added} added, {Replaced} replaced, {Deleted} deleted, {Unchanged} unchanged, {Skipped} skipped")]
    private static partial void LogSyncFinished(ILogger logger, string dataset, long version, long added, long replaced, long deleted, long unchanged, long skipped);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sync of build {Version} of {Dataset}: {Source} has the stamp the last run read, nothing to compare")]
    private static partial void LogSyncUnchanged(ILogger logger, string dataset, long version, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sync of build {Version} of {Dataset} failed")]
    private static partial void LogSyncFailed(ILogger logger, Exception exception, string dataset, long version);
}
