namespace VisionSearch.Hnsw.Tests;

public sealed class HnswMutationTests
{
    private static readonly (float[][] Rows, float[][] Queries) Data = HnswFixtures.RowsAndQueries(4000, 100);
    private static readonly float[][] Rows = Data.Rows;
    private static readonly float[][] Queries = Data.Queries;

    [Theory]
    [InlineData(Quantization.None)]
    [InlineData(Quantization.Sq8)]
    [InlineData(Quantization.RaBitQ)]
    public void Deleted_labels_never_come_back_and_every_search_still_fills_k(Quantization quantization)
    {
        using var index = HnswFixtures.Build(Rows, quantization);
        var deleted = Enumerable.Range(0, Rows.Length).Where(i => i % 3 == 0).ToHashSet();
        foreach (var label in deleted)
        {
            Assert.True(index.Delete(label));
        }

        Assert.False(index.Delete(0));
        Assert.Equal(Rows.Length - deleted.Count, index.Count);
        foreach (var query in Queries.Concat(deleted.Take(50).Select(l => Rows[l])))
        {
            var hits = index.Search(query, 10, ef: 32);
            Assert.Equal(10, hits.Length);
            Assert.DoesNotContain(hits, h => deleted.Contains(h.Label));
        }

        var truth = HnswFixtures.Exact(Rows, Queries, 10, accept: i => !deleted.Contains(i));
        Assert.True(HnswFixtures.Recall(index, Queries, truth, ef: 64) >= 0.95);
    }

    [Theory]
    [InlineData(Quantization.Sq8)]
    [InlineData(Quantization.RaBitQ)]
    public void An_empty_first_batch_leaves_the_codes_to_be_fitted_on_the_next(Quantization quantization)
    {
        using var index = new HnswIndex(new HnswOptions { Dimension = HnswFixtures.Dimension, M = 16, EfConstruction = 100, Quantization = quantization });
        index.AddRange([], ReadOnlyMemory<float>.Empty); // as a shard's first batch that only deletes

        index.AddRange(Enumerable.Range(0, Rows.Length).ToArray(), Rows.SelectMany(r => r).ToArray());

        var recall = HnswFixtures.Recall(index, Queries, HnswFixtures.Exact(Rows, Queries, 10), ef: 64);
        Assert.True(recall >= 0.95, $"recall@10 at ef 64 is {recall:F4}");
    }

    [Theory]
    [InlineData(Quantization.None, Metric.Cosine)]
    [InlineData(Quantization.Sq8, Metric.Cosine)]
    [InlineData(Quantization.None, Metric.L2)]
    [InlineData(Quantization.RaBitQ, Metric.InnerProduct)]
    public void GetVector_returns_the_stored_vector_at_full_precision_and_null_for_absent_labels(Quantization quantization, Metric metric)
    {
        var rows = Rows[..200].Select(r => r.Select(x => x * 3).ToArray()).ToArray();
        using var index = HnswFixtures.Build(rows, quantization, metric);
        index.Delete(7);
        for (var label = 0; label < rows.Length; label++)
        {
            var stored = index.GetVector(label);
            if (label == 7)
            {
                Assert.Null(stored);
                continue;
            }

            // Cosine stores unit vectors; the others store the vector as given. Sq8 keeps the originals beside its codes.
            var norm = metric == Metric.Cosine ? MathF.Sqrt(rows[label].Sum(x => x * x)) : 1f;
            Assert.Equal(rows[label].Select(x => x / norm), stored!, (a, b) => MathF.Abs(a - b) < 1e-6f);
        }

        Assert.Null(index.GetVector(rows.Length));
    }

    [Theory]
    [InlineData(Quantization.None)]
    [InlineData(Quantization.RaBitQ)]
    public void New_labels_reuse_deleted_slots_and_become_searchable(Quantization quantization)
    {
        using var index = HnswFixtures.Build(Rows, quantization);
        var slots = index.SlotCount;
        for (var label = 0; label < 500; label++)
        {
            index.Delete(label);
        }

        var fresh = HnswFixtures.Rows(500, seed: 14);
        for (var i = 0; i < fresh.Length; i++)
        {
            index.Add(100_000 + i, fresh[i]);
        }

        Assert.Equal(slots, index.SlotCount);
        Assert.Equal(Rows.Length, index.Count);
        var found = fresh.Where((row, i) => index.Search(row, 1, ef: 64)[0].Label == 100_000 + i).Count();
        Assert.True(found >= 495, $"{found} of 500 re-inserted vectors are their own nearest neighbour");
    }

    [Theory]
    [InlineData(Quantization.None)]
    [InlineData(Quantization.RaBitQ)]
    public void Adding_an_existing_label_replaces_its_vector(Quantization quantization)
    {
        using var index = HnswFixtures.Build(Rows, quantization);
        var moved = HnswFixtures.Rows(20, seed: 15);
        for (var i = 0; i < moved.Length; i++)
        {
            index.Add(i, moved[i]);
        }

        Assert.Equal(Rows.Length, index.Count);
        for (var i = 0; i < moved.Length; i++)
        {
            var hit = index.Search(moved[i], 1, ef: 64)[0];
            Assert.Equal(i, hit.Label);
            Assert.Equal(0f, hit.Distance, precision: 5);
            Assert.DoesNotContain(index.Search(Rows[i], 10, ef: 64), h => h.Label == i && h.Distance < 1e-5f);
        }
    }

    [Theory]
    [InlineData(Quantization.None)]
    [InlineData(Quantization.RaBitQ)]
    public void A_filter_returns_k_matches_whenever_k_exist(Quantization quantization)
    {
        using var index = HnswFixtures.Build(Rows, quantization);
        static bool Rare(int label) => label % 97 == 0;
        var truth = HnswFixtures.Exact(Rows, Queries, 10, accept: Rare);

        var found = 0;
        foreach (var (query, expected) in Queries.Zip(truth))
        {
            var hits = index.Search(query, 10, ef: 32, filter: Rare);
            Assert.Equal(10, hits.Length);
            Assert.All(hits, h => Assert.True(Rare(h.Label)));
            found += hits.Count(h => expected.Contains(h.Label));
        }

        // float32 finds all of them on this data; one-bit codes on 48 dimensions (64 bits) walk with noisy estimates.
        Assert.True(found >= (quantization == Quantization.None ? 1.0 : 0.95) * 10 * Queries.Length, $"{found} of the true top 10s");

        Assert.Equal([97 * 2], index.Search(Rows[194], 5, filter: label => label == 194).Select(h => h.Label));
        Assert.Empty(index.Search(Rows[0], 5, filter: _ => false));
    }

    [Theory]
    [InlineData(Quantization.None, Metric.Cosine)]
    [InlineData(Quantization.Sq8, Metric.L2)]
    [InlineData(Quantization.RaBitQ, Metric.Cosine)]
    public void SearchAmong_is_the_exact_top_k_of_the_given_labels_and_passes_over_absent_ones(Quantization quantization, Metric metric)
    {
        using var index = HnswFixtures.Build(Rows, quantization, metric);
        index.Delete(300);
        static bool Given(int label) => label % 10 == 0;
        var labels = Enumerable.Range(0, Rows.Length).Where(Given).Append(Rows.Length + 5).ToArray(); // 300 deleted, one never added
        var truth = HnswFixtures.Exact(Rows, Queries, 10, metric, accept: label => Given(label) && label != 300);

        foreach (var (query, expected) in Queries.Zip(truth))
        {
            var hits = index.SearchAmong(query, 10, labels);
            Assert.Equal(expected, hits.Select(h => h.Label));
            Assert.Equal(index.Search(query, 10, ef: Rows.Length, filter: l => Given(l)).Select(h => h.Distance), hits.Select(h => h.Distance), (a, b) => Math.Abs(a - b) < 1e-5);
        }

        Assert.Empty(index.SearchAmong(Queries[0], 5, [300, Rows.Length + 1]));
    }
}
