using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VisionSearch.Datasets.Vectors;
using VisionSearch.Hnsw;

namespace VisionSearch.Bench;

/// <summary>Steps 1 to 5 of the contract in VisionSearch.Bench/peers/README.md.</summary>
internal static class BenchRunner
{
    public const string Float32 = "float32";
    public const string Sq8Rerank = "sq8-rerank";
    public const string RaBitQRerank = "rabitq-rerank";

    private const int MinPasses = 3;
    private static readonly TimeSpan MinPassTime = TimeSpan.FromSeconds(1);

    public static void Run(BenchSettings settings, TextWriter output, TextWriter log)
    {
        var (baseVectors, dimension, count) = ReadAll(settings.BasePath);
        var (queries, queryDimension, queryCount) = ReadAll(settings.QueryPath);
        var truth = ReadTruth(settings.TruthPath, settings.K);
        if (queryDimension != dimension || truth.Length != queryCount)
        {
            throw new InvalidDataException($"base is {dimension}-d, queries {queryDimension}-d; {queryCount} queries but {truth.Length} truth rows.");
        }

        var rssLoad = ProcessMemory.Megabytes("VmRSS");
        var quantization = settings.Variant switch
        {
            Sq8Rerank => Quantization.Sq8,
            RaBitQRerank => Quantization.RaBitQ,
            _ => Quantization.None,
        };
        var originals = quantization != Quantization.None ? Path.Combine(Path.GetTempPath(), $"vs-bench-{Environment.ProcessId}.originals") : null;
        using var index = new HnswIndex(new HnswOptions
        {
            Dimension = dimension,
            Metric = Metric.InnerProduct, // the data is L2-normalised, as for hnswlib's InnerProductSpace
            M = settings.M,
            EfConstruction = settings.EfConstruction,
            Quantization = quantization,
            OriginalsPath = originals,
        });

        var buildSeconds = Build(index, baseVectors, count, dimension, settings.Threads, log);
        log.WriteLine($"{settings.Variant}: built {count} in {buildSeconds:F1} s with {settings.Threads} thread(s)");

        var rows = new List<Dictionary<string, object?>>();
        var results = new Neighbor[settings.K];
        foreach (var ef in settings.Efs)
        {
            var hits = 0L;
            for (var q = 0; q < queryCount; q++)
            {
                var found = index.Search(queries.AsSpan(q * dimension, dimension), results, ef);
                for (var i = 0; i < found; i++)
                {
                    hits += truth[q].Contains(results[i].Label) ? 1 : 0;
                }
            }

            var passes = new List<double>();
            var total = TimeSpan.Zero;
            while (passes.Count < MinPasses || total < MinPassTime)
            {
                var start = Stopwatch.GetTimestamp();
                var searched = SearchAll(index, queries, dimension, settings.K, ef, settings.SearchThreads);
                var elapsed = Stopwatch.GetElapsedTime(start);
                passes.Add(searched / elapsed.TotalSeconds);
                total += elapsed;
            }

            passes.Sort();
            var recall = (double)hits / ((long)queryCount * settings.K);
            log.WriteLine($"{settings.Variant}: ef {ef} recall@{settings.K} {recall:F4} qps {passes[passes.Count / 2]:F0}");
            rows.Add(new()
            {
                ["lib"] = "VisionSearch.Hnsw",
                ["version"] = typeof(HnswIndex).Assembly.GetName().Version!.ToString(3),
                ["variant"] = settings.Variant,
                ["n"] = count,
                ["dim"] = dimension,
                ["M"] = settings.M,
                ["efC"] = settings.EfConstruction,
                ["build_s"] = Math.Round(buildSeconds, 3),
                ["build_threads"] = settings.Threads,
                ["search_threads"] = settings.SearchThreads,
                ["ef"] = ef,
                ["recall10"] = Math.Round(recall, 4),
                ["qps"] = Math.Round(passes[passes.Count / 2], 3),
                ["qps_passes"] = passes.Count,
                ["k"] = settings.K,
                ["run"] = settings.Run,
            });
        }

        var rss = ProcessMemory.Megabytes("VmHWM");
        foreach (var row in rows)
        {
            row["rss_mb"] = rss;
            row["rss_load_mb"] = rssLoad;
            output.WriteLine(JsonSerializer.Serialize(row));
        }
    }

    /// <summary>Every query once, on <paramref name="threads"/> threads that each take a contiguous share; returns how many were searched.</summary>
    internal static int SearchAll(HnswIndex index, float[] queries, int dimension, int k, int ef, int threads)
    {
        var count = queries.Length / dimension;
        var searched = 0;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            var results = new Neighbor[k];
            var (first, end) = ((int)((long)count * thread / threads), (int)((long)count * (thread + 1) / threads));
            for (var q = first; q < end; q++)
            {
                index.Search(queries.AsSpan(q * dimension, dimension), results, ef);
            }

            Interlocked.Add(ref searched, end - first);
        });
        return searched;
    }

    /// <summary>Inserts every row (id = row number) and returns the wall seconds; progress goes to the log every 10 %.</summary>
    private static double Build(HnswIndex index, float[] vectors, int count, int dimension, int threads, TextWriter log)
    {
        var labels = Enumerable.Range(0, count).ToArray();
        var step = Math.Max(count / 10, 1);
        var start = Stopwatch.GetTimestamp();
        for (var first = 0; first < count; first += step)
        {
            var rows = Math.Min(step, count - first);
            index.AddRange(new ArraySegment<int>(labels, first, rows), vectors.AsMemory(first * dimension, rows * dimension), threads);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {first + rows}/{count} inserted, {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s"));
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    internal static (float[] Values, int Dimension, int Count) ReadAll(string path)
    {
        var file = VectorFile.Open(path);
        var values = GC.AllocateUninitializedArray<float>(checked((int)(file.Count * file.Dimension)));
        foreach (var row in file.ReadRows())
        {
            row.Vector.CopyTo(values.AsSpan((int)row.Row * file.Dimension));
        }

        return (values, file.Dimension, (int)file.Count);
    }

    /// <summary>The first <paramref name="k"/> ids of each .ivecs row (int32 width, then the ids).</summary>
    internal static HashSet<int>[] ReadTruth(string path, int k)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var rows = new List<HashSet<int>>();
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            var width = reader.ReadInt32();
            if (width < k)
            {
                throw new InvalidDataException($"'{path}' rows hold {width} ids; --k is {k}.");
            }

            var ids = Enumerable.Range(0, width).Select(_ => reader.ReadInt32()).ToArray();
            rows.Add([.. ids.Take(k)]);
        }

        return [.. rows];
    }
}
