using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VisionSearch.Bench;

/// <summary>
/// Filtered searches through a running API beside unfiltered ones (issue 22's measure): the vectors written with a
/// <c>bucket</c> (0 to 999, spread over the rows by a fixed permutation), then rounds of searches at several callers,
/// unfiltered and with filters that 50 %, 5 % and 0.1 % of the items pass, interleaved so that each round measures
/// every variant on the same machine state; req/s per variant (medians of the rounds, and their ratio to unfiltered)
/// and recall@k against the exact top-k of the matching items.
/// </summary>
internal static class FilterBench
{
    public sealed record Settings(Uri Api, string? ApiKey, string BasePath, string QueryPath, int Callers, int Seconds, int Rounds, int Ef, int K, int Shards);

    private static readonly (string Name, JsonNode? Filter, Func<int, bool> Passes)[] Variants =
    [
        ("unfiltered", null, _ => true),
        ("50%", JsonNode.Parse("""{"must": [{"key": "bucket", "range": {"lt": 500}}]}"""), b => b < 500),
        ("5%", JsonNode.Parse("""{"must": [{"key": "bucket", "range": {"gte": 100, "lt": 150}}]}"""), b => b is >= 100 and < 150),
        ("0.1%", JsonNode.Parse("""{"must": [{"key": "bucket", "match": {"value": 7}}]}"""), b => b == 7),
    ];

    public static async Task RunAsync(Settings settings, TextWriter output, TextWriter log)
    {
        var (values, dimension, count) = BenchRunner.ReadAll(settings.BasePath);
        var (queryValues, _, queryCount) = BenchRunner.ReadAll(settings.QueryPath);
        var vectors = Enumerable.Range(0, count).Select(i => values.AsMemory(i * dimension, dimension)).ToArray();
        var queries = Enumerable.Range(0, queryCount).Select(i => queryValues.AsSpan(i * dimension, dimension).ToArray()).ToArray();
        await using var target = await BenchDataset.CreateAsync(settings.Api, settings.ApiKey, "bench-filters", dimension, settings.Shards);
        var (http, dataset) = (target.Http, target.Name);
        log.WriteLine($"writing {count} items with a bucket each");
        await WriteBench.WriteAsync(http, dataset, [.. Enumerable.Range(0, count)], vectors, 256, 4, log, i => new { bucket = Bucket(i) });
        foreach (var (_, filter, _) in Variants)
        {
            await LoadAsync(http, dataset, queries, filter, settings with { Seconds = 3 }); // warm-up, not counted
        }

        var rates = Variants.ToDictionary(v => v.Name, _ => new List<double>());
        for (var round = 0; round < settings.Rounds; round++)
        {
            foreach (var (name, filter, _) in Variants)
            {
                var rate = await LoadAsync(http, dataset, queries, filter, settings);
                rates[name].Add(rate);
                log.WriteLine($"round {round + 1}: {name} {rate:F0} req/s at {settings.Callers} callers");
            }
        }

        var unfiltered = Median(rates["unfiltered"]);
        foreach (var (name, filter, passes) in Variants)
        {
            var recall = await RecallAsync(http, dataset, values, dimension, count, queries, filter, passes, settings);
            var row = new Dictionary<string, object>
            {
                ["variant"] = name,
                ["matching"] = Enumerable.Range(0, count).Count(i => passes(Bucket(i))),
                ["items"] = count,
                ["shards"] = settings.Shards,
                ["callers"] = settings.Callers,
                ["ef"] = settings.Ef,
                ["req_per_s"] = Math.Round(Median(rates[name])),
                ["req_per_s_rounds"] = rates[name].Select(r => Math.Round(r)).ToArray(),
                ["share_of_unfiltered"] = Math.Round(Median(rates[name]) / unfiltered, 2),
                ["recall"] = recall,
            };
            output.WriteLine(JsonSerializer.Serialize(row));
        }
    }

    /// <summary>Row i's bucket: a fixed permutation of 0..999 repeated, so that no bucket follows the file's order.</summary>
    private static int Bucket(int row) => (int)(((long)row * 7919) % 1000);

    /// <summary>Searches from <see cref="Settings.Callers"/> callers for <see cref="Settings.Seconds"/>; returns answers per second.</summary>
    private static async Task<double> LoadAsync(HttpClient http, string dataset, float[][] queries, JsonNode? filter, Settings settings)
    {
        var bodies = queries.Select(q => JsonSerializer.Serialize(new { dataset, vector = q, k = settings.K, ef = settings.Ef, filter })).ToArray();
        var answered = 0;
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(settings.Seconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, settings.Callers).Select(async caller =>
        {
            for (var q = caller; Stopwatch.GetTimestamp() < until; q += settings.Callers)
            {
                using var content = new StringContent(bodies[q % bodies.Length], System.Text.Encoding.UTF8, "application/json");
                using var response = await http.PostAsync("/search", content);
                response.EnsureSuccessStatusCode();
                Interlocked.Increment(ref answered);
            }
        }));
        return answered / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Mean recall@k over the queries, against the exact top-k by inner product of the items that pass.</summary>
    private static async Task<double> RecallAsync(
        HttpClient http, string dataset, float[] values, int dimension, int count, float[][] queries, JsonNode? filter, Func<int, bool> passes, Settings settings)
    {
        var matching = Enumerable.Range(0, count).Where(i => passes(Bucket(i))).ToArray();
        var found = 0;
        foreach (var query in queries.Take(100))
        {
            var exact = matching.OrderByDescending(i => TensorPrimitives.Dot(values.AsSpan(i * dimension, dimension), query)).Take(settings.K).ToHashSet();
            var response = await http.PostAsJsonAsync("/search", new { dataset, vector = query, k = settings.K, ef = settings.Ef, filter });
            var results = JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync())!["results"]!.AsArray();
            found += results.Count(r => exact.Contains(int.Parse((string)r!["id"]!, CultureInfo.InvariantCulture)));
        }

        return Math.Round(found / (double)(Math.Min(queries.Length, 100) * settings.K), 4);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
