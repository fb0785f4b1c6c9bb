using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using VisionSearch.ServiceDefaults;

namespace VisionSearch.Silo.Persistence;

/// <summary>
/// Stores an owner's snapshot (a shard of a dataset's index) in Redis as chunk keys plus a manifest. A new snapshot is written beside the
/// old one under a fresh version, published by replacing the manifest (one atomic SET), and only then are
/// older versions' chunks deleted, by their keys (no SCAN: its cost grows with every key in Redis): a crash at any
/// point leaves the last published snapshot intact, and what it left undeleted the manifest names. Manifest
/// reads, writes and drops wait out a Redis outage (<see cref="RedisOutageRetry"/>); a write
/// interrupted by one starts over under a new version.
/// </summary>
public sealed partial class SnapshotStore(IConnectionMultiplexer redis, IOptions<SnapshotOptions> options, RedisOutageRetry retry, ILogger<SnapshotStore> logger)
{
    /// <summary>The manifest of the owner's published snapshot, or null when it has none.</summary>
    public Task<SnapshotManifest?> GetManifestAsync(string owner) => retry.RunAsync(() => ReadManifestAsync(redis.GetDatabase(), owner), "manifest read");

    /// <summary>
    /// Writes a new snapshot with <paramref name="write"/> (called on a pool thread with a stream that blocks
    /// while Redis catches up) and publishes it.
    /// </summary>
    public Task<SnapshotManifest> WriteAsync(string owner, string metadata, Action<Stream> write, CancellationToken cancellationToken = default) =>
        retry.RunAsync(() => WriteOnceAsync(owner, metadata, write, cancellationToken), "snapshot write", cancellationToken);

    private async Task<SnapshotManifest> WriteOnceAsync(string owner, string metadata, Action<Stream> write, CancellationToken cancellationToken)
    {
        using var activity = VisionSearchTelemetry.ActivitySource.StartActivity("snapshot.write");
        activity?.SetTag("visionsearch.owner", owner);
        var started = Stopwatch.GetTimestamp();
        var db = redis.GetDatabase();
        var previous = await ReadManifestAsync(db, owner);
        var version = await db.StringIncrementAsync(RedisKeys.VersionCounter(owner));

        var (chunks, length, checksum) = await Task.Run(() =>
        {
            using var stream = new ChunkWriteStream(db, owner, version, options.Value);
            write(stream);
            stream.Complete();
            return (stream.ChunkCount, stream.Length, stream.Checksum);
        }, cancellationToken);

        // Versions below this one that may hold chunks: the replaced snapshot's, what its own publication left undeleted,
        // and torn writes since (versions are handed out per attempt, so every one between is a torn write).
        var staleFrom = previous?.StaleFrom ?? previous?.Version ?? 1;
        var manifest = new SnapshotManifest(version, chunks, length, checksum, DateTimeOffset.UtcNow, metadata, staleFrom < version ? staleFrom : null);
        await PublishAsync(db, owner, manifest);
        var swept = 0;
        if (manifest.StaleFrom is { } from)
        {
            swept = await DeleteChunksAsync(db, owner, from, version);
            manifest = manifest with { StaleFrom = null };
            await PublishAsync(db, owner, manifest);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        activity?.SetTag("visionsearch.snapshot.bytes", length);
        LogWritten(logger, owner, version, length, chunks, seconds, swept);
        return manifest;
    }

    /// <summary>Reads the published snapshot <paramref name="manifest"/> through <paramref name="read"/> on a pool thread.</summary>
    /// <exception cref="InvalidDataException">A chunk is missing, or the bytes do not match the manifest.</exception>
    public Task<T> ReadAsync<T>(string owner, SnapshotManifest manifest, Func<Stream, T> read, CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase();
        return Task.Run(() =>
        {
            using var activity = VisionSearchTelemetry.ActivitySource.StartActivity("snapshot.read");
            activity?.SetTag("visionsearch.owner", owner);
            activity?.SetTag("visionsearch.snapshot.bytes", manifest.Length);
            using var stream = new ChunkReadStream(db, owner, manifest);
            return read(stream);
        }, cancellationToken);
    }

    /// <summary>Deletes every key of <paramref name="owner"/>: snapshots, manifest and log (a replaced build's shard).</summary>
    public Task<int> DropAsync(string owner) => retry.RunAsync(() => DeleteMatchingAsync(RedisKeys.AllOf(owner)), "drop");

    /// <summary>
    /// Deletes the chunks of versions <paramref name="from"/> up to (not including) <paramref name="to"/>, by key. A
    /// version's stored chunks are a run from 0 with gaps only among the last <see cref="SnapshotOptions.WritesInFlight"/>
    /// sent (chunk i + W is sent only once chunk i is stored), so a window of that many missing keys ends it.
    /// </summary>
    private static async Task<int> DeleteChunksAsync(IDatabase db, string owner, long from, long to)
    {
        const int window = SnapshotOptions.MaxWritesInFlight;
        var deleted = 0L;
        for (var version = from; version < to; version++)
        {
            for (var first = 0; ; first += window)
            {
                var keys = new RedisKey[window];
                for (var i = 0; i < window; i++)
                {
                    keys[i] = RedisKeys.Chunk(owner, version, first + i);
                }

                var n = await db.KeyDeleteAsync(keys);
                deleted += n;
                if (n == 0)
                {
                    break;
                }
            }
        }

        return (int)deleted;
    }

    private static Task<bool> PublishAsync(IDatabase db, string owner, SnapshotManifest manifest) =>
        db.StringSetAsync(RedisKeys.Manifest(owner), JsonSerializer.Serialize(manifest, RedisJson.Options));

    private static async Task<SnapshotManifest?> ReadManifestAsync(IDatabase db, string owner)
    {
        var value = await db.StringGetAsync(RedisKeys.Manifest(owner));
        return value.IsNull ? null : JsonSerializer.Deserialize<SnapshotManifest>((string)value!, RedisJson.Options);
    }

    /// <summary>Deletes every key matching <paramref name="pattern"/> (a scan: only for dropping a whole owner, which is rare).</summary>
    private async Task<int> DeleteMatchingAsync(string pattern)
    {
        var stale = new List<RedisKey>();
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (server.IsReplica || !server.IsConnected)
            {
                continue;
            }

            await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000))
            {
                stale.Add(key);
            }
        }

        var db = redis.GetDatabase();
        foreach (var batch in stale.Chunk(256))
        {
            await db.KeyDeleteAsync(batch);
        }

        return stale.Count;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Snapshot {Version} of {Owner} published: {Bytes} bytes in {Chunks} chunks, {Seconds:F2} s; {Swept} stale chunks deleted")]
    private static partial void LogWritten(ILogger logger, string owner, long version, long bytes, int chunks, double seconds, int swept);
}
