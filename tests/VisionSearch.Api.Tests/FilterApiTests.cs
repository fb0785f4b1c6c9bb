using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisionSearch.Testing;
using static VisionSearch.Api.Tests.ApiJson;

namespace VisionSearch.Api.Tests;

/// <summary>
/// Filters through HTTP: in POST /search's JSON, GET /search's query string and the search form; a malformed filter and
/// one that does not fit the items, each a 422 naming the path; deletes by filter; metadata shown with its JSON types.
/// </summary>
public sealed class FilterApiTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    private const int Items = 40;
    private static readonly string[] TagA = ["a"], TagsBC = ["b", "c"], P1 = ["p1"];

    [Fact]
    public async Task A_filter_keeps_exactly_the_items_that_pass_in_every_encoding_of_a_search()
    {
        await WriteVectorsAsync("shop");
        var filter = JsonNode.Parse("""
            {"must": [{"key": "color", "match": {"value": "red"}}, {"key": "year", "range": {"gte": 2010}}],
             "must_not": [{"key": "taken", "range": {"lt": "2024-01-25"}}],
             "should": [{"key": "tags", "match": {"any": ["a", "b"]}}, {"is_empty": {"key": "tags"}}]}
            """);
        var expected = Enumerable.Range(0, Items).Where(i => i % 2 == 0 && 2000 + i >= 2010 && 1 + (i % 30) >= 25).Select(i => $"p{i}").Order(StringComparer.Ordinal);

        var posted = await (await cluster.Client.PostJsonAsync("/search", new { dataset = "shop", vector = Vector(3), k = Items, filter })).ReadJsonAsync();
        Assert.Equal(expected, posted["results"]!.AsArray().Select(r => (string)r!["id"]!).Order(StringComparer.Ordinal));
        var first = posted["results"]![0]!["metadata"]!;
        Assert.Equal((System.Text.Json.JsonValueKind.Number, "red"), (first["year"]!.GetValueKind(), (string)first["color"]!));

        using var form = new MultipartFormDataContent
        {
            { new StringContent("shop"), "dataset" },
            { new StringContent("p4"), "item_id" },
            { new StringContent(Items.ToString(System.Globalization.CultureInfo.InvariantCulture)), "k" },
            { new StringContent(filter!.ToJsonString()), "filter" },
        };
        var byForm = await (await cluster.Client.PostAsync("/search", form)).ReadJsonAsync();
        Assert.Equal(expected.Where(id => id != "p4"), byForm["results"]!.AsArray().Select(r => (string)r!["id"]!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GET_search_takes_the_filter_as_json_in_the_query_string()
    {
        Assert.Equal(HttpStatusCode.Created, (await cluster.Client.PutAsJsonAsync("/datasets/notes-f", new { model = TestFiles.Fixture("clip-tiny") })).StatusCode);
        var written = await cluster.Client.PostJsonAsync("/datasets/notes-f/items", new
        {
            items = new object[]
            {
                new { id = "cat", text = "a cat on a mat", metadata = new { lang = "en", stars = 5 } },
                new { id = "chat", text = "un chat sur un tapis", metadata = new { lang = "fr", stars = 4 } },
                new { id = "dog", text = "a dog in the park", metadata = new { lang = "en", stars = 2 } },
            },
        });
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);

        var filter = Uri.EscapeDataString("""{"must":[{"key":"lang","match":{"value":"en"}},{"key":"stars","range":{"gt":3}}]}""");
        var found = await (await cluster.Client.GetAsync($"/search?dataset=notes-f&query=cat&k=3&filter={filter}")).ReadJsonAsync();

        Assert.Equal(["cat"], found["results"]!.AsArray().Select(r => (string)r!["id"]!));
        var errors = await AssertProblemAsync(await cluster.Client.GetAsync("/search?dataset=notes-f&query=cat&filter=%7Bnope"), 422);
        Assert.StartsWith("Not JSON", (string)errors["filter"]![0]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_filter_or_one_that_does_not_fit_the_items_is_422_naming_its_path()
    {
        await WriteVectorsAsync("strict");
        foreach (var (filter, path) in new[]
        {
            ("""{"must": [{"key": "color", "match": {"value": "red"}}, {"key": "year", "range": {"gte": "soon"}}]}""", "filter.must[1].range.gte"),
            ("""{"must": [{"key": "year", "range": {"gte": 1, "lt": "2024-01-01"}}]}""", "filter.must[0].range.lt"),
            ("""{"should": [{"key": "color", "match": {"value": "red", "any": ["blue"]}}]}""", "filter.should[0].match"),
            ("""{"must_not": {"key": "color"}}""", "filter.must_not"),
            ("""{"must": [{"key": "color", "match": {"any": ["red", {"x": 1}]}}]}""", "filter.must[0].match.any[1]"),
            ("""{"filter": []}""", "filter.filter"),
            ("""{"must": [{"key": "colour", "match": {"value": "red"}}]}""", "filter.must[0].key"),
            ("""{"must": [{"key": "color", "range": {"gte": 3}}]}""", "filter.must[0].range.gte"),
            ("""{"must": [{"must": [{"key": "year", "match": {"value": "2001"}}]}]}""", "filter.must[0].must[0].match.value"),
        })
        {
            var errors = await AssertProblemAsync(await cluster.Client.PostJsonAsync("/search", new { dataset = "strict", vector = Vector(1), filter = JsonNode.Parse(filter) }), 422);
            Assert.True(errors[path] is not null, $"{filter}: {errors.ToJsonString()}");
        }
    }

    [Fact]
    public async Task A_delete_by_filter_deletes_exactly_the_items_that_pass_and_a_bad_one_deletes_nothing()
    {
        await WriteVectorsAsync("pruned");
        var blue = JsonNode.Parse("""{"must": [{"key": "color", "match": {"value": "blue"}}, {"key": "year", "range": {"lt": 2020}}]}""");

        var refused = await AssertProblemAsync(await cluster.Client.PostJsonAsync("/datasets/pruned/items/delete", new { filter = JsonNode.Parse("""{"must": [{"key": "colr", "match": {"value": "blue"}}]}""") }), 422);
        Assert.NotNull(refused["filter.must[0].key"]);
        Assert.NotNull((await AssertProblemAsync(await cluster.Client.PostJsonAsync("/datasets/pruned/items/delete", new { ids = P1, filter = blue }), 422))["body"]);
        var deleted = await (await cluster.Client.PostJsonAsync("/datasets/pruned/items/delete", new { filter = blue })).ReadJsonAsync();

        Assert.Equal(10, (int)deleted["deleted"]!);
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i % 2 == 1).Select(i => $"p{i}").Order(StringComparer.Ordinal), deleted["items"]!.AsArray().Select(r => (string)r!["id"]!).Order(StringComparer.Ordinal));
        Assert.Equal(Items - 10, (long)(await (await cluster.Client.GetAsync("/datasets/pruned")).ReadJsonAsync())["count"]!);
        var left = await (await cluster.Client.PostJsonAsync("/search", new { dataset = "pruned", vector = Vector(1), k = Items, filter = JsonNode.Parse("""{"must": {"key": "color", "match": {"value": "blue"}}}""") })).ReadJsonAsync();
        Assert.Equal(10, left["results"]!.AsArray().Count);
    }

    /// <summary>
    /// Writes <see cref="Items"/> vectors, item i: <c>color</c> red (even) or blue, <c>year</c> 2000 + i, <c>tags</c>
    /// ["a"], ["b", "c"] or [] by i mod 3, <c>taken</c> day 1 + i mod 30 of January 2024.
    /// </summary>
    private async Task WriteVectorsAsync(string dataset)
    {
        Assert.Equal(HttpStatusCode.Created, (await cluster.Client.PutAsJsonAsync($"/datasets/{dataset}", new { dimension = 8 })).StatusCode);
        var items = Enumerable.Range(0, Items).Select(i => new
        {
            id = $"p{i}",
            vector = Vector(i),
            metadata = new Dictionary<string, object>
            {
                ["color"] = i % 2 == 0 ? "red" : "blue",
                ["year"] = 2000 + i,
                ["tags"] = (i % 3) switch { 0 => TagA, 1 => TagsBC, _ => Array.Empty<string>() },
                ["taken"] = $"2024-01-{1 + (i % 30):00}",
            },
        });
        var response = await cluster.Client.PostJsonAsync($"/datasets/{dataset}/items", new { items });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Items, (int)(await response.ReadJsonAsync())["indexed"]!);
    }

    private static float[] Vector(int i) => [.. Enumerable.Range(0, 8).Select(d => MathF.Sin((i * 8) + d) + 1.5f)];
}
