using VisionSearch.Testing;

namespace VisionSearch.Hnsw.Tests;

public sealed class ExactIndexTests
{
    private const int Dimension = 32;

    private static (ExactIndex Index, float[][] Rows) Build(int count, Metric metric = Metric.Cosine, int seed = 7)
    {
        var rows = TestVectors.Clustered(count, Dimension, seed);
        var index = new ExactIndex(Dimension, metric, initialCapacity: 3); // small capacity: growth is exercised
        for (var i = 0; i < rows.Length; i++)
        {
            index.Add(i, rows[i]);
        }

        return (index, rows);
    }

    [Fact]
    public void Search_returns_the_brute_force_top_k_by_cosine()
    {
        var (index, rows) = Build(2000);
        var queries = TestVectors.Clustered(50, Dimension, seed: 99);
        foreach (var query in queries)
        {
            var expected = TestVectors.BruteForceCosine(rows, query, 10);
            var hits = index.Search(query, 10);
            Assert.Equal(expected, hits.Select(h => h.Label));
            Assert.Equal(TestVectors.Cosine(rows[expected[0]], query), 1 - hits[0].Distance, precision: 5);
        }
    }

    [Fact]
    public void Search_orders_inner_product_and_l2_by_their_own_measure()
    {
        var (ip, rows) = Build(500, Metric.InnerProduct);
        var (l2, _) = Build(500, Metric.L2);
        var query = rows[42];

        var byDot = Enumerable.Range(0, rows.Length)
            .OrderByDescending(i => rows[i].Zip(query, (a, b) => (double)a * b).Sum()).Take(5);
        var byDistance = Enumerable.Range(0, rows.Length)
            .OrderBy(i => rows[i].Zip(query, (a, b) => ((double)a - b) * (a - b)).Sum()).Take(5);

        Assert.Equal(byDot, ip.Search(query, 5).Select(h => h.Label));
        var nearest = l2.Search(query, 5);
        Assert.Equal(byDistance, nearest.Select(h => h.Label));
        Assert.Equal(42, nearest[0].Label);
        Assert.Equal(0f, nearest[0].Distance);
    }

    [Fact]
    public void Empty_index_and_k_above_count_return_what_exists()
    {
        var empty = new ExactIndex(Dimension, Metric.Cosine);
        Assert.Empty(empty.Search(new float[Dimension].Select(_ => 1f).ToArray(), 5));

        var (index, _) = Build(3);
        Assert.Equal(3, index.Search(TestVectors.Clustered(1, Dimension, 5)[0], 10).Length);
    }

    [Fact]
    public void Wrong_dimension_NaN_and_zero_vectors_are_rejected_with_ArgumentException()
    {
        var index = new ExactIndex(4, Metric.Cosine);
        Assert.Contains("3 dimensions", Assert.Throws<ArgumentException>(() => index.Add(0, [1, 2, 3])).Message);
        Assert.Contains("position 1", Assert.Throws<ArgumentException>(() => index.Add(0, [1, float.NaN, 3, 4])).Message);
        Assert.Throws<ArgumentException>(() => index.Add(0, [1, float.PositiveInfinity, 3, 4]));
        Assert.Throws<ArgumentException>(() => index.Add(0, [0, 0, 0, 0]));
        Assert.Throws<ArgumentException>(() => index.Search([1, 2], 1));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Snapshot_round_trip_gives_identical_results()
    {
        var (index, _) = Build(700);
        using var stream = new MemoryStream();
        index.WriteTo(stream);
        stream.Position = 0;
        var loaded = ExactIndex.ReadFrom(stream);

        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(index.Metric, loaded.Metric);
        foreach (var query in TestVectors.Clustered(20, Dimension, seed: 3))
        {
            Assert.Equal(index.Search(query, 10), loaded.Search(query, 10));
        }
    }

    [Fact]
    public void Truncated_snapshot_is_rejected_at_every_length()
    {
        var (index, _) = Build(20);
        using var stream = new MemoryStream();
        index.WriteTo(stream);
        var bytes = stream.ToArray();
        for (var length = 0; length < bytes.Length; length += 97)
        {
            var error = Assert.Throws<InvalidDataException>(() => ExactIndex.ReadFrom(new MemoryStream(bytes[..length])));
            Assert.Matches("truncated|magic", error.Message);
        }

        Assert.Throws<InvalidDataException>(() => ExactIndex.ReadFrom(new MemoryStream(bytes[..^1])));
    }

    [Fact]
    public void Corrupt_snapshot_fails_its_checksum_or_header_check()
    {
        var (index, _) = Build(20);
        using var stream = new MemoryStream();
        index.WriteTo(stream);
        var bytes = stream.ToArray();

        var flippedVector = (byte[])bytes.Clone();
        flippedVector[^20] ^= 0x40;
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => ExactIndex.ReadFrom(new MemoryStream(flippedVector))).Message);

        var badDimension = (byte[])bytes.Clone();
        badDimension[12] = 0xFF;
        badDimension[15] = 0x7F;
        Assert.Contains("dimension", Assert.Throws<InvalidDataException>(() => ExactIndex.ReadFrom(new MemoryStream(badDimension))).Message);

        var badMagic = (byte[])bytes.Clone();
        badMagic[0] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => ExactIndex.ReadFrom(new MemoryStream(badMagic))).Message);
    }
}
