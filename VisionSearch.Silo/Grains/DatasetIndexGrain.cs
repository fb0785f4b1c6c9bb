using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VisionSearch.Contracts;
using VisionSearch.Datasets.Vectors;
using VisionSearch.Hnsw;
using VisionSearch.ServiceDefaults;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Grains;

/// <summary>
/// Owns one dataset's HNSW index. A build reads the source and fills a new index on pool threads, writes it to
/// Redis as a snapshot, then swaps it in; searches keep answering from the previous index meanwhile. On
/// activation the last published snapshot is loaded, so the index survives silo restarts.
/// </summary>
public sealed partial class DatasetIndexGrain(
    SnapshotStore snapshots,
    IGrainFactory grains,
    ILogger<DatasetIndexGrain> logger) : Grain, IDatasetIndexGrain
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Lock _servingLock = new();
    private volatile ServingIndex? _serving;
    private volatile BuildJob? _build;

    private string Dataset => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var manifest = await snapshots.GetManifestAsync(Dataset);
        if (manifest is null)
        {
            return;
        }

        var metadata = JsonSerializer.Deserialize<SnapshotMetadata>(manifest.Metadata, Json)
            ?? throw new InvalidDataException($"Snapshot {manifest.Version} of '{Dataset}' has no metadata.");
        var index = await snapshots.ReadAsync(Dataset, manifest, stream => HnswIndex.ReadFrom(stream), cancellationToken);
        _serving = new ServingIndex(index, metadata.Spec, manifest.Version, metadata.BuiltAt);
        LogRestored(logger, Dataset, manifest.Version, index.Count);
    }

    public async Task<BuildResult> BuildAsync(BuildSpec spec)
    {
        if (_build is { IsRunning: true } running)
        {
            return running.Spec == spec
                ? new BuildResult(BuildOutcome.Unchanged, Status())
                : new BuildResult(BuildOutcome.Conflict, Status(), Message: $"A build of '{Dataset}' from {running.Spec.Location} is running.");
        }

        if (_serving?.Spec == spec)
        {
            return new BuildResult(BuildOutcome.Unchanged, Status());
        }

        if (Validate(spec) is { } invalid)
        {
            return invalid;
        }

        if (!TryOpen(spec, out var file, out var problem))
        {
            return problem;
        }

        await grains.GetGrain<IDatasetCatalogGrain>(0).AddAsync(Dataset);
        var job = new BuildJob(spec, spec.Limit is { } limit ? Math.Min(limit, file.Count) : file.Count);
        _build = job;
        // The build outlives this call; keep the activation (and its index) alive while it runs.
        DelayDeactivation(TimeSpan.FromHours(24));
        _ = Task.Run(() => RunBuildAsync(job, file));
        LogBuildStarted(logger, Dataset, spec.Location, job.Total);
        return new BuildResult(BuildOutcome.Started, Status());
    }

    public Task<IndexStatus> GetStatusAsync() => Task.FromResult(Status());

    /// <summary>
    /// Runs on the thread pool, not on the activation's single-threaded scheduler (the method interleaves,
    /// see the interface), so concurrent searches use every core; the index is safe for concurrent readers.
    /// </summary>
    public Task<SearchResult> SearchAsync(VectorQuery query) => Task.Run(() => Search(query));

    private SearchResult Search(VectorQuery query)
    {
        using var activity = VisionSearchTelemetry.ActivitySource.StartActivity("index.search");
        activity?.SetTag("visionsearch.dataset", Dataset);
        activity?.SetTag("visionsearch.k", query.K);
        var serving = _serving;
        if (serving is null)
        {
            return _build is { IsRunning: true }
                ? new SearchResult(SearchOutcome.NotReady, [], $"The first build of '{Dataset}' is still running.")
                : new SearchResult(SearchOutcome.NotFound, [], $"Dataset '{Dataset}' has not been built.");
        }

        var index = serving.Index;
        if (query.Vector.Length != index.Dimension)
        {
            return new SearchResult(SearchOutcome.DimensionMismatch, [],
                $"The vector has {query.Vector.Length} dimensions; dataset '{Dataset}' has {index.Dimension}.");
        }

        Neighbor[] neighbors;
        try
        {
            neighbors = index.Search(query.Vector, query.K, query.Ef);
        }
        catch (ArgumentException e)
        {
            return new SearchResult(SearchOutcome.InvalidVector, [], e.Message);
        }

        var hits = new SearchHit[neighbors.Length];
        for (var i = 0; i < hits.Length; i++)
        {
            hits[i] = new SearchHit(
                neighbors[i].Label.ToString(CultureInfo.InvariantCulture),
                Distances.ToScore(index.Options.Metric, neighbors[i].Distance));
        }

        return new SearchResult(SearchOutcome.Ok, hits);
    }

    /// <summary>A first build answers searches once this many items are in (the Python original's "load ~100, continue in the background").</summary>
    private const int FirstServingItems = 100;

    /// <summary>
    /// The index of a first build serves while it grows (the library searches concurrently with inserts);
    /// a rebuild leaves the previous index serving until the new one is complete.
    /// </summary>
    private void ServeWhileBuilding(HnswIndex index, BuildJob job)
    {
        lock (_servingLock)
        {
            _serving ??= new ServingIndex(index, job.Spec, SnapshotVersion: 0, BuiltAt: DateTimeOffset.UtcNow);
        }
    }

    private async Task RunBuildAsync(BuildJob job, VectorFile file)
    {
        using var activity = VisionSearchTelemetry.ActivitySource.StartActivity("index.build");
        activity?.SetTag("visionsearch.dataset", Dataset);
        HnswIndex? index = null;
        try
        {
            var building = new HnswIndex(new HnswOptions { Dimension = file.Dimension, Metric = ParseMetric(job.Spec.Metric)!.Value });
            index = building;
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
            // One row at a time (no chunk buffering), as HnswIndex.AddRange takes them: the graph grows in
            // row order, which keeps recall at low ef equal to a one-thread build.
            var rows = Partitioner.Create(file.ReadRows(0, job.Spec.Limit), EnumerablePartitionerOptions.NoBuffering);
            Parallel.ForEach(rows, parallel, row =>
            {
                try
                {
                    building.Add(checked((int)row.Row), row.Vector);
                    if (job.CountIndexed() == FirstServingItems)
                    {
                        ServeWhileBuilding(building, job);
                    }
                }
                catch (ArgumentException e)
                {
                    job.CountSkipped();
                    LogSkipped(logger, Dataset, row.Row, e.Message);
                }
            });

            var builtAt = DateTimeOffset.UtcNow;
            var metadata = JsonSerializer.Serialize(new SnapshotMetadata(job.Spec, builtAt, building.Count, building.Dimension), Json);
            var manifest = await snapshots.WriteAsync(Dataset, metadata, building.WriteTo);
            _serving = new ServingIndex(building, job.Spec, manifest.Version, builtAt);
            job.Finish(error: null);
            LogBuildFinished(logger, Dataset, building.Count, job.Skipped, manifest.Version);
        }
#pragma warning disable CA1031 // A failed build is reported in the status, whatever the cause.
        catch (Exception e)
#pragma warning restore CA1031
        {
            lock (_servingLock)
            {
                // A failed first build stops serving its partial index: "failed" must not answer searches.
                if (_serving is { } partial && ReferenceEquals(partial.Index, index))
                {
                    _serving = null;
                }
            }

            job.Finish(e.Message);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.Message);
            LogBuildFailed(logger, e, Dataset);
        }
    }

    private IndexStatus Status()
    {
        var serving = _serving;
        var job = _build;
        var phase = job switch
        {
            { IsRunning: true } => IndexPhase.Building,
            { Error: not null } => IndexPhase.Failed,
            _ when serving is not null => IndexPhase.Ready,
            _ => IndexPhase.Empty,
        };

        return new IndexStatus(
            Dataset,
            phase,
            job?.Spec ?? serving?.Spec,
            job?.Total ?? serving?.Index.Count,
            job?.Indexed ?? serving?.Index.Count ?? 0,
            job?.Skipped ?? 0,
            serving?.Index.Count ?? 0,
            serving?.Index.Dimension ?? 0,
            serving?.SnapshotVersion ?? 0,
            job?.StartedAt,
            job?.FinishedAt ?? serving?.BuiltAt,
            job?.Error);
    }

    private BuildResult? Validate(BuildSpec spec)
    {
        if (spec.Source != SourceKinds.Vectors)
        {
            return Invalid("source", $"Source '{spec.Source}' is not supported yet; use '{SourceKinds.Vectors}'.");
        }

        if (ParseMetric(spec.Metric) is null)
        {
            return Invalid("metric", $"Metric '{spec.Metric}' is unknown; use cosine, ip or l2.");
        }

        return spec.Limit is <= 0 ? Invalid("limit", "Limit must be at least 1.") : null;
    }

    private bool TryOpen(BuildSpec spec, out VectorFile file, out BuildResult problem)
    {
        try
        {
            file = VectorFile.Open(spec.Location);
            problem = null!;
            return true;
        }
        catch (Exception e) when (e is IOException or NotSupportedException or UnauthorizedAccessException or ArgumentException)
        {
            file = null!;
            problem = Invalid("location", e.Message);
            return false;
        }
    }

    private BuildResult Invalid(string field, string message) => new(BuildOutcome.Invalid, Status(), field, message);

    internal static Metric? ParseMetric(string name) => name.ToLowerInvariant() switch
    {
        "cosine" => Metric.Cosine,
        "ip" or "inner_product" or "dot" => Metric.InnerProduct,
        "l2" or "euclidean" => Metric.L2,
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Dataset} from snapshot {Version}: {Count} vectors")]
    private static partial void LogRestored(ILogger logger, string dataset, long version, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Build of {Dataset} started from {Location}: {Total} items")]
    private static partial void LogBuildStarted(ILogger logger, string dataset, string location, long total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Build of {Dataset} finished: {Count} indexed, {Skipped} skipped, snapshot {Version}")]
    private static partial void LogBuildFinished(ILogger logger, string dataset, int count, long skipped, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Build of {Dataset} skipped row {Row}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string dataset, long row, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Build of {Dataset} failed")]
    private static partial void LogBuildFailed(ILogger logger, Exception exception, string dataset);
}
