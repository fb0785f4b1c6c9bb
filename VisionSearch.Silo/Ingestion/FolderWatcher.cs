using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VisionSearch.Contracts;
using VisionSearch.Datasets;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Ingestion;

/// <summary>
/// With <see cref="DatasetsOptions.Watch"/>, watches the folder (and its subfolders) of every dataset whose served build
/// was read from a folder, and syncs the dataset once the folder has been quiet for
/// <see cref="DatasetsOptions.WatchQuietPeriod"/> after a change: ten files copied in one go are one sync. Only folders
/// inside the shared roots are watched, resolved as a build resolves them. Every silo watches; the index grain runs
/// one sync at a time and answers the others as already running, so a change syncs once however many silos saw it. A
/// sync refused because a build runs is asked again on the next tick. A folder is watched from the start of its build,
/// and every new watch (a new build, a silo start) begins with a sync, so nothing changed before it is missed.
/// </summary>
internal sealed partial class FolderWatcher(
    BuildRecordStore records, DatasetSources sources, IGrainFactory grains, IOptions<DatasetsOptions> options, TimeProvider time, ILogger<FolderWatcher> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, Watch> _watches = new(StringComparer.Ordinal);

    /// <summary>Folders that could not be watched (the inotify limit, say): not tried again until the silo restarts.</summary>
    private readonly HashSet<string> _unwatchable = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Watch)
        {
            return;
        }

        var quiet = options.Value.WatchQuietPeriod;
        using var timer = new PeriodicTimer(quiet / 2 > TimeSpan.FromMilliseconds(100) ? quiet / 2 : TimeSpan.FromMilliseconds(100), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await WatchServedFoldersAsync();
                    await SyncQuietFoldersAsync(quiet);
                }
#pragma warning disable CA1031 // Redis or the cluster is in transition; the next tick tries again.
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    LogDeferred(logger, e.Message);
                }
            }
        }
        finally
        {
            foreach (var watch in _watches.Values)
            {
                watch.Dispose();
            }
        }
    }

    /// <summary>Starts watching the folders of datasets served from one, and stops watching those of datasets that no longer are.</summary>
    private async Task WatchServedFoldersAsync()
    {
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dataset in await grains.GetGrain<IDatasetCatalogGrain>(0).ListAsync())
        {
            // A build's folder is watched from its start, so what changes while it reads is synced after it.
            var spec = await records.GetBuildAsync(dataset) is { IsRunning: true, IsSync: false } build ? build.Spec : (await records.GetServingAsync(dataset))?.Spec;
            if (spec is { Source: SourceKinds.Folder, Location: var location })
            {
                try
                {
                    wanted[dataset] = sources.Shared.Resolve(location);
                }
                catch (DatasetException e)
                {
                    LogNotWatched(logger, dataset, e.Message); // the folder left the shared roots, or is gone
                }
            }
        }

        foreach (var (dataset, watch) in _watches)
        {
            if (!wanted.TryGetValue(dataset, out var folder) || folder != watch.Folder)
            {
                _watches.TryRemove(dataset, out _);
                watch.Dispose();
            }
        }

        foreach (var (dataset, folder) in wanted)
        {
            if (_watches.ContainsKey(dataset) || !Directory.Exists(folder) || _unwatchable.Contains(folder))
            {
                continue;
            }

            try
            {
                _watches[dataset] = new Watch(folder, time);
                LogWatching(logger, dataset, folder);
            }
            catch (IOException e)
            {
                _unwatchable.Add(folder);
                LogNotWatched(logger, dataset, e.Message); // e.g. fs.inotify.max_user_watches reached: raise it, or sync by hand
            }
        }
    }

    private async Task SyncQuietFoldersAsync(TimeSpan quiet)
    {
        foreach (var (dataset, watch) in _watches)
        {
            if (watch.ChangedAt is not { } changed || time.GetUtcNow() - changed < quiet)
            {
                continue;
            }

            var result = await grains.GetGrain<IDatasetIndexGrain>(dataset).SyncAsync();
            if (result.Outcome != BuildOutcome.Conflict)
            {
                watch.Synced(changed); // started, already running, or refused: nothing left to ask for this change
                LogSynced(logger, dataset, result.Outcome, result.Message ?? "");
            }
        }
    }

    /// <summary>One folder's watcher and the time of its last change not yet synced.</summary>
    private sealed class Watch : IDisposable
    {
        private readonly FileSystemWatcher _watcher;
        private readonly TimeProvider _time;
        private DateTimeOffset? _changedAt;

        /// <summary>Starts watching, with a change pending: what changed before the watch began (while this silo was down, or a build read) is synced too.</summary>
        public Watch(string folder, TimeProvider time)
        {
            Folder = folder;
            _time = time;
            _changedAt = time.GetUtcNow();
            _watcher = new FileSystemWatcher(folder)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            _watcher.Created += Changed;
            _watcher.Changed += Changed;
            _watcher.Deleted += Changed;
            _watcher.Renamed += Changed;
            _watcher.Error += (_, _) => Change(); // events were lost: a sync finds what changed
            _watcher.EnableRaisingEvents = true;
        }

        public string Folder { get; }

        public DateTimeOffset? ChangedAt
        {
            get
            {
                lock (_watcher)
                {
                    return _changedAt;
                }
            }
        }

        /// <summary>The change seen at <paramref name="changedAt"/> is handed to a sync; a later one stays pending.</summary>
        public void Synced(DateTimeOffset changedAt)
        {
            lock (_watcher)
            {
                if (_changedAt == changedAt)
                {
                    _changedAt = null;
                }
            }
        }

        public void Dispose() => _watcher.Dispose();

        private void Changed(object sender, FileSystemEventArgs e) => Change();

        private void Change()
        {
            lock (_watcher)
            {
                _changedAt = _time.GetUtcNow();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Folder} for dataset {Dataset}")]
    private static partial void LogWatching(ILogger logger, string dataset, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not watching the folder of dataset {Dataset}: {Reason}")]
    private static partial void LogNotWatched(ILogger logger, string dataset, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The folder of dataset {Dataset} changed and went quiet: sync {Outcome} {Message}")]
    private static partial void LogSynced(ILogger logger, string dataset, BuildOutcome outcome, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watching folders deferred: {Reason}")]
    private static partial void LogDeferred(ILogger logger, string reason);
}
