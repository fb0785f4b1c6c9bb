using System.Numerics.Tensors;
using VisionSearch.Testing;

namespace VisionSearch.Hnsw.Tests;

public sealed class HnswSnapshotTests
{
    private static readonly (float[][] Rows, float[][] Queries) Data = HnswFixtures.RowsAndQueries(3000, 50, seed: 31);
    private static readonly float[][] Rows = Data.Rows;
    private static readonly float[][] Queries = Data.Queries;

    [Theory]
    [InlineData(Quantization.None, false)]
    [InlineData(Quantization.Sq8, false)]
    [InlineData(Quantization.Sq8, true)]
    [InlineData(Quantization.RaBitQ, false)]
    [InlineData(Quantization.RaBitQ, true)]
    public void A_loaded_snapshot_answers_exactly_as_the_original(Quantization quantization, bool originalsOnDisk)
    {
        using var directory = new TempDirectory();
        using var original = HnswFixtures.Build(Rows, quantization, originalsPath: originalsOnDisk ? Path.Combine(directory.Path, "a") : null);
        for (var label = 0; label < 100; label++)
        {
            original.Delete(label * 7);
        }

        using var stream = new MemoryStream();
        original.WriteTo(stream);
        stream.Position = 0;
        using var loaded = HnswIndex.ReadFrom(stream, originalsOnDisk ? Path.Combine(directory.Path, "b") : null);

        Assert.Equal(original.Count, loaded.Count);
        Assert.Equal(original.Options with { OriginalsPath = null }, loaded.Options with { OriginalsPath = null });
        foreach (var query in Queries)
        {
            Assert.Equal(original.Search(query, 10, ef: 40), loaded.Search(query, 10, ef: 40));
        }

        // The free list came back too: the next label takes a deleted slot.
        loaded.Add(50_000, Queries[0]);
        Assert.Equal(original.SlotCount, loaded.SlotCount);
    }

    [Fact]
    public void A_one_bit_snapshot_of_format_1_loads_and_keeps_answering_with_exact_distances()
    {
        // Written by format 1 (one centroid, commit 6f3bb11) in rabitq from Rows[..500] moved far along the diagonal, so
        // that the centroid is far from the origin (as CLIP's vectors lie in a cone); labels 0, 7, ..., 63 then deleted.
        var shift = (float)(Rows[..500].Average(r => Math.Sqrt(r.Sum(v => (double)v * v))) / Math.Sqrt(HnswFixtures.Dimension) * 3);
        var rows = Rows[..500].Select(r => r.Select(v => v + shift).ToArray()).ToArray();
        var queries = Queries.Select(r => r.Select(v => v + shift).ToArray()).ToArray();
        using var stream = File.OpenRead(TestFiles.Fixture("hnsw", "rabitq-format1.snapshot"));
        using var loaded = HnswIndex.ReadFrom(stream);
        static bool Kept(int label) => label % 7 != 0 || label > 63;
        Assert.Equal(rows.Length - 10, loaded.Count);
        Assert.Equal(Quantization.RaBitQ, loaded.Options.Quantization);

        foreach (var query in queries)
        {
            foreach (var hit in loaded.Search(query, 10, ef: 40))
            {
                Assert.True(Kept(hit.Label));
                Assert.Equal(1f - TensorPrimitives.CosineSimilarity(rows[hit.Label], query), hit.Distance, 1e-5f);
            }
        }

        var recall = HnswFixtures.Recall(loaded, queries, HnswFixtures.Exact(rows, queries, 10, Metric.Cosine, Kept), ef: 40);
        Assert.True(recall >= 0.95, $"recall@10 at ef 40 is {recall:F4}");

        // A vector added now is coded the new way beside the old ones.
        loaded.Add(50_000, queries[0]);
        var nearest = loaded.Search(queries[0], 1)[0];
        Assert.Equal(50_000, nearest.Label);
        Assert.Equal(0f, nearest.Distance, 1e-5f);
    }

    [Theory]
    [InlineData(Quantization.None)]
    [InlineData(Quantization.RaBitQ)]
    public void A_corrupt_or_truncated_snapshot_is_rejected_not_half_loaded(Quantization quantization)
    {
        using var index = HnswFixtures.Build(Rows[..500], quantization);
        using var stream = new MemoryStream();
        index.WriteTo(stream);
        var bytes = stream.ToArray();

        foreach (var length in new[] { 0, 3, 20, 60, bytes.Length / 2, bytes.Length - 1 })
        {
            var error = Assert.Throws<InvalidDataException>(() => HnswIndex.ReadFrom(new MemoryStream(bytes[..length])));
            Assert.Contains("HNSW index", error.Message);
        }

        foreach (var offset in new[] { 60, bytes.Length / 3, bytes.Length - 9 })
        {
            var flipped = (byte[])bytes.Clone();
            flipped[offset] ^= 0x10;
            Assert.Throws<InvalidDataException>(() => HnswIndex.ReadFrom(new MemoryStream(flipped)));
        }

        var wrongMagic = (byte[])bytes.Clone();
        wrongMagic[0] = (byte)'X';
        Assert.Contains("Not a HNSW index snapshot", Assert.Throws<InvalidDataException>(() => HnswIndex.ReadFrom(new MemoryStream(wrongMagic))).Message);

        var exact = new ExactIndex(HnswFixtures.Dimension, Metric.Cosine);
        using var other = new MemoryStream();
        exact.WriteTo(other);
        other.Position = 0;
        Assert.Throws<InvalidDataException>(() => HnswIndex.ReadFrom(other));
    }
}
