using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using VisionSearch.LocalServers;
using VisionSearch.Contracts;
using VisionSearch.Hnsw;
using VisionSearch.ServiceDefaults;
using VisionSearch.Silo;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Bench;

/// <summary>
/// The grains beside the bare library on the same data, in one process: build time (the library's
/// multi-threaded AddRange vs a build through the index grain, shards, Redis log and final snapshot),
/// snapshot write and restore MB/s through <see cref="SnapshotStore"/>, restore as a fraction of the build,
/// and search throughput at 1 and 8 concurrent callers directly and through the grain.
/// </summary>
internal static class ClusterBench
{
    public static async Task RunAsync(string basePath, string queryPath, int ef, int k, bool grains, TextWriter output, TextWriter log)
    {
        var (values, dimension, count) = BenchRunner.ReadAll(basePath);
        var (queryValues, _, queryCount) = BenchRunner.ReadAll(queryPath);
        var queries = Enumerable.Range(0, queryCount).Select(i => queryValues.AsSpan(i * dimension, dimension).ToArray()).ToArray();
        var row = new Dictionary<string, object> { ["items"] = count, ["dimension"] = dimension, ["ef"] = ef, ["cores"] = Environment.ProcessorCount };

        await using var redis = await LocalRedis.StartAsync(configured: null);
        log.WriteLine($"Redis: {redis.Description} at {redis.ConnectionString}");
        using (var index = new HnswIndex(new HnswOptions { Dimension = dimension, Metric = Metric.InnerProduct }))
        {
            var started = Stopwatch.GetTimestamp();
            index.AddRange(Enumerable.Range(0, count).ToArray(), values, Environment.ProcessorCount);
            row["library_build_s"] = Seconds(started);
            log.WriteLine($"library: built {count:N0} in {row["library_build_s"]} s on {Environment.ProcessorCount} threads");
            row["library_qps_1"] = await QpsAsync(queries, 1, q => Sync(index.Search(q, k, ef)));
            row["library_qps_8"] = await QpsAsync(queries, 8, q => Sync(index.Search(q, k, ef)));

            await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
            var store = new SnapshotStore(
                mux, Options.Create(new SnapshotOptions()), new RedisOutageRetry(Options.Create(new RedisOutageOptions()), NullLogger<RedisOutageRetry>.Instance, TimeProvider.System), NullLogger<SnapshotStore>.Instance);
            started = Stopwatch.GetTimestamp();
            var manifest = await store.WriteAsync("bench", "{}", index.WriteTo);
            var write = Seconds(started);
            started = Stopwatch.GetTimestamp();
            using var restored = await store.ReadAsync("bench", manifest, stream => HnswIndex.ReadFrom(stream));
            var read = Seconds(started);
            row["snapshot_mb"] = Math.Round(manifest.Length / 1e6, 1);
            row["snapshot_write_mb_s"] = Math.Round(manifest.Length / 1e6 / write);
            row["snapshot_restore_mb_s"] = Math.Round(manifest.Length / 1e6 / read);
            row["restore_s"] = read;
            row["restore_share_of_build"] = Math.Round(read / (double)row["library_build_s"], 4);
            log.WriteLine($"snapshot: {row["snapshot_mb"]} MB written at {row["snapshot_write_mb_s"]} MB/s, restored at {row["snapshot_restore_mb_s"]} MB/s ({read} s)");
            await store.DropAsync("bench");
        }

        if (grains)
        {
            await GrainsAsync(redis, basePath, queries, count, ef, k, row, log);
        }

        output.WriteLine(JsonSerializer.Serialize(row));
    }

    private static async Task GrainsAsync(
        LocalRedis redis, string basePath, float[][] queries, int count, int ef, int k, Dictionary<string, object> row, TextWriter log)
    {
        GC.Collect();
        await using var cluster = await InProcessCluster.StartAsync(redis, Path.GetDirectoryName(Path.GetFullPath(basePath))!);
        var (status, seconds) = await cluster.BuildAsync("bench", new BuildSpec(SourceKinds.Vectors, basePath, count, Metric.InnerProduct));
        var grain = cluster.Grains.GetGrain<IDatasetIndexGrain>("bench");
        row["grain_build_s"] = seconds;
        row["grain_build_ratio"] = Math.Round((double)row["library_build_s"] / (double)row["grain_build_s"], 3);
        log.WriteLine($"grains: {status.Status} with {status.Count:N0} in {row["grain_build_s"]} s ({row["grain_build_ratio"]}x the library's rate)");

        row["grain_qps_1"] = await QpsAsync(queries, 1, q => grain.SearchAsync(new SearchQuery(k, ef, Vector: q)));
        row["grain_qps_8"] = await QpsAsync(queries, 8, q => grain.SearchAsync(new SearchQuery(k, ef, Vector: q)));
    }

    /// <summary>
    /// Searches per second with <paramref name="callers"/> concurrent callers, each a loop over the queries, for
    /// about two seconds. Callers await (as the API's requests do), so grain calls hold no thread while in flight.
    /// </summary>
    private static async Task<double> QpsAsync<T>(float[][] queries, int callers, Func<float[], Task<T>> search)
    {
        for (var i = 0; i < Math.Min(200, queries.Length); i++)
        {
            await search(queries[i]);
        }

        var done = 0L;
        var deadline = Stopwatch.GetTimestamp() + (2 * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            for (var i = c; Stopwatch.GetTimestamp() < deadline; i += callers)
            {
                await search(queries[i % queries.Length]);
                Interlocked.Increment(ref done);
            }
        })));
        return Math.Round(done / Seconds(started));
    }

    private static Task<T> Sync<T>(T result) => Task.FromResult(result);

    private static double Seconds(long started) => Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3);
}
