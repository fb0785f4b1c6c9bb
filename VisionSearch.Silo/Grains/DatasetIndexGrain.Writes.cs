using System.Text.Json;
using Microsoft.Extensions.Logging;
using VisionSearch.Contracts;
using VisionSearch.Datasets;
using VisionSearch.Embeddings;
using VisionSearch.Silo.Filtering;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// Writes through the API: an empty dataset, and items added, replaced and deleted in the published build. A write
/// goes to the dataset's journal first (every later build replays it after its source, see FinishAsync), then to the
/// published build: item records (which give an id its label), then the shards' logs and graphs. A build takes the
/// same lock from its replay to its publication, so each write lands in the build that replays it or in the build
/// that replaced it. While a dataset's first build runs there is nothing published to write to: writes are refused.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The write lock's SemaphoreSlim needs disposing only once its AvailableWaitHandle is used, which it never is.")]
public sealed partial class DatasetIndexGrain
{
    /// <summary>Texts and images embedded per worker call of a write.</summary>
    private const int WriteEmbedBatch = 64;

    /// <summary>Ids a delete by filter deletes per call of <see cref="DeleteItemsAsync"/>: one journal append and one logged batch per shard, about the size of a write.</summary>
    private const int DeletesPerCall = 1024;

    private readonly SemaphoreSlim _writes = new(1, 1);

    public async Task<BuildResult> CreateAsync(BuildSpec spec, int? dimension)
    {
        if (dimension is null)
        {
            var embedder = spec.Embedder ?? embedders.DefaultEmbedder;
            spec = spec with { Embedder = embedder, Model = spec.Model ?? embedders.DefaultModel(embedder) };
        }
        else if (spec.Model is not null || spec.Embedder is not null)
        {
            return Invalid("dimension", "Give a dimension for a dataset of vectors, or a model (and embedder) that embeds texts and images, not both.");
        }
        else if (dimension is < 1 or > IndexDefaults.MaxDimension)
        {
            return Invalid("dimension", $"Dimension must be between 1 and {IndexDefaults.MaxDimension}.");
        }

        spec = spec with { Source = SourceKinds.Api, Location = "", Limit = null, Shards = spec.Shards ?? 1 };
        if (_published is { } existing)
        {
            return existing.Spec == spec && (dimension is null || existing.Dimension == dimension)
                ? new BuildResult(BuildOutcome.Unchanged, Status())
                : new BuildResult(BuildOutcome.Conflict, Status(), Message: $"Dataset '{Dataset}' exists with another spec: delete it first, or write to it as it is.");
        }

        if (_record is { } record)
        {
            return new BuildResult(BuildOutcome.Conflict, Status(), Message: record.IsRunning
                ? $"Dataset '{Dataset}' is being built: write to it once it is ready."
                : $"Dataset '{Dataset}' exists (its build failed): delete it first.");
        }

        if (ValidateIndex(spec) is { } invalid)
        {
            return invalid;
        }

        try
        {
            embedders.CheckModel(spec.Embedder, spec.Model);
        }
        catch (DatasetException e)
        {
            return e.Refused ? new BuildResult(BuildOutcome.Refused, Status(), e.Field ?? "model", e.Message) : Invalid(e.Field ?? "model", e.Message);
        }

        var serving = new ServingRecord(await records.NextVersionAsync(Dataset), spec, spec.Model ?? Precomputed, spec.Shards!.Value, dimension ?? 0, 0, DateTimeOffset.UtcNow);
        await records.SaveServingAsync(Dataset, serving);
        await grains.GetGrain<IDatasetCatalogGrain>(0).AddAsync(Dataset);
        _published = _serving = serving;
        LogCreated(logger, Dataset, serving.Version, serving.Model);
        return new BuildResult(BuildOutcome.Started, Status());
    }

    public async Task<WriteResult> WriteItemsAsync(ItemWrite[] writes, bool searchable = true)
    {
        if (Unwritable() is { } refused)
        {
            return refused;
        }

        Indexing indexing;
        WriteResult written;
        await _writes.WaitAsync();
        try
        {
            if (Unwritable() is { } gone)
            {
                return gone; // deleted while this write waited
            }

            var target = _published!; // as it is now: a build may have been published while this write waited
            var results = new ItemResult?[writes.Length];
            var last = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < writes.Length; i++)
            {
                if (last.TryGetValue(writes[i].Id, out var earlier))
                {
                    results[earlier] = new ItemResult(writes[earlier].Id, ItemOutcome.Invalid, $"items[{earlier}].id", $"Item '{writes[earlier].Id}' is written again later in this batch; the last write is kept.");
                }

                last[writes[i].Id] = i;
            }

            var vectors = await WriteVectorsAsync(target, writes, results);
            var dimension = target.Dimension;
            var accepted = new List<int>();
            for (var i = 0; i < writes.Length; i++)
            {
                if (results[i] is not null)
                {
                    continue;
                }

                var vector = vectors[i]!;
                dimension = dimension == 0 ? vector.Length : dimension;
                if (Check(target.Spec.Metric, vector, dimension) is { } problem)
                {
                    results[i] = new ItemResult(writes[i].Id, ItemOutcome.Invalid, writes[i].Vector is null ? $"items[{i}]" : $"items[{i}].vector", problem);
                    continue;
                }

                accepted.Add(i);
            }

            if (accepted.Count > 0)
            {
                var entries = accepted.Select(i => new JournalEntry(
                    writes[i].Id, Deleted: false, writes[i].Kind, writes[i].Text, MetadataOf(writes[i]), JournalEntry.Bytes(vectors[i]!), writes[i].Vector is null ? target.Model : Precomputed)).ToList();
                await journal.RecordAsync(Dataset, entries, accepted.Where(i => writes[i].Image is not null).ToDictionary(i => writes[i].Id, i => writes[i].Image!));
                if (dimension != target.Dimension)
                {
                    target = await PublishAsync(target with { Dimension = dimension });
                }

                var applied = await ApplyAsync(target, [.. accepted.Select(i => (StoredOf(writes[i]), vectors[i]!))], [], searchable: false);
                indexing = applied.Indexing;
                for (var j = 0; j < accepted.Count; j++)
                {
                    results[accepted[j]] = new ItemResult(writes[accepted[j]].Id, applied.Replaced[j] ? ItemOutcome.Replaced : ItemOutcome.Indexed);
                }

                await MarkWrittenAsync(target);
            }
            else
            {
                indexing = Indexing.None;
            }

            written = new WriteResult(WriteOutcome.Ok, [.. results.Select(r => r!)]);
        }
        finally
        {
            _writes.Release();
        }

        if (searchable)
        {
            await SearchableAsync(indexing); // outside the lock, so the next write's Redis work overlaps this indexing
        }

        return written;
    }

    public async Task<WriteResult> DeleteItemsAsync(string[] ids, bool searchable = true)
    {
        if (Unwritable() is { } refused)
        {
            return refused;
        }

        Indexing indexing = Indexing.None;
        HashSet<string> deleted;
        await _writes.WaitAsync();
        try
        {
            if (Unwritable() is { } gone)
            {
                return gone;
            }

            var target = _published!;
            var unique = ids.Distinct(StringComparer.Ordinal).ToArray();
            var existing = await items.GetAsync(Dataset, target.Version, unique);
            var found = unique.Where((_, i) => existing[i] is not null).ToList();
            if (found.Count > 0)
            {
                await journal.RecordAsync(Dataset, [.. found.Select(id => new JournalEntry(id, Deleted: true))], new Dictionary<string, byte[]>());
                indexing = (await ApplyAsync(target, [], found, searchable: false)).Indexing;
                await MarkWrittenAsync(target);
            }

            deleted = found.ToHashSet(StringComparer.Ordinal);
        }
        finally
        {
            _writes.Release();
        }

        if (searchable)
        {
            await SearchableAsync(indexing);
        }

        return new WriteResult(WriteOutcome.Ok, [.. ids.Select(id => new ItemResult(id, deleted.Contains(id) ? ItemOutcome.Deleted : ItemOutcome.NotFound))]);
    }

    public async Task<WriteResult> DeleteMatchingAsync(SearchFilter filter, bool searchable = true)
    {
        if (Unwritable() is { } refused)
        {
            return refused;
        }

        var serving = _published!;
        if (FilterCheck.Problem(filter, await SchemaAsync(serving)) is { } problem)
        {
            return new WriteResult(WriteOutcome.InvalidFilter, [], problem.Message, problem.Path);
        }

        var matching = await Task.WhenAll(Enumerable.Range(0, serving.Shards).Select(shard => Shard(serving.Version, shard).MatchAsync(filter)));
        var results = new List<ItemResult>();
        foreach (var chunk in matching.SelectMany(ids => ids).Chunk(DeletesPerCall))
        {
            var deleted = await DeleteItemsAsync(chunk, searchable);
            if (deleted.Outcome != WriteOutcome.Ok)
            {
                return deleted; // the dataset went away meanwhile
            }

            // An item deleted by another call since the match is not this call's to report.
            results.AddRange(deleted.Items.Where(i => i.Outcome == ItemOutcome.Deleted));
        }

        return new WriteResult(WriteOutcome.Ok, [.. results]);
    }

    /// <summary>Why the dataset takes no writes now, or null when it does.</summary>
    private WriteResult? Unwritable() => _published is not null
        ? null
        : _record is { IsRunning: true }
            ? new WriteResult(WriteOutcome.NotReady, [], $"The first build of '{Dataset}' is running: write to it once it is ready.")
            : new WriteResult(WriteOutcome.NotFound, [], $"Dataset '{Dataset}' does not exist: create it (PUT /datasets/{Dataset}) or build it first.");

    /// <summary>
    /// Each write's vector: given, or embedded with the dataset's model. A write that has none gets its result (why) in
    /// <paramref name="results"/>, as does one already refused there.
    /// </summary>
    private async Task<float[]?[]> WriteVectorsAsync(ServingRecord target, ItemWrite[] writes, ItemResult?[] results)
    {
        var vectors = new float[]?[writes.Length];
        var toEmbed = new List<int>();
        for (var i = 0; i < writes.Length; i++)
        {
            if (results[i] is not null)
            {
                continue;
            }

            if (writes[i].Vector is { } given)
            {
                vectors[i] = given;
            }
            else if (target.Model == Precomputed)
            {
                results[i] = new ItemResult(writes[i].Id, ItemOutcome.Invalid, $"items[{i}].{writes[i].Kind}", $"Dataset '{Dataset}' holds precomputed vectors and has no model to embed a {writes[i].Kind}: write a vector.");
            }
            else
            {
                toEmbed.Add(i);
            }
        }

        var embedded = await EmbedAsync(target, [.. toEmbed.Select(i => new EmbedItem(writes[i].Id, writes[i].Image, writes[i].Image is null ? writes[i].Text : null))]);
        for (var j = 0; j < toEmbed.Count; j++)
        {
            var i = toEmbed[j];
            vectors[i] = embedded.Vectors[j];
            if (vectors[i] is null)
            {
                results[i] = new ItemResult(writes[i].Id, ItemOutcome.Invalid, $"items[{i}].{writes[i].Kind}", $"The {writes[i].Kind} could not be embedded: {embedded.Failures[j]}");
            }
        }

        return vectors;
    }

    /// <summary>Embeds texts and images with the model of <paramref name="target"/>, a worker call per <see cref="WriteEmbedBatch"/>.</summary>
    private async Task<EmbedResult> EmbedAsync(ServingRecord target, EmbedItem[] toEmbed)
    {
        var embedder = target.Spec.Embedder ?? EmbedderKinds.Local;
        var parts = await Task.WhenAll(toEmbed.Chunk(WriteEmbedBatch).Select(chunk => grains.GetGrain<IIngestionWorkerGrain>(0).EmbedAsync(embedder, target.Model, chunk)));
        return new EmbedResult([.. parts.SelectMany(p => p.Vectors)], [.. parts.SelectMany(p => p.Failures)]);
    }

    /// <summary>Where a write's batches went: the build, and per shard the batch's log sequence (0: no batch).</summary>
    private sealed record Indexing(long Version, long[] Sequences)
    {
        public static readonly Indexing None = new(0, []);
    }

    /// <summary>Returns once every batch of a write is searchable.</summary>
    private Task SearchableAsync(Indexing indexing) => Task.WhenAll(indexing.Sequences.Select((sequence, shard) => sequence == 0
        ? Task.CompletedTask
        : _shardCalls.ExecuteAsync(async _ => await Shard(indexing.Version, shard).WaitIndexedAsync(sequence)).AsTask()));

    /// <summary>
    /// Puts items into build <paramref name="target"/> (an id it holds keeps its label and is replaced, a new one gets a
    /// fresh label) and deletes the ids in <paramref name="deletes"/> that it holds. The item records go first, so a
    /// write cut short and sent again finds its labels; the records of deleted items go last, for the same reason.
    /// Returns the records as written, with their labels.
    /// </summary>
    private async Task<(bool[] Replaced, int Deleted, Indexing Indexing, List<StoredItem> Stored)> ApplyAsync(
        ServingRecord target, List<(StoredItem Item, float[] Vector)> upserts, List<string> deletes, bool searchable)
    {
        var existing = await items.GetAsync(Dataset, target.Version, [.. upserts.Select(u => u.Item.Id).Concat(deletes)]);
        var fresh = upserts.Where((_, i) => existing[i] is null).Count();
        var next = fresh == 0 ? 0 : await items.AllocateLabelsAsync(Dataset, target.Version, fresh);
        var perShard = new ShardBuffer[target.Shards];
        var replaced = new bool[upserts.Count];
        var stored = new List<StoredItem>(upserts.Count);
        for (var i = 0; i < upserts.Count; i++)
        {
            replaced[i] = existing[i] is not null;
            var item = upserts[i].Item with { Label = existing[i]?.Label ?? next++ };
            stored.Add(item);
            var (shard, label) = ShardKeys.Locate(item.Label, target.Shards);
            (perShard[shard] ??= new ShardBuffer()).Add(label, item, upserts[i].Vector);
        }

        var removed = new List<string>();
        for (var j = 0; j < deletes.Count; j++)
        {
            if (existing[upserts.Count + j] is { } gone)
            {
                removed.Add(gone.Id);
                var (shard, label) = ShardKeys.Locate(gone.Label, target.Shards);
                (perShard[shard] ??= new ShardBuffer()).Delete(label);
            }
        }

        await items.WriteAsync(Dataset, target.Version, stored);
        var spec = ShardSpecOf(target);
        var sequences = await Task.WhenAll(perShard.Select((buffer, shard) => buffer is null
            ? Task.FromResult(0L)
            : _shardCalls.ExecuteAsync(async _ => await Shard(target.Version, shard).AppendAsync(spec, buffer.ToBatch(), searchable)).AsTask()));
        await items.RemoveAsync(Dataset, target.Version, removed);
        _writesApplied++; // the metadata keys may have changed
        return (replaced, removed.Count, new Indexing(target.Version, sequences), stored);
    }

    /// <summary>
    /// Replays the journal into a build that has read its whole source, before it is published (the caller holds the write
    /// lock): API-written items are added or replace the source's, deleted ones leave. A vector made by another model than
    /// the build's is made again from the item's text or image; one that cannot be is skipped, with the reason.
    /// </summary>
    private async Task<BuildRecord> ReplayWritesAsync(BuildRecord record)
    {
        await items.StartLabelsAsync(Dataset, record.Version, record.NextLabel);
        var target = record.AsServing(DateTimeOffset.UtcNow);
        var skips = new List<SkippedItem>();
        var (replayed, deleted) = (0, 0);
        var chunk = new List<JournalEntry>();
        await foreach (var entry in journal.ReadAsync(Dataset))
        {
            chunk.Add(entry);
            if (chunk.Count == WriteEmbedBatch)
            {
                (replayed, deleted) = Sum((replayed, deleted), await ReplayAsync(target, chunk, skips));
                chunk.Clear();
            }
        }

        (replayed, deleted) = Sum((replayed, deleted), await ReplayAsync(target, chunk, skips));
        if (replayed + deleted > 0)
        {
            LogReplayed(logger, Dataset, record.Version, replayed, deleted, skips.Count);
        }

        return record with
        {
            Written = replayed + deleted > 0,
            Skipped = record.Skipped + skips.Count,
            Skips = skips.Count == 0 ? record.Skips : [.. record.Skips.Concat(skips).TakeLast(BuildRecord.SkipsKept)],
        };

        static (int, int) Sum((int A, int B) x, (int A, int B) y) => (x.A + y.A, x.B + y.B);
    }

    private async Task<(int Replayed, int Deleted)> ReplayAsync(ServingRecord target, List<JournalEntry> entries, List<SkippedItem> skips)
    {
        var kept = entries.Where(e => !e.Deleted).ToList();
        var vectors = kept.Select(e => e.Model == target.Model || e.Kind == ItemKinds.Vector ? e.Floats() : null).ToArray();
        var again = Enumerable.Range(0, kept.Count).Where(i => vectors[i] is null && target.Model != Precomputed).ToList();
        var toEmbed = new List<EmbedItem>();
        foreach (var i in again)
        {
            var image = kept[i].Kind == ItemKinds.Image ? await journal.GetImageAsync(Dataset, kept[i].Id) : null;
            toEmbed.Add(new EmbedItem(kept[i].Id, image, image is null ? kept[i].Text ?? "" : null));
        }

        var embedded = await EmbedAsync(target, [.. toEmbed]);
        for (var j = 0; j < again.Count; j++)
        {
            vectors[again[j]] = embedded.Vectors[j];
        }

        var metric = target.Spec.Metric;
        var upserts = new List<(StoredItem, float[])>();
        for (var i = 0; i < kept.Count; i++)
        {
            var problem = vectors[i] is { } vector
                ? Check(metric, vector, target.Dimension)
                : target.Model == Precomputed
                    ? $"Written as a {kept[i].Kind}; this build has no model to embed it."
                    : $"Its {kept[i].Kind} could not be embedded again: {embedded.Failures[again.IndexOf(i)]}";
            if (problem is null)
            {
                upserts.Add((StoredOf(kept[i]), vectors[i]!));
            }
            else
            {
                skips.Add(new SkippedItem(kept[i].Id, problem));
            }
        }

        var applied = await ApplyAsync(target, upserts, [.. entries.Where(e => e.Deleted).Select(e => e.Id)], searchable: true);
        return (upserts.Count, applied.Deleted);
    }

    /// <summary>Saves and serves a new serving record of the published build (its dimension fixed by a first write, or written to).</summary>
    private async Task<ServingRecord> PublishAsync(ServingRecord serving)
    {
        await records.SaveServingAsync(Dataset, serving);
        _published = _serving = serving;
        return serving;
    }

    /// <summary>The build now holds API-written items: its searches read item records even when its source was bare vectors.</summary>
    private async Task MarkWrittenAsync(ServingRecord target)
    {
        if (!target.Written)
        {
            await PublishAsync(target with { Written = true });
        }
    }

    private static StoredItem StoredOf(ItemWrite write) => new(write.Id, 0, write.Kind, write.Text, Metadata: MetadataOf(write), Written: true);

    private static StoredItem StoredOf(JournalEntry entry) => new(entry.Id, 0, entry.Kind ?? ItemKinds.Vector, entry.Text, Metadata: entry.Metadata, Written: true);

    private static Dictionary<string, JsonElement>? MetadataOf(ItemWrite write) => write.Metadata is { Count: > 0 } metadata ? new(metadata) : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Dataset {Dataset} created empty as build {Version} (model {Model})")]
    private static partial void LogCreated(ILogger logger, string dataset, long version, string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Build {Version} of {Dataset} replayed the API's writes: {Items} items, {Deleted} deletes, {Skipped} skipped")]
    private static partial void LogReplayed(ILogger logger, string dataset, long version, int items, int deleted, int skipped);
}
