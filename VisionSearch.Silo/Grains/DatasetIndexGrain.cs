using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VisionSearch.Contracts;
using VisionSearch.Datasets;
using VisionSearch.Embeddings;
using VisionSearch.HuggingFace;
using VisionSearch.Silo.Ingestion;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// A dataset's index: it runs the dataset's builds (reader → ingestion workers → shard grains, see the
/// .Build part) and routes searches to the shards of the build being served (the .Search part). Its state
/// lives in Redis (build and serving records), so any silo can take it over: a build whose silo died is
/// resumed from its last checkpoint, and a rebuild leaves the previous build serving until it is complete.
/// </summary>
public sealed partial class DatasetIndexGrain(
    BuildRecordStore records,
    ItemStore items,
    WriteJournal journal,
    DatasetSources sources,
    EmbedderProvider embedders,
    ThumbnailCache thumbnails,
    BuildInstruments instruments,
    IOptions<IngestionOptions> ingestion,
    IGrainFactory grains,
    TimeProvider time,
    ILogger<DatasetIndexGrain> logger) : Grain, IDatasetIndexGrain
{
    /// <summary>What status and records say produced the vectors of a vectors source.</summary>
    private const string Precomputed = "precomputed";

    /// <summary>Shard calls of a build, tried again while a shard's silo is replaced (see <see cref="ShardCallRetry"/>).</summary>
    private readonly Polly.ResiliencePipeline _shardCalls = ShardCallRetry.Pipeline(logger);

    /// <summary>The published build (null before the first completes).</summary>
    private ServingRecord? _published;

    /// <summary>What searches go to: the published build, or a first build that has its first items in.</summary>
    private volatile ServingRecord? _serving;

    /// <summary>The running or last build, as last checkpointed.</summary>
    private volatile BuildRecord? _record;

    private string Dataset => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _published = _serving = await records.GetServingAsync(Dataset);
        _record = await records.GetBuildAsync(Dataset);
        if (_record is { IsRunning: true } pending)
        {
            Resume(pending);
        }
    }

    public async Task<BuildResult> BuildAsync(BuildSpec spec)
    {
        var embedder = spec.Embedder ?? embedders.DefaultEmbedder;
        spec = spec.Source == SourceKinds.Vectors
            ? spec with { Model = null, Embedder = null }
            : spec with { Embedder = embedder, Model = spec.Model ?? embedders.DefaultModel(embedder) };
        if (_record is { IsRunning: true } running)
        {
            return running.Spec == spec
                ? new BuildResult(BuildOutcome.Unchanged, Status())
                : new BuildResult(BuildOutcome.Conflict, Status(), Message: Running(running));
        }

        if (_published?.Spec == spec)
        {
            return new BuildResult(BuildOutcome.Unchanged, Status());
        }

        if (Validate(spec) is { } invalid)
        {
            return invalid;
        }

        var (source, count, problem) = await OpenAsync(spec, () => embedders.CheckModel(spec.Embedder, spec.Model));
        if (problem is not null)
        {
            return problem;
        }

        var total = count is { } c && spec.Limit is { } limit ? Math.Min(c, limit) : count;
        var shards = spec.Shards ?? (total is { } t ? (int)Math.Max(1, (t + ingestion.Value.MaxItemsPerShard - 1) / ingestion.Value.MaxItemsPerShard) : 1);
        var record = new BuildRecord(
            await records.NextVersionAsync(Dataset), spec, spec.Model ?? Precomputed, shards, total, Dimension: 0, Cursor: null, NextLabel: 0,
            Read: 0, Embedded: 0, Indexed: 0, Skipped: 0, Skips: [], DateTimeOffset.UtcNow, FinishedAt: null, Error: null,
            SourceStamp: await sources.StampAsync(spec));
        await records.SaveBuildAsync(Dataset, record);
        await grains.GetGrain<IDatasetCatalogGrain>(0).AddAsync(Dataset);
        _record = record;
        Start(record, source);
        LogBuildStarted(logger, Dataset, record.Version, source.Description, shards);
        return new BuildResult(BuildOutcome.Started, Status());
    }

    public Task ResumeAsync() => Task.CompletedTask; // Activation resumes a pending build; see OnActivateAsync.

    public async Task<IndexStatus> GetStatusAsync()
    {
        var status = Status();
        if (_serving is not { } serving)
        {
            return status;
        }

        // The count is the shards': API writes and deletes change it between builds.
        var shards = await Task.WhenAll(Enumerable.Range(0, serving.Shards).Select(shard => Shard(serving.Version, shard).GetStatsAsync()));
        return status with { Count = shards.Sum(s => (long)s.Count), MemoryBytes = shards.Sum(s => s.MemoryBytes), SnapshotBytes = shards.Sum(s => s.SnapshotBytes) };
    }

    /// <summary>Shard <paramref name="shard"/> of build <paramref name="version"/> of this dataset.</summary>
    private IIndexShardGrain Shard(long version, int shard) => grains.GetGrain<IIndexShardGrain>(ShardKeys.Of(Dataset, version, shard));

    private IndexStatus Status()
    {
        var record = _record;
        var serving = _serving;
        var phase = record switch
        {
            { IsRunning: true } => IndexPhase.Building,
            { Error: not null, IsSync: false } => IndexPhase.Failed, // a failed sync leaves the served index as it was: still ready
            _ when serving is not null => IndexPhase.Ready,
            _ => IndexPhase.Empty,
        };

        var running = _build;
        // A running build's rate is since it started here (a resumed build's earlier items do not count); a
        // finished build's is over its whole run.
        var rate = running?.Rate(record!.Indexed)
            ?? (record is { FinishedAt: { } finished } && finished > record.StartedAt ? record.Indexed / (finished - record.StartedAt).TotalSeconds : 0);
        // A sync's rate counts the items it changed, not those it read: no ETA follows from it.
        var remaining = record is { IsRunning: true, IsSync: false, Total: { } total } ? total - record.Read : (long?)null;
        return new IndexStatus(
            Dataset,
            phase,
            record?.Spec ?? serving?.Spec,
            record?.Total,
            record?.Indexed ?? serving?.Count ?? 0,
            record?.Skipped ?? 0,
            serving?.Count ?? 0,
            serving?.Dimension ?? 0,
            _published?.Version ?? 0,
            record?.StartedAt,
            record?.FinishedAt ?? _published?.BuiltAt,
            record?.Error,
            ItemsRead: Math.Max(record?.Read ?? 0, running?.Read ?? 0),
            ItemsEmbedded: record?.Embedded ?? 0,
            ItemsCached: record?.Cached ?? 0,
            Sync: record?.Sync,
            ItemsPerSecond: rate,
            EtaSeconds: rate > 0 && remaining is { } r ? r / rate : null,
            Shards: serving?.Shards ?? 0,
            Model: record?.Model ?? serving?.Model,
            Skips: record?.Skips);
    }

    private BuildResult? Validate(BuildSpec spec) => SourceKinds.All.Contains(spec.Source)
        ? ValidateIndex(spec)
        : Invalid("source", $"Source '{spec.Source}' is unknown; use one of {string.Join(", ", SourceKinds.All)}.");

    /// <summary>What every dataset's spec must hold, built or created empty: a known embedder and metric, and HNSW settings in range.</summary>
    private BuildResult? ValidateIndex(BuildSpec spec)
    {
        if (spec.Embedder is { } embedder && !EmbedderKinds.All.Contains(embedder))
        {
            return Invalid("embedder", $"Embedder '{embedder}' is unknown; use one of {string.Join(", ", EmbedderKinds.All)}.");
        }

        if (spec is { Embedder: EmbedderKinds.SageMaker, Model: null })
        {
            return Invalid("model", "No SageMaker endpoint: name one in model, or configure Embeddings:SageMaker:EndpointName on the silos.");
        }

        return spec switch
        {
            { Limit: <= 0 } => Invalid("limit", "Limit must be at least 1."),
            { M: < 2 or > Hnsw.HnswOptions.MaxM } => Invalid("m", $"M must be between 2 and {Hnsw.HnswOptions.MaxM}."),
            { EfConstruction: < 1 or > 10_000 } => Invalid("ef_construction", "ef_construction must be between 1 and 10000."),
            { Shards: < 1 or > 1024 } => Invalid("shards", "Shards must be between 1 and 1024."),
            _ => null,
        };
    }

    /// <summary>
    /// Opens <paramref name="spec"/>'s source (after <paramref name="check"/>) and reads its first item: a source refused,
    /// missing, malformed or empty comes back as the answer to give, naming the field.
    /// </summary>
    private async Task<(IDatasetSource Source, long? Count, BuildResult? Problem)> OpenAsync(BuildSpec spec, Action? check = null)
    {
        try
        {
            check?.Invoke();
            var (source, count) = sources.Open(spec);
            await ProbeAsync(source);
            return (source, count, null);
        }
        catch (DatasetException e) when (e.Refused)
        {
            return (null!, null, new BuildResult(BuildOutcome.Refused, Status(), e.Field ?? "location", e.Message));
        }
        catch (DatasetException e)
        {
            return (null!, null, Invalid(e.Field ?? "location", e.Message));
        }
        catch (HubException e)
        {
            return (null!, null, Invalid("location", e.Message));
        }
    }

    /// <summary>Reads the first entry, so a wrong location, column or split is a 4xx now rather than a failed build later.</summary>
    private static async Task ProbeAsync(IDatasetSource source)
    {
        await using var entries = source.ReadAsync().GetAsyncEnumerator();
        if (!await entries.MoveNextAsync())
        {
            throw new DatasetException($"The {source.Description} has no items.", "location");
        }
    }

    /// <summary>What a conflicting request is told about the run in its way.</summary>
    private string Running(BuildRecord running) => running.IsSync
        ? $"A sync of '{Dataset}' with {running.Spec.Location} is running."
        : $"Build {running.Version} of '{Dataset}' from {running.Spec.Location} is running.";

    private BuildResult Invalid(string field, string message) => new(BuildOutcome.Invalid, Status(), field, message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Build {Version} of {Dataset} started from {Source} into {Shards} shards")]
    private static partial void LogBuildStarted(ILogger logger, string dataset, long version, string source, int shards);
}
