using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VisionSearch.Embeddings;
using VisionSearch.Embeddings.Clip;

namespace VisionSearch.Bench;

/// <summary>
/// Texts/s and images/s through <see cref="ClipEmbedder"/> at several batch sizes, the share of wall time
/// in which no <c>session.Run</c> is in progress (tokenising, decoding, resizing, copying, waiting: the union
/// of the runs' <c>onnx.run</c> spans, so two runs at once count once) and the managed bytes allocated per
/// item. One call embeds all items, so batches are prepared while others run.
/// </summary>
internal static class EmbeddingBench
{
    private static readonly string[] Subjects = ["cat", "dog", "red car", "mountain lake", "city street at night", "bowl of ramen", "violin", "lighthouse"];
    private static readonly string[] Styles = ["a photo of", "a blurry picture of", "an oil painting of", "a close-up of", "a drawing of"];

    public static void Run(string model, string? imagesFolder, IReadOnlyList<int> batches, int items, TextWriter output, TextWriter log)
    {
        var texts = Enumerable.Range(0, items).Select(i => $"{Styles[i % Styles.Length]} a {Subjects[i / Styles.Length % Subjects.Length]}, number {i}").ToList();
        var images = Directory.EnumerateFiles(imagesFolder ?? Path.Combine(model, "images"))
            .Select(f => (ReadOnlyMemory<byte>)File.ReadAllBytes(f)).ToList();
        var imageItems = Enumerable.Range(0, items).Select(i => images[i % images.Count]).ToList();

        using var runTime = new RunTimeListener();
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider(); // the prepare time is read from the embedder's meter
        var instruments = new EmbeddingInstruments(meters.GetRequiredService<IMeterFactory>());
        foreach (var batch in batches)
        {
            using var embedder = ClipEmbedder.Open(new ClipModelFolder(model), new ClipOptions { MaxBatchSize = batch }, instruments);
            Measure("text", batch, items, () => embedder.EmbedTextsAsync(texts).GetAwaiter().GetResult(), runTime, output, log);
            Measure("image", batch, items, () => embedder.EmbedImagesAsync(imageItems).GetAwaiter().GetResult(), runTime, output, log);
        }
    }

    /// <summary>
    /// Five passes after a warm-up; each figure is its own median over the passes, because on a small machine one pass
    /// in five can meet a collection or another process and move the share by several points.
    /// </summary>
    private static void Measure(string kind, int batch, int items, Action embed, RunTimeListener runTime, TextWriter output, TextWriter log)
    {
        embed(); // warm-up: JIT, ORT's first-run allocations
        var passes = new List<Pass>();
        for (var pass = 0; pass < 5; pass++)
        {
            runTime.Reset();
            var bytes = GC.GetTotalAllocatedBytes(precise: true);
            var start = Stopwatch.GetTimestamp();
            embed();
            var wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
            passes.Add(new Pass(wall, runTime.Seconds, runTime.RunningSeconds, runTime.PrepareSeconds, GC.GetTotalAllocatedBytes(precise: true) - bytes));
        }

        double Median(Func<Pass, double> of) => passes.Select(of).Order().ElementAt(passes.Count / 2);
        var row = new Dictionary<string, object>
        {
            ["kind"] = kind,
            ["batch"] = batch,
            ["items"] = items,
            ["items_per_s"] = Math.Round(Median(p => items / p.Wall), 1),
            ["outside_run_share"] = Math.Round(Median(p => Math.Max(0, 1 - (p.Running / p.Wall))), 4),
            ["run_us_per_item"] = Math.Round(Median(p => p.Run) / items * 1e6, 1),
            ["prepare_us_per_item"] = Math.Round(Median(p => p.Prepare) / items * 1e6, 1),
            ["allocated_bytes_per_item"] = (long)Median(p => p.Bytes) / items,
        };
        output.WriteLine(JsonSerializer.Serialize(row));
        log.WriteLine($"{kind,-5} batch {batch,3}: {row["items_per_s"],8} items/s, {(double)row["outside_run_share"]:P1} outside session.Run, run {row["run_us_per_item"]} µs and prepare {row["prepare_us_per_item"]} µs per item, {row["allocated_bytes_per_item"]:N0} B allocated per item");
    }

    /// <summary>One pass: wall seconds, seconds inside runs (summed, and their union), seconds preparing, bytes allocated.</summary>
    private readonly record struct Pass(double Wall, double Run, double Running, double Prepare, long Bytes);

    /// <summary>
    /// Keeps the <c>onnx.run</c> spans' intervals (their sum is the time inside session.Run, their union the wall
    /// time in which some run was in progress) and sums <c>visionsearch.embedding.prepare.duration</c>.
    /// </summary>
    private sealed class RunTimeListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ActivityListener _spans;
        private readonly Lock _lock = new();
        private readonly List<(long Start, long End)> _runs = [];
        private double _prepareSeconds;

        public RunTimeListener()
        {
            _spans = new ActivityListener
            {
                ShouldListenTo = source => source.Name == EmbeddingInstruments.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = activity =>
                {
                    if (activity.OperationName == "onnx.run")
                    {
                        var start = activity.StartTimeUtc.Ticks;
                        lock (_lock)
                        {
                            _runs.Add((start, start + activity.Duration.Ticks));
                        }
                    }
                },
            };
            ActivitySource.AddActivityListener(_spans);
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EmbeddingInstruments.Name && instrument.Name == "visionsearch.embedding.prepare.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
            {
                lock (_lock)
                {
                    _prepareSeconds += value;
                }
            });
            _listener.Start();
        }

        public double Seconds
        {
            get
            {
                lock (_lock)
                {
                    return TimeSpan.FromTicks(_runs.Sum(r => r.End - r.Start)).TotalSeconds;
                }
            }
        }

        /// <summary>The union of the runs' intervals: wall time with at least one run in progress.</summary>
        public double RunningSeconds
        {
            get
            {
                lock (_lock)
                {
                    long covered = 0, end = long.MinValue;
                    foreach (var (start, stop) in _runs.OrderBy(r => r.Start))
                    {
                        covered += Math.Max(0, stop - Math.Max(start, end));
                        end = Math.Max(end, stop);
                    }

                    return TimeSpan.FromTicks(covered).TotalSeconds;
                }
            }
        }

        /// <summary>Time preparing batches (tokenising or decoding and resizing), which overlaps the runs.</summary>
        public double PrepareSeconds
        {
            get
            {
                lock (_lock)
                {
                    return _prepareSeconds;
                }
            }
        }

        public void Reset()
        {
            lock (_lock)
            {
                _prepareSeconds = 0;
                _runs.Clear();
            }
        }

        public void Dispose()
        {
            _listener.Dispose();
            _spans.Dispose();
        }
    }
}
