using System.Text.Json;

namespace VisionSearch.Hnsw.Tests;

/// <summary>
/// A metric has one name (hnswlib's space) and a few aliases callers use; records in Redis hold the name, and records
/// written before the metric was an enum hold whatever the caller typed, so every alias in any case must read back.
/// </summary>
public sealed class MetricNamesTests
{
    public static TheoryData<string, Metric> Spellings() => new()
    {
        { "cosine", Metric.Cosine },
        { "COSINE", Metric.Cosine },
        { "ip", Metric.InnerProduct },
        { "inner_product", Metric.InnerProduct },
        { "Dot", Metric.InnerProduct },
        { "l2", Metric.L2 },
        { "Euclidean", Metric.L2 },
    };

    [Theory]
    [MemberData(nameof(Spellings))]
    public void Every_spelling_reads_as_its_metric_in_a_request_and_in_a_stored_record(string name, Metric expected)
    {
        Assert.True(Names.Metric.TryParse(name, out var parsed));
        Assert.Equal(expected, parsed);
        Assert.Equal(expected, JsonSerializer.Deserialize<Stored>($$"""{"Metric":"{{name}}"}""")!.Metric);
    }

    [Fact]
    public void A_metric_is_written_as_its_name_and_reads_back()
    {
        Assert.Equal(
            ["""{"Metric":"cosine"}""", """{"Metric":"ip"}""", """{"Metric":"l2"}"""],
            Enum.GetValues<Metric>().Select(m => JsonSerializer.Serialize(new Stored(m))));
        Assert.All(Enum.GetValues<Metric>(), m => Assert.Equal(m, JsonSerializer.Deserialize<Stored>(JsonSerializer.Serialize(new Stored(m)))!.Metric));
    }

    [Theory]
    [InlineData("\"manhattan\"", "Metric 'manhattan' is unknown; use cosine, ip or l2.")]
    [InlineData("\"\"", "Metric '' is unknown; use cosine, ip or l2.")]
    [InlineData("1", "Metric '' is unknown; use cosine, ip or l2.")]
    public void Anything_else_is_refused_with_the_names_there_are(string json, string message)
    {
        Assert.False(Names.Metric.TryParse(json.Trim('"'), out _));
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Stored>($$"""{"Metric":{{json}}}"""));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true, Metric.Cosine)]
    [InlineData("DOT", true, Metric.InnerProduct)]
    [InlineData("l2", true, Metric.L2)]
    [InlineData("", false, Metric.Cosine)]
    [InlineData("manhattan", false, Metric.Cosine)]
    public void A_request_that_names_no_metric_gets_the_default_and_one_that_names_another_is_refused(string? name, bool accepted, Metric expected)
    {
        Assert.Equal(accepted, Names.Metric.TryParseRequested(name, out var metric));
        if (accepted)
        {
            Assert.Equal(expected, metric);
        }
    }

    private sealed record Stored(Metric Metric);
}
