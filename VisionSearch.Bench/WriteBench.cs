using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionSearch.Hnsw;

namespace VisionSearch.Bench;

/// <summary>
/// Writes through a running API beside the bare library in the same run (issue 22's measure): the library's insert
/// rate on every core; upserts of the same precomputed vectors over HTTP in batches, several in flight, each answered
/// once searchable; recall@k at one ef against exact neighbours; then a share of the items deleted and written again,
/// and the recall once more.
/// </summary>
internal static class WriteBench
{
    public sealed record Settings(
        Uri Api, string? ApiKey, string BasePath, string QueryPath, string TruthPath, int Batch, int InFlight, int Ef, int K, double Reinsert, int Shards, bool Base64);

    public static async Task RunAsync(Settings settings, TextWriter output, TextWriter log)
    {
        var (values, dimension, count) = BenchRunner.ReadAll(settings.BasePath);
        var (queryValues, _, queryCount) = BenchRunner.ReadAll(settings.QueryPath);
        var truth = BenchRunner.ReadTruth(settings.TruthPath, settings.K);
        var vectors = Enumerable.Range(0, count).Select(i => values.AsMemory(i * dimension, dimension)).ToArray();
        var queries = Enumerable.Range(0, queryCount).Select(i => queryValues.AsSpan(i * dimension, dimension).ToArray()).ToArray();
        var row = new Dictionary<string, object>
        {
            ["items"] = count, ["dimension"] = dimension, ["batch"] = settings.Batch, ["in_flight"] = settings.InFlight, ["cores"] = Environment.ProcessorCount,
            ["vectors_as"] = settings.Base64 ? "base64" : "json",
        };

        using (var index = new HnswIndex(new HnswOptions { Dimension = dimension, Metric = Metric.InnerProduct }))
        {
            var started = Stopwatch.GetTimestamp();
            index.AddRange(Enumerable.Range(0, count).ToArray(), values, Environment.ProcessorCount);
            row["library_items_per_s"] = Math.Round(count / Stopwatch.GetElapsedTime(started).TotalSeconds);
            log.WriteLine($"library: {row["library_items_per_s"]} items/s on {Environment.ProcessorCount} threads");
        }

        GC.Collect();
        await using var target = await BenchDataset.CreateAsync(settings.Api, settings.ApiKey, "bench-writes", dimension, settings.Shards);
        var (http, dataset) = (target.Http, target.Name);
        var all = Enumerable.Range(0, count).ToArray();
        var seconds = await WriteAsync(http, dataset, all, vectors, settings.Batch, settings.InFlight, log, base64: settings.Base64);
        row["http_items_per_s"] = Math.Round(count / seconds);
        row["http_share_of_library"] = Math.Round((double)row["http_items_per_s"] / (double)row["library_items_per_s"], 2);
        row["count_after_writes"] = await CountAsync(http, dataset);
        row["recall"] = await RecallAsync(http, dataset, queries, truth, settings);
        log.WriteLine($"HTTP: {row["http_items_per_s"]} items/s ({row["http_share_of_library"]}x the library), recall@{settings.K} {row["recall"]}");

        var again = all.OrderBy(_ => Random.Shared.Next()).Take((int)(count * settings.Reinsert)).ToArray();
        var deleted = 0;
        foreach (var chunk in again.Chunk(1000))
        {
            var response = await http.PostAsJsonAsync($"/datasets/{dataset}/items/delete", new { ids = chunk.Select(i => i.ToString(CultureInfo.InvariantCulture)) });
            deleted += JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync())!["deleted"]!.GetValue<int>();
        }

        row["deleted"] = deleted;
        row["count_after_deletes"] = await CountAsync(http, dataset);
        await WriteAsync(http, dataset, again, vectors, settings.Batch, settings.InFlight, log, base64: settings.Base64);
        row["count_after_reinsert"] = await CountAsync(http, dataset);
        row["recall_after_reinsert"] = await RecallAsync(http, dataset, queries, truth, settings);
        log.WriteLine($"deleted and wrote again {deleted}: recall@{settings.K} {row["recall_after_reinsert"]}");

        output.WriteLine(JsonSerializer.Serialize(row));
    }

    /// <summary>
    /// Writes these rows (id = row number, with <paramref name="metadata"/> of the row when given; vectors as JSON numbers,
    /// or as base64 float32) in batches, <paramref name="inFlight"/> at once; returns the wall seconds. The bodies are
    /// encoded before the clock starts, as a load generator's are: this client shares the cores with the service, and
    /// formatting 51 million floats is its cost, not the service's.
    /// </summary>
    internal static async Task<double> WriteAsync(
        HttpClient http, string dataset, int[] rows, Memory<float>[] vectors, int batch, int inFlight, TextWriter log, Func<int, object>? metadata = null, bool base64 = false)
    {
        var batches = rows.Chunk(batch).ToArray();
        var bodies = batches.Select(rowsOfBatch => JsonSerializer.SerializeToUtf8Bytes(new
        {
            items = rowsOfBatch.Select(i => new
            {
                id = i.ToString(CultureInfo.InvariantCulture),
                vector = base64 ? (object)Convert.ToBase64String(MemoryMarshal.AsBytes(vectors[i].Span)) : vectors[i],
                metadata = metadata?.Invoke(i),
            }),
        })).ToArray();
        var next = -1;
        var done = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var b && b < batches.Length)
            {
                using var content = new ByteArrayContent(bodies[b]);
                content.Headers.ContentType = new("application/json");
                var response = await http.PostAsync($"/datasets/{dataset}/items?wait=true", content);
                var body = JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync())!;
                if (body["invalid"]!.GetValue<int>() != 0)
                {
                    throw new InvalidOperationException($"The API refused items: {body}");
                }

                if (Interlocked.Increment(ref done) % Math.Max(batches.Length / 10, 1) == 0)
                {
                    log.WriteLine($"  {Math.Min(done * batch, rows.Length)}/{rows.Length} written, {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
                }
            }
        }));
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<long> CountAsync(HttpClient http, string dataset) =>
        JsonNode.Parse(await http.GetStringAsync($"/datasets/{dataset}"))!["count"]!.GetValue<long>();

    /// <summary>Mean recall@k of one search per query at the settings' ef, against the exact neighbours.</summary>
    private static async Task<double> RecallAsync(HttpClient http, string dataset, float[][] queries, HashSet<int>[] truth, Settings settings)
    {
        var found = new int[queries.Length];
        await Parallel.ForAsync(0, queries.Length, new ParallelOptions { MaxDegreeOfParallelism = settings.InFlight }, async (q, cancellationToken) =>
        {
            var response = await http.PostAsJsonAsync("/search", new { dataset, vector = queries[q], k = settings.K, ef = settings.Ef }, cancellationToken);
            var results = JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(cancellationToken))!["results"]!.AsArray();
            found[q] = results.Count(r => truth[q].Contains(int.Parse((string)r!["id"]!, CultureInfo.InvariantCulture)));
        });
        return Math.Round(found.Sum() / (double)(queries.Length * settings.K), 4);
    }
}
