using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VisionSearch.Contracts;
using VisionSearch.Datasets;
using VisionSearch.Embeddings;
using VisionSearch.Hnsw;
using VisionSearch.ServiceDefaults;
using VisionSearch.Silo.Ingestion;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// The build pipeline. It runs on the grain's own scheduler as a background task (it only awaits: reading is
/// on a pool thread, embedding in worker grains, indexing in shard grains), so the grain's state needs no
/// locks. Up to <see cref="IngestionOptions.BatchesInFlight"/> batches are embedding at once; they are
/// committed strictly in read order (logged to the shards, then checkpointed), which is what makes the
/// checkpoint's cursor mean "everything before this is safe".
/// </summary>
public sealed partial class DatasetIndexGrain
{
    /// <summary>A first build answers searches once this many items are in (the Python original's "load ~100, continue in the background").</summary>
    private const int FirstServingItems = 100;

    private BuildRun? _build;

    /// <summary>Continues a checkpointed build or sync on this silo (its previous silo died or stopped).</summary>
    private void Resume(BuildRecord record)
    {
        if (record.IsSync)
        {
            ResumeSync(record);
            return;
        }

        if (_published is null && record.Indexed >= FirstServingItems)
        {
            _serving = record.AsServing(record.StartedAt);
        }

        try
        {
            Start(record, sources.Open(record.Spec).Source);
            LogBuildResumed(logger, Dataset, record.Version, record.Indexed, record.Cursor);
        }
        catch (DatasetException e)
        {
            _ = FailAsync(record, e);
        }
    }

    /// <summary>The build is over: the activation may be collected again when idle (it reloads from Redis).</summary>
    private void Stop()
    {
        _build?.Dispose();
        _build = null;
        DelayDeactivation(TimeSpan.FromMilliseconds(-1));
    }

    private void Start(BuildRecord record, IDatasetSource source) => Start(record, run => RunAsync(record, source, run));

    /// <summary>Runs <paramref name="pipeline"/> (a build's or a sync's) in the background; it reports its own failure in the build record.</summary>
    private void Start(BuildRecord record, Func<BuildRun, Task> pipeline)
    {
        // The run outlives the call that started it; keep the activation (and its state) alive while it runs.
        DelayDeactivation(TimeSpan.FromDays(7));
        var run = new BuildRun(record.Read, record.Indexed);
        _build = run;
        run.Completion = pipeline(run);
    }

    private async Task RunAsync(BuildRecord record, IDatasetSource source, BuildRun run)
    {
        using var activity = VisionSearchTelemetry.ActivitySource.StartActivity("index.build");
        activity?.SetTag("visionsearch.dataset", Dataset);
        activity?.SetTag("visionsearch.build", record.Version);
        try
        {
            var options = ingestion.Value;
            var nextLabel = record.NextLabel;
            var inFlight = new Queue<(EntryBatch Batch, long[] Labels, Task<EmbedResult> Embedding)>();
            var remaining = record.Spec.Limit - record.Read;
            // Images and texts come in batches of the embedder's size until one comes back whole from the embedding cache;
            // from then on, as long as they keep coming from it, in a sync's larger batches: a rebuild through the cache
            // then pays the worker call, the shard calls and the checkpoint once per thousands of items instead of once per 32.
            var batchSize = () => run.WholeFromCache ? ComparedBatchSize(options) : options.BatchSize;
            await foreach (var batch in EntryBatcher.ReadAsync(source, record.Cursor, remaining, options, time, batchSize, run.Cancellation))
            {
                run.Read += batch.Entries.Count;
                var labels = new long[batch.Entries.Count];
                for (var i = 0; i < labels.Length; i++)
                {
                    labels[i] = batch.Entries[i].Item is null ? -1 : nextLabel++;
                }

                inFlight.Enqueue((batch, labels, EmbedAsync(record, batch, run)));
                if (inFlight.Count >= options.BatchesInFlight)
                {
                    var (done, doneLabels, embedding) = inFlight.Dequeue();
                    var embedded = await embedding;
                    run.Cancellation.ThrowIfCancellationRequested();
                    record = await CommitAsync(record, done, doneLabels, embedded);
                }
            }

            while (inFlight.TryDequeue(out var pending))
            {
                var embedded = await pending.Embedding;
                run.Cancellation.ThrowIfCancellationRequested();
                record = await CommitAsync(record, pending.Batch, pending.Labels, embedded);
            }

            await FinishAsync(record);
        }
        catch (OperationCanceledException) when (run.Cancellation.IsCancellationRequested)
        {
            Stop(); // the dataset is being deleted: nothing to record
        }
#pragma warning disable CA1031 // A failed build is reported in its status, whatever the cause.
        catch (Exception e)
#pragma warning restore CA1031
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            await FailAsync(record, e);
        }
    }

    /// <summary>
    /// Vectors as they are; images and texts through an ingestion worker. Failed reads stay failures. A build's
    /// <paramref name="run"/> (none for a sync) learns whether the batch came whole from the embedding cache.
    /// </summary>
    private Task<EmbedResult> EmbedAsync(BuildRecord record, EntryBatch batch, BuildRun? run = null)
    {
        var entries = batch.Entries;
        var toEmbed = new List<int>();
        var vectors = new float[]?[entries.Count];
        var failures = new string?[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            switch (entries[i].Item)
            {
                case null:
                    failures[i] = entries[i].Failure;
                    break;
                case { Kind: ItemKind.Vector } item:
                    vectors[i] = item.Vector;
                    break;
                default:
                    toEmbed.Add(i);
                    break;
            }
        }

        if (toEmbed.Count == 0)
        {
            return Task.FromResult(new EmbedResult(vectors, failures));
        }

        var items = toEmbed.Select(i => entries[i].Item!).Select(item => item.Kind == ItemKind.Image
            ? new EmbedItem(item.Id, item.Bytes.ToArray(), null)
            : new EmbedItem(item.Id, null, item.Text ?? "")).ToArray();
        return MergeAsync(grains.GetGrain<IIngestionWorkerGrain>(0).EmbedAsync(record.Spec.Embedder ?? EmbedderKinds.Local, record.Model, items));

        async Task<EmbedResult> MergeAsync(Task<EmbedResult> embedding)
        {
            var result = await embedding;
            run?.WholeFromCache = result.Cached > 0 && result.Cached == result.Vectors.Count(v => v is not null); // a refused image is never cached
            for (var j = 0; j < toEmbed.Count; j++)
            {
                vectors[toEmbed[j]] = result.Vectors[j];
                failures[toEmbed[j]] = result.Failures[j];
            }

            return new EmbedResult(vectors, failures, result.Cached);
        }
    }

    /// <summary>Sends a batch's vectors to their shards (each logs them to Redis first), then checkpoints the build.</summary>
    private async Task<BuildRecord> CommitAsync(BuildRecord record, EntryBatch batch, long[] labels, EmbedResult embedded)
    {
        var metric = record.Spec.Metric;
        var dimension = record.Dimension;
        var perShard = new ShardBuffer[record.Shards];
        var skips = new List<SkippedItem>();
        var stored = new List<StoredItem>();
        var embeddedCount = 0;
        var from = record.Cursor; // commits run in read order: the checkpoint's cursor is just before this batch
        for (var i = 0; i < labels.Length; i++)
        {
            var before = from;
            from = batch.Entries[i].Cursor;
            var id = batch.Entries[i].Id;
            if (embedded.Vectors[i] is not { } vector)
            {
                skips.Add(new SkippedItem(id, embedded.Failures[i] ?? "No vector."));
                continue;
            }

            embeddedCount++;
            dimension = dimension == 0 ? vector.Length : dimension;
            if (Check(metric, vector, dimension) is { } problem)
            {
                skips.Add(new SkippedItem(id, problem));
                continue;
            }

            var (shard, label) = ShardKeys.Locate(labels[i], record.Shards);
            var source = batch.Entries[i].Item!;
            var item = StoredItemOf(source, labels[i], before, record.Spec) with { Hash = ContentHash.Of(source) };
            (perShard[shard] ??= new ShardBuffer()).Add(label, item, vector);
            stored.Add(item);
        }

        // A commit waits for its batch to be logged, and the shard inserts it while the next batch is read; only until a
        // first build serves does it wait for the insert too, so the first search finds the items its count says are in.
        var spec = ShardSpecOf(record, dimension);
        var searchable = _published is null && _serving is null;
        await Task.WhenAll(perShard.Select((buffer, shard) => buffer is null
            ? Task.CompletedTask
            : _shardCalls.ExecuteAsync(async _ => await Shard(record.Version, shard).AppendAsync(spec, buffer.ToBatch(), searchable)).AsTask())
            .Append(items.WriteAsync(Dataset, record.Version, stored)));

        var indexed = perShard.Sum(b => b?.Count ?? 0);
        record = record with
        {
            Dimension = dimension,
            Cursor = batch.Cursor,
            NextLabel = labels.Where(l => l >= 0).DefaultIfEmpty(record.NextLabel - 1).Max() + 1,
            Read = record.Read + labels.Length,
            Embedded = record.Embedded + embeddedCount,
            Cached = record.Cached + embedded.Cached,
            Indexed = record.Indexed + indexed,
            Skipped = record.Skipped + skips.Count,
            Skips = skips.Count == 0 ? record.Skips : [.. record.Skips.Concat(skips).TakeLast(BuildRecord.SkipsKept)],
        };
        await records.SaveBuildAsync(Dataset, record);
        _record = record;
        instruments.Record(Dataset, indexed, skips.Count);
        foreach (var skip in skips)
        {
            LogSkipped(logger, Dataset, skip.Id, skip.Reason);
        }

        if (_published is null && _serving is null && record.Indexed >= FirstServingItems)
        {
            _serving = record.AsServing(DateTimeOffset.UtcNow);
        }
        else if (_serving is { } serving && !ReferenceEquals(serving, _published))
        {
            _serving = serving with { Count = record.Indexed };
        }

        return record;
    }

    /// <summary>Snapshots every shard, publishes the build, and drops the shards of the build it replaces.</summary>
    private async Task FinishAsync(BuildRecord record)
    {
        if (record.Indexed == 0)
        {
            throw new InvalidOperationException(
                $"No item of {record.Read} could be indexed." + (record.Skips.Length > 0 ? $" The last failure: {record.Skips[^1].Reason}" : ""));
        }

        // From the journal's replay to the publication no write comes in: each lands in the old build before the
        // replay reads it, or in this one once it is published.
        ServingRecord? replaced;
        ServingRecord published;
        await _writes.WaitAsync();
        try
        {
            record = await ReplayWritesAsync(record);
            var spec = ShardSpecOf(record, record.Dimension);
            var counts = await Task.WhenAll(Enumerable.Range(0, record.Shards)
                .Select(shard => _shardCalls.ExecuteAsync(async _ => await Shard(record.Version, shard).CompleteAsync(spec)).AsTask()));
            var finishedAt = DateTimeOffset.UtcNow;
            published = record.AsServing(finishedAt) with { Count = counts.Sum() };
            await records.SaveServingAsync(Dataset, published);
            record = record with { FinishedAt = finishedAt };
            await records.SaveBuildAsync(Dataset, record);

            replaced = _published;
            _published = _serving = published;
            _record = record;
        }
        finally
        {
            _writes.Release();
        }

        Stop();
        LogBuildFinished(logger, Dataset, record.Version, published.Count, record.Skipped);
        if (replaced is not null && replaced.Version != published.Version)
        {
            await DropAsync(replaced.Version, replaced.Shards);
        }
    }

    private async Task FailAsync(BuildRecord record, Exception error)
    {
        LogBuildFailed(logger, error, Dataset, record.Version);
        record = record with { FinishedAt = DateTimeOffset.UtcNow, Error = error.Message };
        _record = record;
        Stop();
        if (_serving is { } serving && !ReferenceEquals(serving, _published))
        {
            // A failed first build stops serving its partial index: "failed" must not answer searches.
            _serving = _published;
        }

        try
        {
            await records.SaveBuildAsync(Dataset, record);
            await DropAsync(record.Version, record.Shards);
        }
#pragma warning disable CA1031 // Redis is gone for longer than the outage allowance: the status here still says failed.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogBuildFailed(logger, e, Dataset, record.Version);
        }
    }

    private async Task DropAsync(long version, int shards)
    {
        await Task.WhenAll(Enumerable.Range(0, shards)
            .Select(shard => Shard(version, shard).DropAsync())
            .Append(items.DeleteAsync(Dataset, version)));
    }

    /// <summary>
    /// An indexed item's record, without its content hash (a build adds it at once; a sync once the shard has the
    /// vector). Only images keep the cursor before them: their bytes are read again from the source when asked for; a
    /// text or a vector is whole in its record or its shard.
    /// </summary>
    private static StoredItem StoredItemOf(DatasetItem item, long label, string? before, BuildSpec spec) => item.Kind switch
    {
        ItemKind.Image => new StoredItem(item.Id, label, ItemKinds.Image, item.Text, spec.Source == SourceKinds.Folder ? item.Id : null, before, MetadataOf(item), Stamp: item.Stamp),
        ItemKind.Text => new StoredItem(item.Id, label, ItemKinds.Text, item.Text, Metadata: MetadataOf(item), Stamp: item.Stamp),
        _ => new StoredItem(item.Id, label, ItemKinds.Vector, Stamp: item.Stamp),
    };

    private static Dictionary<string, JsonElement>? MetadataOf(DatasetItem item) => item.Metadata.Count == 0 ? null : new(item.Metadata);

    private static ShardSpec ShardSpecOf(BuildRecord record, int dimension) => ShardSpecOf(record.Spec, dimension);

    private static ShardSpec ShardSpecOf(ServingRecord serving) => ShardSpecOf(serving.Spec, serving.Dimension);

    private static ShardSpec ShardSpecOf(BuildSpec spec, int dimension) => new(spec.Metric, dimension, spec.M, spec.EfConstruction, spec.Quantization);

    /// <summary>Why a vector cannot go into the index, or null when it can.</summary>
    private static string? Check(Metric metric, float[] vector, int dimension)
    {
        try
        {
            Distances.Validate(metric, vector, dimension, nameof(vector));
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>The live side of a running build: what it has read ahead of its checkpoint, and its rate.</summary>
    private sealed class BuildRun(long read, long indexed) : IDisposable
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly CancellationTokenSource _cancel = new();

        public long Read { get; set; } = read;

        /// <summary>Whether the last batch whose embedding came back had every vector it got from the embedding cache.</summary>
        public bool WholeFromCache { get; set; }

        /// <summary>The pipeline's task: it completes once the build has finished, failed or stopped.</summary>
        public Task Completion { get; set; } = Task.CompletedTask;

        /// <summary>Set when the dataset is deleted; the pipeline stops before its next commit.</summary>
        public CancellationToken Cancellation => _cancel.Token;

        public async Task CancelAsync()
        {
            await _cancel.CancelAsync();
            await Completion;
        }

        public void Dispose() => _cancel.Dispose();

        /// <summary>Items indexed per second since this run started (or resumed).</summary>
        public double Rate(long indexedNow)
        {
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            return seconds > 0 ? (indexedNow - indexed) / seconds : 0;
        }
    }

    private sealed class ShardBuffer
    {
        private readonly List<int> _labels = [];
        private readonly List<string> _ids = [];
        private readonly List<float> _vectors = [];
        private readonly List<ItemPayload> _payloads = [];
        private readonly List<int> _deleted = [];

        public int Count => _labels.Count;

        public void Add(int label, StoredItem item, float[] vector)
        {
            _labels.Add(label);
            _ids.Add(item.Id);
            _vectors.AddRange(vector);
            _payloads.Add(item.Payload());
        }

        public void Delete(int label) => _deleted.Add(label);

        public ShardBatch ToBatch() => new([.. _labels], [.. _ids], [.. _vectors], _deleted.Count == 0 ? null : [.. _deleted], [.. _payloads]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Build {Version} of {Dataset} resumed here at {Indexed} items (cursor {Cursor})")]
    private static partial void LogBuildResumed(ILogger logger, string dataset, long version, long indexed, string? cursor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Build {Version} of {Dataset} finished: {Count} indexed, {Skipped} skipped")]
    private static partial void LogBuildFinished(ILogger logger, string dataset, long version, long count, long skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Build of {Dataset} skipped {Id}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string dataset, string id, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Build {Version} of {Dataset} failed")]
    private static partial void LogBuildFailed(ILogger logger, Exception exception, string dataset, long version);
}
