using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VisionSearch.Contracts;
using VisionSearch.Hnsw;
using VisionSearch.Hnsw.Payloads;
using VisionSearch.ServiceDefaults;
using VisionSearch.Silo.Filtering;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// One shard's HNSW graph and the ids of its items. Every batch is logged to Redis as it is indexed;
/// a snapshot (ids, then the graph) is taken every <see cref="SnapshotOptions.EveryItems"/> items or
/// <see cref="SnapshotOptions.Interval"/>, and at the end of the build, after which the log behind it is
/// deleted. Activation loads the snapshot and replays the log, so a shard comes back with exactly what it
/// had wherever Orleans reactivates it. Shard 0 activates beside the index grain that calls it, the others round
/// the cluster (<see cref="ShardPlacement"/>).
/// </summary>
[ShardPlacement]
public sealed partial class IndexShardGrain(
    SnapshotStore snapshots,
    ShardLog log,
    IOptions<SnapshotOptions> options,
    IOptions<ShardIndexOptions> indexOptions,
    TimeProvider time,
    ILogger<IndexShardGrain> logger) : Grain, IIndexShardGrain, IDisposable
{
    /// <summary>
    /// The items before the HNSW snapshot: "VSSI" version 2 (ids with kinds and metadata); version 1 has ids only, and
    /// "VSSH" is version 1's layout from before it carried a version.
    /// </summary>
    private static readonly FormatHeader SnapshotHeader = new("shard snapshot", Magic: 0x49535356, Version: 2, LegacyMagic: 0x48535356);
    private static readonly ItemPayload Unknown = new("", null);

    private volatile HnswIndex? _index;

    /// <summary>What filters read: each item's id, kind and metadata values.</summary>
    private readonly PayloadIndex<ItemPayload> _payloads = new();

    /// <summary>The indexing of a batch appended without waiting for it (completed otherwise).</summary>
    private Task _indexing = Task.CompletedTask;

    /// <summary>The last batch's indexing, kept for <see cref="WaitIndexedAsync"/> after the next append has awaited it.</summary>
    private Task _lastIndexing = Task.CompletedTask;

    /// <summary>The log sequence of the last batch in the graph; set on the pool thread that indexed it.</summary>
    private long _indexedSequence;
    private volatile string?[] _ids = [];
    private long _logSequence;
    private long _snapshotSequence;
    private bool _hasSnapshot;
    private long _snapshotBytes;
    private long _sinceSnapshot;
    private long _snapshotAt = time.GetTimestamp();

    private string Owner => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var manifest = await snapshots.GetManifestAsync(Owner);
        if (manifest is not null)
        {
            var sequence = JsonSerializer.Deserialize<ShardSnapshot>(manifest.Metadata, RedisJson.Options)?.LogSequence
                ?? throw new InvalidDataException($"Snapshot {manifest.Version} of shard '{Owner}' has no metadata.");
            ItemPayload?[] payloads;
            (_ids, payloads, _index) = await snapshots.ReadAsync(Owner, manifest, stream => ReadSnapshot(stream, indexOptions.Value.NewOriginalsPath()), cancellationToken);
            for (var label = 0; label < _ids.Length; label++)
            {
                if (_ids[label] is { } id)
                {
                    SetPayload(label, id, payloads[label]);
                }
            }

            _logSequence = _snapshotSequence = sequence;
            _hasSnapshot = true;
            _snapshotBytes = manifest.Length;
        }

        var replayed = 0;
        await foreach (var (sequence, spec, batch) in log.ReadAsync(Owner, _logSequence))
        {
            await Task.Run(() => Apply(spec, batch), cancellationToken);
            _logSequence = sequence;
            _sinceSnapshot += batch.Changes;
            replayed += batch.Changes;
        }

        _indexedSequence = _logSequence;
        LogActivated(logger, Owner, _index?.Count ?? 0, manifest?.Version ?? 0, replayed);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // No request runs during deactivation (searches await their pool work), and once a logged batch's indexing
        // is over, the graph is free.
        await _indexing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        _index?.Dispose();
        _index = null;
    }

    /// <summary>Orleans disposes the activation once it is deactivated.</summary>
    public void Dispose() => _payloads.Dispose();

    public async Task<long> AppendAsync(ShardSpec spec, ShardBatch batch, bool searchable = true)
    {
        await IndexedAsync(); // the previous batch, when it was logged without waiting to be searchable
        await SnapshotIfDueAsync(); // everything logged is indexed now, whether or not the previous call waited for it

        // The log write and the insert overlap; the call (and so the build's checkpoint) completes only when
        // both have, so a checkpoint never covers an item that is not in the log.
        var sequence = _logSequence + 1;
        var logged = log.AppendAsync(Owner, sequence, spec, batch);
        var indexing = _lastIndexing = Task.Run(() =>
        {
            Apply(spec, batch);
            Volatile.Write(ref _indexedSequence, sequence);
        });
        try
        {
            await logged;
        }
        finally
        {
            if (searchable || !logged.IsCompletedSuccessfully)
            {
                await indexing;
            }
        }

        _logSequence = sequence;
        _sinceSnapshot += batch.Changes;
        if (!searchable)
        {
            _indexing = indexing;
        }

        return sequence;
    }

    public Task WaitIndexedAsync(long sequence) =>
        // A batch's indexing starts only once the one before it is indexed, so until this one is, it is the last.
        Volatile.Read(ref _indexedSequence) >= sequence ? Task.CompletedTask : _lastIndexing;

    public async Task<int> CompleteAsync(ShardSpec spec)
    {
        await IndexedAsync();
        EnsureIndex(spec);
        if (!_hasSnapshot || _logSequence > _snapshotSequence)
        {
            await SnapshotAsync();
        }

        return _index!.Count;
    }

    public Task<SearchHit[]> SearchAsync(VectorQuery query)
    {
        var index = _index;
        // Off the activation (searches run in parallel) and onto the thread pool's global queue: Task.Run from a pool
        // thread would use that thread's local queue, which it empties last-in first-out, so under load some searches
        // wait behind every later one and the tail latency grows.
        return index is null
            ? Task.FromResult<SearchHit[]>([])
            : Task.Factory.StartNew(() => Search(index, query), CancellationToken.None, TaskCreationOptions.PreferFairness, TaskScheduler.Default);
    }

    public Task<Dictionary<string, PayloadTypes>> GetSchemaAsync() => Task.FromResult(FilterMatcher.Schema(_payloads));

    public Task<string[]> MatchAsync(SearchFilter filter)
    {
        var ids = _ids;
        return Task.FromResult<string[]>([.. FilterMatcher.Match(_payloads, filter).ToArray().Where(l => l < ids.Length && ids[l] is not null).Select(l => ids[l]!)]);
    }

    public Task<ShardStats> GetStatsAsync() => Task.FromResult(new ShardStats(_index?.Count ?? 0, _index?.MemoryBytes ?? 0, _snapshotBytes));

    public Task<float[]?> GetVectorAsync(int label) => Task.FromResult(_index?.GetVector(label));

    public async Task DropAsync()
    {
        var keys = await snapshots.DropAsync(Owner);
        LogDropped(logger, Owner, keys);
        DeactivateOnIdle();
    }

    private SearchHit[] Search(HnswIndex index, VectorQuery query)
    {
        using var activity = VisionSearchTelemetry.ActivitySource.StartActivity("shard.search");
        activity?.SetTag("visionsearch.shard", Owner);
        var neighbors = query.Filter is { } filter ? FilteredSearch(index, query, filter, activity) : index.Search(query.Vector, query.K, query.Ef);
        var ids = _ids;
        var hits = new SearchHit[neighbors.Length];
        for (var i = 0; i < hits.Length; i++)
        {
            var label = neighbors[i].Label;
            hits[i] = new SearchHit(ids[label] ?? label.ToString(CultureInfo.InvariantCulture), Distances.ToScore(index.Options.Metric, neighbors[i].Distance));
        }

        return hits;
    }

    private Neighbor[] FilteredSearch(HnswIndex index, VectorQuery query, SearchFilter filter, Activity? activity)
    {
        var matching = FilterMatcher.Match(_payloads, filter);
        var count = matching.Count();
        var ef = Math.Max(query.Ef == 0 ? HnswIndex.DefaultEf : query.Ef, query.K);
        var exact = FilterPlan.ScansExactly(count, index.Count, ef, index.Options.M);
        activity?.SetTag("visionsearch.filter.matching", count);
        activity?.SetTag("visionsearch.filter.plan", exact ? "scan" : "walk");
        return count == 0 ? []
            : exact ? index.SearchAmong(query.Vector, query.K, matching.ToArray())
            : index.Search(query.Vector, query.K, ef, matching.Contains);
    }

    private void EnsureIndex(ShardSpec spec) =>
        _index ??= new HnswIndex(new HnswOptions
        {
            Dimension = spec.Dimension,
            Metric = spec.Metric,
            M = spec.M,
            EfConstruction = spec.EfConstruction,
            Quantization = spec.Quantization,
            OriginalsPath = spec.Quantization == Quantization.None ? null : indexOptions.Value.NewOriginalsPath(),
        });

    /// <summary>
    /// Indexes a batch on every core, then deletes its deleted labels. Ids are published before the graph links the
    /// labels, so a search never finds an unnamed item.
    /// </summary>
    private void Apply(ShardSpec spec, ShardBatch batch)
    {
        EnsureIndex(spec);
        var top = batch.Labels.Length == 0 ? -1 : batch.Labels.Max();
        var ids = _ids;
        if (top >= ids.Length)
        {
            var grown = new string?[Math.Max(top + 1, ids.Length * 2)];
            ids.CopyTo(grown, 0);
            ids = grown;
        }

        for (var i = 0; i < batch.Labels.Length; i++)
        {
            ids[batch.Labels[i]] = batch.Ids[i];
            SetPayload(batch.Labels[i], batch.Ids[i], batch.Payloads?[i]);
        }

        _ids = ids;
        _index!.AddRange(batch.Labels, batch.Vectors, Environment.ProcessorCount);
        foreach (var label in batch.Deleted ?? [])
        {
            // Out of the graph first, then unnamed: a search that found the label a moment before still has its id.
            _index.Delete(label);
            _payloads.Remove(label);
            if (label < ids.Length)
            {
                ids[label] = null;
            }
        }
    }

    /// <summary>Indexes an item's id, kind and metadata for filters; an item logged before payloads existed has no kind.</summary>
    private void SetPayload(int label, string id, ItemPayload? payload) =>
        _payloads.Set(label, payload ?? Unknown, PayloadValues.Of(id, payload));

    private async Task SnapshotIfDueAsync()
    {
        if (_sinceSnapshot >= options.Value.EveryItems || time.GetElapsedTime(_snapshotAt) >= options.Value.Interval)
        {
            await SnapshotAsync();
        }
    }

    /// <summary>Waits for a batch logged without waiting to be searchable; its failure is the next call's, once.</summary>
    private Task IndexedAsync()
    {
        var indexing = _indexing;
        _indexing = Task.CompletedTask;
        return indexing;
    }

    private async Task SnapshotAsync()
    {
        var index = _index!;
        var ids = _ids;
        var sequence = _logSequence;
        var metadata = JsonSerializer.Serialize(new ShardSnapshot(sequence, index.Count), RedisJson.Options);
        _snapshotBytes = (await snapshots.WriteAsync(Owner, metadata, stream => WriteSnapshot(stream, ids, _payloads, index))).Length;
        if (sequence > _snapshotSequence)
        {
            await log.TrimAsync(Owner, _snapshotSequence + 1, sequence);
        }

        _snapshotSequence = sequence;
        _hasSnapshot = true;
        _sinceSnapshot = 0;
        _snapshotAt = time.GetTimestamp();
    }

    internal static void WriteSnapshot(Stream stream, string?[] ids, PayloadIndex<ItemPayload> payloads, HnswIndex index)
    {
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            SnapshotHeader.Write(writer);
            writer.Write(ids.Length);
            for (var label = 0; label < ids.Length; label++)
            {
                writer.Write(ids[label] is not null);
                if (ids[label] is { } id)
                {
                    writer.Write(id);
                    ShardPayloads.Write(writer, payloads[label] ?? Unknown);
                }
            }
        }

        index.WriteTo(stream);
    }

    /// <summary>Reads what <see cref="WriteSnapshot"/> wrote; a quantised index keeps its originals at <paramref name="originalsPath"/> (null: in memory).</summary>
    internal static (string?[] Ids, ItemPayload?[] Payloads, HnswIndex Index) ReadSnapshot(Stream stream, string? originalsPath = null)
    {
        string?[] ids;
        ItemPayload?[] payloads;
        using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true))
        {
            var version = SnapshotHeader.Read(reader);
            ids = new string?[reader.ReadInt32()];
            payloads = new ItemPayload?[ids.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                if (reader.ReadBoolean())
                {
                    ids[i] = reader.ReadString();
                    payloads[i] = version >= 2 ? ShardPayloads.Read(reader) : null;
                }
            }
        }

        return (ids, payloads, HnswIndex.ReadFrom(stream, originalsPath));
    }

    /// <summary>What a shard's snapshot manifest says: the log sequence it includes.</summary>
    private sealed record ShardSnapshot(long LogSequence, int Count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Shard} activated: {Count} items from snapshot {Version} and {Replayed} replayed from the log")]
    private static partial void LogActivated(ILogger logger, string shard, int count, long version, int replayed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Shard} dropped: {Keys} Redis keys deleted")]
    private static partial void LogDropped(ILogger logger, string shard, int keys);
}
