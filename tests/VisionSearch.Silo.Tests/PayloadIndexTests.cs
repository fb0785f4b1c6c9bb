using VisionSearch.Contracts;
using VisionSearch.Hnsw.Payloads;
using VisionSearch.Silo.Filtering;
using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Tests;

/// <summary>
/// What a filter accepts, read from a shard's payload index: each condition and clause on a small set of items whose
/// answers are worked out by hand, replaces and deletes leaving no trace, and the schema filters are checked against.
/// </summary>
public sealed class PayloadIndexTests : IDisposable
{
    private readonly PayloadIndex<ItemPayload> _index = new();
    private readonly Dictionary<int, string> _ids = [];

    public PayloadIndexTests()
    {
        Set(0, "a", "image", """{"color": "red", "year": 2019, "tags": ["cat", "dog"], "taken": "2024-05-01T10:00:00Z", "ok": true}""");
        Set(1, "b", "image", """{"color": "green", "year": 2021, "tags": [], "taken": "2024-06-15"}""");
        Set(2, "c", "text", """{"color": "red", "year": 2023.5, "tags": ["dog"], "ok": false}""");
        Set(3, "d", "text", """{"color": null, "year": "2020", "nested": {"x": 1}}""");
        Set(4, "e", "vector", null);
    }

    public void Dispose() => _index.Dispose();

    [Fact]
    public void Match_value_any_and_except_compare_types_and_match_arrays_by_any_element()
    {
        Assert.Equal(["a", "c"], Ids(Must(Match("color", "value", Text("red")))));
        Assert.Equal(["a", "b", "c"], Ids(Must(Match("color", "any", Text("red"), Text("green")))));
        Assert.Equal(["b"], Ids(Must(Match("color", "except", Text("red")))));
        Assert.Equal(["a", "c"], Ids(Must(Match("tags", "value", Text("dog")))));
        Assert.Equal(["a"], Ids(Must(Match("tags", "except", Text("dog"))))); // a holds cat too; c holds only dog
        Assert.Equal(["a"], Ids(Must(Match("year", "value", Number(2019)))));
        Assert.Empty(Ids(Must(Match("year", "value", Text("2019"))))); // the string is not the number
        Assert.Equal(["d"], Ids(Must(Match("year", "value", Text("2020")))));
        Assert.Equal(["c"], Ids(Must(Match("ok", "value", new FilterValue(Flag: false)))));
    }

    [Fact]
    public void Ranges_take_each_bound_over_numbers_and_dates()
    {
        Assert.Equal(["b", "c"], Ids(Must(Range("year", gt: 2019))));
        Assert.Equal(["a", "b"], Ids(Must(Range("year", gte: 2019, lte: 2021))));
        Assert.Equal(["a"], Ids(Must(Range("year", lt: 2021))));
        Assert.Empty(Ids(Must(Range("year", gt: 2021, lt: 2023)))); // 2023.5 lies outside, the string "2020" is no number
        Assert.True(FilterDates.TryParse("2024-06-01", out var june));
        Assert.Equal(["b"], Ids(Must(new FilterCondition("f", "taken", Range: new FilterRange(null, june, null, null, Dates: true)))));
        Assert.Equal(["a"], Ids(Must(new FilterCondition("f", "taken", Range: new FilterRange(null, null, june, null, Dates: true)))));
    }

    [Fact]
    public void Is_empty_holds_for_missing_null_and_empty_arrays_and_ids_and_kinds_match()
    {
        Assert.Equal(["b", "d", "e"], Ids(Must(new FilterCondition("f", "tags", IsEmpty: true))));
        Assert.Equal(["d", "e"], Ids(Must(new FilterCondition("f", "color", IsEmpty: true))));
        Assert.Equal(["a", "e"], Ids(Must(Match(FilterKeys.Id, "any", Text("a"), Text("e"), Text("zz")))));
        Assert.Equal(["b", "c", "d"], Ids(Must(Match(FilterKeys.Id, "except", Text("a"), Text("e")))));
        Assert.Equal(["c", "d"], Ids(Must(Match(FilterKeys.Kind, "value", Text("text")))));
        Assert.Equal(["a", "b", "e"], Ids(Must(Match(FilterKeys.Kind, "except", Text("text")))));
    }

    [Fact]
    public void Must_should_and_must_not_combine_and_nest()
    {
        var red = Match("color", "value", Text("red"));
        var recent = Range("year", gte: 2021);
        Assert.Equal(["c"], Ids(new SearchFilter([red, recent], [], [])));
        Assert.Equal(["a", "b", "c"], Ids(new SearchFilter([], [red, recent], [])));
        Assert.Equal(["b", "d", "e"], Ids(new SearchFilter([], [], [red])));
        Assert.Equal(["a", "b"], Ids(new SearchFilter([], [red, recent], [Match(FilterKeys.Kind, "value", Text("text"))])));
        var nested = new FilterCondition("f", "", Nested: new SearchFilter([], [red, Match(FilterKeys.Kind, "value", Text("vector"))], []));
        Assert.Equal(["a", "e"], Ids(new SearchFilter([nested], [], [Match(FilterKeys.Kind, "value", Text("text"))])));
    }

    [Fact]
    public void Replacing_and_removing_an_item_leaves_no_trace_in_matches_or_schema()
    {
        Set(0, "a", "image", """{"color": "blue"}""");
        _index.Remove(2);

        Assert.Empty(Ids(Must(Match("color", "value", Text("red")))));
        Assert.Equal(["a"], Ids(Must(Match("color", "value", Text("blue")))));
        Assert.Empty(Ids(Must(Match(FilterKeys.Id, "value", Text("c")))));
        Assert.Equal(["b"], Ids(Must(Range("year", gte: 2000))));
        Assert.False(FilterMatcher.Schema(_index).ContainsKey("ok")); // only a and c held it

        var schema = FilterMatcher.Schema(_index);
        Assert.Equal(PayloadTypes.Text, schema["color"]);
        Assert.Equal(PayloadTypes.Number | PayloadTypes.Text, schema["year"]);
        Assert.Equal(PayloadTypes.Text | PayloadTypes.Date, schema["taken"]);
        Assert.Equal(PayloadTypes.Other, schema["nested"]);
    }

    [Fact]
    public void Labels_far_beyond_the_first_grow_every_set_alike()
    {
        Set(70_000, "far", "image", """{"color": "red"}""");

        Assert.Equal(["a", "c", "far"], Ids(Must(Match("color", "value", Text("red")))));
        Assert.Equal(["d", "e"], Ids(Must(new FilterCondition("f", "color", IsEmpty: true))));
        Assert.Equal(["far"], Ids(Must(Match(FilterKeys.Kind, "value", Text("image")), Match(FilterKeys.Id, "value", Text("far")))));
    }

    [Fact]
    public void The_plan_scans_exactly_while_matching_squared_is_within_ef_times_2m_times_items()
    {
        // 100k items, ef 64, M 16: the walk measures about 2,048 / p nodes, the scan p·100k.
        Assert.True(FilterPlan.ScansExactly(5_000, 100_000, 64, 16));
        Assert.True(FilterPlan.ScansExactly(14_000, 100_000, 64, 16));
        Assert.False(FilterPlan.ScansExactly(15_000, 100_000, 64, 16));
        Assert.False(FilterPlan.ScansExactly(50_000, 100_000, 64, 16));
        Assert.True(FilterPlan.ScansExactly(100, 100_000, 10, 16));
    }

    private string[] Ids(SearchFilter filter) => [.. FilterMatcher.Match(_index, filter).ToArray().Select(l => _ids[l]).Order(StringComparer.Ordinal)];

    private void Set(int label, string id, string kind, string? metadata)
    {
        var payload = new ItemPayload(kind, metadata);
        _index.Set(label, payload, PayloadValues.Of(id, payload));
        _ids[label] = id;
    }

    private static SearchFilter Must(params FilterCondition[] conditions) => new(conditions, [], []);

    private static FilterCondition Match(string key, string form, params FilterValue[] values) => new("f", key, Match: new FilterMatch(form, values));

    private static FilterCondition Range(string key, double? gt = null, double? gte = null, double? lt = null, double? lte = null) =>
        new("f", key, Range: new FilterRange(gt, gte, lt, lte, Dates: false));

    private static FilterValue Text(string value) => new(Text: value);

    private static FilterValue Number(double value) => new(Number: value);
}
