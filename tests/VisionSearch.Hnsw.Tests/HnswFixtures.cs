using VisionSearch.Testing;

namespace VisionSearch.Hnsw.Tests;

/// <summary>Seeded clustered data, indexes built from it, and exact answers to score them against.</summary>
internal static class HnswFixtures
{
    public const int Dimension = 48;

    public static HnswIndex Build(float[][] rows, Quantization quantization = Quantization.None, Metric metric = Metric.Cosine, int threads = 1, string? originalsPath = null, bool ioRing = true)
    {
        var index = new HnswIndex(new HnswOptions
        {
            OriginalsThroughIoRing = ioRing,
            Dimension = rows[0].Length,
            Metric = metric,
            M = 16,
            EfConstruction = 100,
            Quantization = quantization,
            OriginalsPath = originalsPath,
        });
        index.AddRange(Enumerable.Range(0, rows.Length).ToArray(), rows.SelectMany(r => r).ToArray(), threads);
        return index;
    }

    /// <summary>The exact top-k labels by <paramref name="metric"/>, from the brute-force index.</summary>
    public static int[][] Exact(float[][] rows, float[][] queries, int k, Metric metric = Metric.Cosine, Func<int, bool>? accept = null)
    {
        var exact = new ExactIndex(rows[0].Length, metric, rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            if (accept is null || accept(i))
            {
                exact.Add(i, rows[i]);
            }
        }

        return [.. queries.Select(q => exact.Search(q, k).Select(n => n.Label).ToArray())];
    }

    /// <summary>|found ∩ truth| / |truth| averaged over queries.</summary>
    public static double Recall(HnswIndex index, float[][] queries, int[][] truth, int ef)
    {
        var hits = 0;
        for (var q = 0; q < queries.Length; q++)
        {
            hits += index.Search(queries[q], truth[q].Length, ef).Count(n => truth[q].Contains(n.Label));
        }

        return (double)hits / truth.Sum(t => t.Length);
    }

    public static float[][] Rows(int count, int seed = 11) => TestVectors.Clustered(count, Dimension, seed, clusters: 64);

    /// <summary>Base rows and queries from the same clusters (the seed picks the centres), kept apart.</summary>
    public static (float[][] Rows, float[][] Queries) RowsAndQueries(int rows, int queries, int seed = 11)
    {
        var all = Rows(rows + queries, seed);
        return (all[..rows], all[rows..]);
    }
}
