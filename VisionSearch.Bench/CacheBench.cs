using System.Text.Json;
using SkiaSharp;
using VisionSearch.Contracts;
using VisionSearch.Embeddings;
using VisionSearch.LocalServers;

namespace VisionSearch.Bench;

/// <summary>
/// What the embedding cache and syncs save: a folder of generated images built with a local model, then built again as
/// another dataset with another <c>m</c> (every vector from the cache), then 1 % of its files replaced by new images and
/// the first dataset synced with it, in one process on a fresh local Redis.
/// </summary>
internal static class CacheBench
{
    public static async Task RunAsync(string model, string folder, int images, TextWriter output, TextWriter log)
    {
        WriteImages(folder, images, log);
        await using var redis = await LocalRedis.StartAsync(configured: null);
        await using var cluster = await InProcessCluster.StartAsync(redis, Path.GetDirectoryName(Path.GetFullPath(folder))!, Path.GetFullPath(model));
        var spec = new BuildSpec(SourceKinds.Folder, Path.GetFullPath(folder), null, IndexDefaults.Metric, Model: Path.GetFullPath(model), Embedder: EmbedderKinds.Local);

        // The model loads (and is fingerprinted) on first use, and the code of builds and syncs compiles on its first run: a
        // one-image build and a sync that replaces its image take both out of the measured times, as a running silo has them.
        var warm = Path.Combine(folder, "..", $"{Path.GetFileName(Path.GetFullPath(folder))}-warm");
        WriteImages(warm, 1, log);
        await cluster.BuildAsync("warm", spec with { Location = Path.GetFullPath(warm) });
        ChangeImages(warm, 1);
        await cluster.SyncAsync("warm");

        var (first, firstSeconds) = await cluster.BuildAsync("first", spec);
        log.WriteLine($"first build: {first.Count:N0} items in {firstSeconds} s ({first.ItemsCached} from the cache)");
        var (again, againSeconds) = await cluster.BuildAsync("again", spec with { M = 8 });
        log.WriteLine($"rebuild with m=8: {again.Count:N0} items in {againSeconds} s ({again.ItemsCached} from the cache)");
        var changed = ChangeImages(folder, images / 100);
        var (synced, syncSeconds) = await cluster.SyncAsync("first");
        log.WriteLine($"sync after {changed} changed files: {synced.Sync} in {syncSeconds} s");
        var cache = await cluster.Grains.GetGrain<IEmbeddingCacheGrain>(0).StatusAsync();
        output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["items"] = first.Count,
            ["first_build_s"] = firstSeconds,
            ["rebuild_s"] = againSeconds,
            ["rebuild_share"] = Math.Round(againSeconds / firstSeconds, 3),
            ["rebuild_items_cached"] = again.ItemsCached,
            ["sync_changed_files"] = changed,
            ["sync_s"] = syncSeconds,
            ["sync_share"] = Math.Round(syncSeconds / firstSeconds, 3),
            ["sync_replaced"] = synced.Sync?.Replaced ?? 0,
            ["sync_unchanged"] = synced.Sync?.Unchanged ?? 0,
            ["cache_entries"] = cache.Entries,
            ["cache_mb"] = Math.Round(cache.Bytes / 1e6, 1),
            ["cores"] = Environment.ProcessorCount,
        }));
    }

    /// <summary>Distinct 96x96 JPEGs of random rectangles (the same ones every time), written where the folder does not hold them already.</summary>
    private static void WriteImages(string folder, int count, TextWriter log)
    {
        Directory.CreateDirectory(folder);
        if (Directory.GetFiles(folder).Length != count)
        {
            log.WriteLine($"writing {count:N0} images into {folder}");
        }

        var random = new Random(count);
        for (var i = 0; i < count; i++)
        {
            var image = Image(random);
            var path = Path.Combine(folder, $"{i:D6}.jpg");
            if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(image))
            {
                File.WriteAllBytes(path, image);
            }
        }
    }

    /// <summary>Replaces every <paramref name="count"/>-th file's image by a new one; returns how many changed.</summary>
    private static int ChangeImages(string folder, int count)
    {
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToArray();
        var random = new Random(Environment.TickCount);
        var step = files.Length / count;
        for (var i = 0; i < count; i++)
        {
            File.WriteAllBytes(files[i * step], Image(random));
        }

        return count;
    }

    private static byte[] Image(Random random)
    {
        using var bitmap = new SKBitmap(96, 96);
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint();
        canvas.Clear(new SKColor((uint)random.Next() | 0xFF000000));
        for (var r = 0; r < 6; r++)
        {
            paint.Color = new SKColor((uint)random.Next() | 0xFF000000);
            canvas.DrawRect(random.Next(96), random.Next(96), random.Next(8, 48), random.Next(8, 48), paint);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }
}
