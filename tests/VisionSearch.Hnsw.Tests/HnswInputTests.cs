namespace VisionSearch.Hnsw.Tests;

public sealed class HnswInputTests
{
    private static HnswIndex Empty(Metric metric = Metric.Cosine) => new(new HnswOptions { Dimension = 4, Metric = metric });

    [Fact]
    public void An_empty_index_returns_nothing_and_k_above_count_returns_all()
    {
        using var index = Empty();
        Assert.Empty(index.Search([1, 0, 0, 0], 5));

        index.Add(7, [1, 0, 0, 0]);
        index.Add(8, [0, 1, 0, 0]);
        index.Add(9, [1, 1, 0, 0]);
        var hits = index.Search([1, 0, 0, 0], 10);

        Assert.Equal([7, 9, 8], hits.Select(h => h.Label));
        Assert.Equal([0f, 1 - MathF.Sqrt(0.5f), 1f], hits.Select(h => h.Distance), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void Wrong_dimensions_and_non_finite_values_are_argument_errors()
    {
        using var index = Empty();
        index.Add(1, [1, 2, 3, 4]);

        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => index.Add(2, [1, 2, 3])).ParamName);
        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => index.Add(2, [1, float.NaN, 3, 4])).ParamName);
        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => index.Add(2, [0, 0, 0, 0])).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => index.Search([1, 2, 3, 4, 5], 1)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => index.Search([1, float.PositiveInfinity, 3, 4], 1)).ParamName);
        Assert.Equal("vectors", Assert.Throws<ArgumentException>(() => index.AddRange([5, 6], new float[] { 1, 2, 3, 4, 5, 6, 7, float.NaN })).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 2, 3, 4], 0));
        Assert.Equal(1, index.Count); // nothing of the rejected batch went in
    }

    [Fact]
    public void Validate_with_a_metric_rejects_what_the_index_would_and_nothing_else()
    {
        Assert.Equal("v", Assert.Throws<ArgumentException>(() => Distances.Validate(Metric.Cosine, [0, 0, 0, 0], 4, "v")).ParamName);
        Assert.Equal("v", Assert.Throws<ArgumentException>(() => Distances.Validate(Metric.L2, [1, float.NaN, 0, 0], 4, "v")).ParamName);
        Assert.Equal("v", Assert.Throws<ArgumentException>(() => Distances.Validate(Metric.InnerProduct, [1, 0, 0], 4, "v")).ParamName);
        Distances.Validate(Metric.L2, [0, 0, 0, 0], 4, "v");
        Distances.Validate(Metric.InnerProduct, [0, 0, 0, 0], 4, "v");
        Distances.Validate(Metric.Cosine, [0, 0, 3, 0], 4, "v");
    }

    [Fact]
    public void Options_outside_their_ranges_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(new HnswOptions { Dimension = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(new HnswOptions { Dimension = 4, M = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswIndex(new HnswOptions { Dimension = 4, EfConstruction = 0 }));
    }
}
