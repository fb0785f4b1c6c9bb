using System.Diagnostics;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using VisionSearch.Datasets;
using VisionSearch.Datasets.Folders;
using VisionSearch.Datasets.Parquet;

namespace VisionSearch.Bench;

/// <summary>
/// Items/s reading a local image Parquet file (Hugging Face layout, row groups of 100) or a folder of
/// image files, and the process's peak RSS, to show that memory stays bounded whatever the count. The
/// data is generated on first use: random (incompressible) payloads of the given size, since reading
/// never decodes images.
/// </summary>
internal static class DatasetBench
{
    public static async Task RunAsync(string directory, string source, int items, int bytes, TextWriter output, TextWriter log)
    {
        Directory.CreateDirectory(directory);
        var parquet = Path.Combine(directory, $"images-{items}x{bytes}.parquet");
        var folder = Path.Combine(directory, $"images-{items}x{bytes}");
        IDatasetSource dataset = source == "parquet" ? new ParquetSource(parquet) : new FolderSource(folder);
        if (source == "parquet" && !File.Exists(parquet))
        {
            await WriteParquetAsync(parquet, items, bytes, log);
        }
        else if (source == "folder" && !Directory.Exists(folder))
        {
            WriteFolder(folder, items, bytes, log);
        }

        var rssBefore = ProcessMemory.Megabytes("VmRSS");
        var count = 0L;
        var payload = 0L;
        var start = Stopwatch.GetTimestamp();
        await foreach (var entry in dataset.ReadAsync())
        {
            count++;
            payload += entry.Item?.Bytes.Length ?? 0;
            if (count % 10_000 == 0)
            {
                log.WriteLine($"  {count:N0}/{items:N0} read, {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
            }
        }

        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var row = new Dictionary<string, object>
        {
            ["source"] = source,
            ["items"] = count,
            ["bytes_per_item"] = bytes,
            ["items_per_s"] = Math.Round(count / seconds),
            ["mb_per_s"] = Math.Round(payload / seconds / (1 << 20), 1),
            ["rss_before_mb"] = rssBefore,
            ["peak_rss_mb"] = ProcessMemory.Megabytes("VmHWM"),
        };
        output.WriteLine(JsonSerializer.Serialize(row));
        log.WriteLine($"{source}: {row["items_per_s"]} items/s ({row["mb_per_s"]} MB/s), peak RSS {row["peak_rss_mb"]} MB (before reading {rssBefore} MB)");
    }

    private static async Task WriteParquetAsync(string path, int items, int bytes, TextWriter log)
    {
        log.WriteLine($"writing {path}");
        var data = new DataField<byte[]?>("bytes");
        var name = new DataField<string?>("path");
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(new StructField("image", data, name)), stream);
        writer.CustomMetadata = new Dictionary<string, string> { ["huggingface"] = """{"info": {"features": {"image": {"_type": "Image"}}}}""" };
        var random = new Random(1);
        for (var first = 0; first < items; first += 100)
        {
            var rows = Math.Min(100, items - first);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(data, Enumerable.Range(0, rows).Select(_ => Payload(random, bytes)).ToArray());
            await group.WriteAsync(name, Enumerable.Range(first, rows).Select(i => (string?)$"{i}.jpg").ToArray());
        }
    }

    private static void WriteFolder(string folder, int items, int bytes, TextWriter log)
    {
        log.WriteLine($"writing {items:N0} files into {folder}");
        var random = new Random(1);
        for (var i = 0; i < items; i++)
        {
            var sub = Path.Combine(folder, $"{i / 1000:D3}");
            Directory.CreateDirectory(sub);
            File.WriteAllBytes(Path.Combine(sub, $"{i:D6}.jpg"), Payload(random, bytes)!);
        }
    }

    private static byte[]? Payload(Random random, int bytes)
    {
        var payload = new byte[bytes];
        random.NextBytes(payload);
        return payload;
    }
}
