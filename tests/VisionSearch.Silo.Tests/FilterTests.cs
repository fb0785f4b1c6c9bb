using System.Globalization;
using System.Text.Json;
using VisionSearch.Contracts;
using VisionSearch.Testing;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// Filtered searches through the index grain on two in-process silos, on Redis and on Garnet: the filtered top-k
/// against brute force over the matching items at 50 %, 5 % and 0.1 % of them; errors that name the filter's path;
/// deletes by filter; and payloads that come back with a shard from its snapshot and log.
/// </summary>
public abstract class FilterTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const int Dimension = 48;
    private static readonly Dictionary<string, string?> Settings = new() { ["Snapshots:EveryItems"] = "2000" };
    private string _clusterId = "";
    private LocalSilos _cluster = null!;

    private IGrainFactory Grains => _cluster.Grains;

    public async ValueTask InitializeAsync()
    {
        await redis.InitializeAsync();
        _clusterId = $"test-{Guid.NewGuid():N}";
        await StartClusterAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopClusterAsync();
        await redis.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Filtered_top_k_equals_brute_force_over_the_matching_items_at_50_5_and_0_1_percent()
    {
        var rows = await WriteAsync("sel", 20_000, seed: 61);
        var queries = TestVectors.Clustered(50, Dimension, seed: 62, clusters: 64);
        var index = Grains.GetGrain<IDatasetIndexGrain>("sel");

        // 10,000 per shard (item i has label i, in shard i mod 2): half of them is more than a scan should measure (a
        // walk), a twentieth or less is scanned.
        foreach (var (filter, matches, exact) in new (SearchFilter, Func<int, bool>, bool)[]
        {
            (Must(Match("color", new FilterValue(Text: "red"))), IsRed, false),
            (Must(new FilterCondition("filter.must[0]", "bucket", Range: new FilterRange(null, 100, 150, null, Dates: false))), i => i % 1000 is >= 100 and < 150, true),
            (Must(Match("bucket", new FilterValue(Number: 7))), i => i % 1000 == 7, true),
        })
        {
            var found = 0;
            foreach (var query in queries)
            {
                var expected = Exact(rows, query, matches, 10);
                var result = await index.SearchAsync(new SearchQuery(10, Vector: query, Filter: filter));
                Assert.Equal(SearchOutcome.Ok, result.Outcome);
                Assert.All(result.Hits, h => Assert.True(matches(int.Parse(h.Id[1..], CultureInfo.InvariantCulture)), $"{h.Id} does not pass the filter"));
                if (exact)
                {
                    Assert.Equal(expected, result.Hits.Select(h => h.Id));
                }

                found += result.Hits.Count(h => expected.Contains(h.Id));
            }

            Assert.True(found / (10.0 * queries.Length) >= 0.95, $"recall@10 {found / (10.0 * queries.Length):F3} under a filter at the default ef");
        }

        // Pages of a filtered search concatenate to its one-page answer.
        var rare = Must(new FilterCondition("filter.must[0]", "bucket", Range: new FilterRange(null, 100, 150, null, Dates: false)));
        var whole = await index.SearchAsync(new SearchQuery(20, Vector: queries[0], Filter: rare));
        var first = await index.SearchAsync(new SearchQuery(10, Vector: queries[0], Filter: rare));
        var second = await index.SearchAsync(new SearchQuery(10, Vector: queries[0], Filter: rare, Offset: 10));
        Assert.Equal(whole.Hits.Select(h => h.Id), first.Hits.Concat(second.Hits).Select(h => h.Id));
    }

    [Fact]
    public async Task A_filter_that_does_not_fit_the_items_is_refused_at_its_path()
    {
        await WriteAsync("typed", 200, seed: 71);
        var index = Grains.GetGrain<IDatasetIndexGrain>("typed");
        var query = new float[Dimension];
        query[0] = 1;

        foreach (var (condition, path, message) in new[]
        {
            (new FilterCondition("filter.must[0]", "colour", Match: new FilterMatch("value", [new FilterValue(Text: "red")])), "filter.must[0].key", "No item has the metadata key 'colour'. Keys: bucket, color, taken; also id and kind."),
            (new FilterCondition("filter.must[0]", "color", Range: new FilterRange(null, 1, null, null, Dates: false)), "filter.must[0].range.gte", "'color' holds strings; a range over numbers needs numbers."),
            (new FilterCondition("filter.must[0]", "bucket", Match: new FilterMatch("any", [new FilterValue(Number: 1), new FilterValue(Text: "2")])), "filter.must[0].match.any[1]", "'bucket' holds numbers; the value is a string."),
            (new FilterCondition("filter.must[0]", "bucket", Range: new FilterRange(null, null, 1e15, null, Dates: true)), "filter.must[0].range.lt", "'bucket' holds numbers; a range over dates needs RFC 3339 dates."),
            (new FilterCondition("filter.must[0]", FilterKeys.Kind, Match: new FilterMatch("value", [new FilterValue(Text: "photo")])), "filter.must[0].match.value", "A kind is one of image, text, vector."),
        })
        {
            var result = await index.SearchAsync(new SearchQuery(5, Vector: query, Filter: Must(condition)));
            Assert.Equal((SearchOutcome.InvalidFilter, path, message), (result.Outcome, result.Field, result.Message));
        }

        var dated = await index.SearchAsync(new SearchQuery(200, Vector: query, Filter: Must(
            new FilterCondition("filter.must[0]", "taken", Range: new FilterRange(null, Date("2024-01-03"), Date("2024-01-05"), null, Dates: true)))));
        Assert.Equal(SearchOutcome.Ok, dated.Outcome);
        Assert.Equal(16, dated.Hits.Length); // days 2 and 3 of every 25: 8 cycles of 25 in 200
    }

    [Fact]
    public async Task Deletes_by_filter_and_payloads_come_back_with_their_shards()
    {
        var rows = await WriteAsync("kept", 6_000, seed: 81);
        var index = Grains.GetGrain<IDatasetIndexGrain>("kept");
        var blueLow = new SearchFilter(
            [Match("color", new FilterValue(Text: "blue")), new FilterCondition("filter.must[1]", "bucket", Range: new FilterRange(null, null, 100, null, Dates: false))], [], []);

        var deleted = await index.DeleteMatchingAsync(blueLow);

        Assert.Equal(WriteOutcome.Ok, deleted.Outcome);
        var expectedGone = Enumerable.Range(0, rows.Length).Where(i => !IsRed(i) && i % 1000 < 100).Select(Id).ToHashSet();
        Assert.Equal(expectedGone.Order(StringComparer.Ordinal), deleted.Items.Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.All(deleted.Items, i => Assert.Equal(ItemOutcome.Deleted, i.Outcome));
        Assert.Equal(6_000 - 300, (await index.GetStatusAsync()).Count);

        // New silos: every shard comes back from its snapshot and the log behind it, payloads included.
        await StopClusterAsync();
        await StartClusterAsync();
        index = Grains.GetGrain<IDatasetIndexGrain>("kept");
        var query = TestVectors.Clustered(1, Dimension, seed: 82)[0];
        var blue = Must(Match("color", new FilterValue(Text: "blue")), new FilterCondition("filter.must[1]", "bucket", Range: new FilterRange(null, null, 200, null, Dates: false)));
        var result = await index.SearchAsync(new SearchQuery(1000, Vector: query, Filter: blue));

        Assert.Equal(SearchOutcome.Ok, result.Outcome);
        Assert.Equal(
            Enumerable.Range(0, rows.Length).Where(i => !IsRed(i) && i % 1000 is >= 100 and < 200).Select(Id).Order(StringComparer.Ordinal),
            result.Hits.Select(h => h.Id).Order(StringComparer.Ordinal));
        Assert.Equal(Exact(rows, query, i => !IsRed(i) && i % 1000 is >= 100 and < 200, 10), result.Hits.Take(10).Select(h => h.Id));
        var record = await index.GetItemAsync(Id(8));
        Assert.Equal(JsonValueKind.Number, record!.Metadata!["bucket"].ValueKind);
    }

    /// <summary>
    /// Writes <paramref name="count"/> items to a new two-shard dataset, item i with <c>color</c> red (<see cref="IsRed"/>) or blue,
    /// <c>bucket</c> i mod 1000 (a number) and <c>taken</c> a date, day i mod 25 of January 2024.
    /// </summary>
    private async Task<float[][]> WriteAsync(string dataset, int count, int seed)
    {
        var rows = TestVectors.Clustered(count, Dimension, seed, clusters: 64);
        var index = Grains.GetGrain<IDatasetIndexGrain>(dataset);
        Assert.Equal(BuildOutcome.Started, (await index.CreateAsync(new BuildSpec(SourceKinds.Api, "", null, IndexDefaults.Metric, Shards: 2), Dimension)).Outcome);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(1000))
        {
            var result = await index.WriteItemsAsync([.. chunk.Select(i => new ItemWrite(Id(i), Vector: rows[i], Metadata: new Dictionary<string, JsonElement>
            {
                ["color"] = JsonSerializer.SerializeToElement(IsRed(i) ? "red" : "blue"),
                ["bucket"] = JsonSerializer.SerializeToElement(i % 1000),
                ["taken"] = JsonSerializer.SerializeToElement($"2024-01-{1 + (i % 25):00}"),
            }))]);
            Assert.All(result.Items, r => Assert.Equal(ItemOutcome.Indexed, r.Outcome));
        }

        return rows;
    }

    private async Task StartClusterAsync() => _cluster = await LocalSilos.StartAsync(redis.ConnectionString, _clusterId, Settings);

    private ValueTask StopClusterAsync() => _cluster.DisposeAsync();

    /// <summary>The exact top-k by cosine of the items that pass <paramref name="matches"/>.</summary>
    private static string[] Exact(float[][] rows, float[] query, Func<int, bool> matches, int k) =>
        [.. Enumerable.Range(0, rows.Length).Where(matches).OrderByDescending(i => TestVectors.Cosine(rows[i], query)).Take(k).Select(Id)];

    /// <summary>Half the items, and half of each shard's.</summary>
    private static bool IsRed(int i) => i % 4 < 2;

    private static string Id(int i) => "i" + i.ToString(CultureInfo.InvariantCulture);

    private static double Date(string text) => FilterDates.TryParse(text, out var date) ? date : throw new ArgumentException(text);

    private static SearchFilter Must(params FilterCondition[] conditions) => new(conditions, [], []);

    private static FilterCondition Match(string key, FilterValue value) => new("filter.must[0]", key, Match: new FilterMatch("value", [value]));
}

public sealed class RedisFilterTests() : FilterTests(new RedisServerFixture());

public sealed class GarnetFilterTests() : FilterTests(new GarnetServerFixture());
