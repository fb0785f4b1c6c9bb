using System.Globalization;
using System.Numerics.Tensors;

namespace VisionSearch.Bench.Data;

/// <summary>
/// Exact top-k by inner product (cosine on unit vectors), as the peer benchmark's <c>gt.c</c> computes it: every
/// base row scored in float32, the best k + 28 kept, those re-scored in double and sorted (ties: the smaller id
/// first), so the order written is exact even where float32 rounding would swap near-ties. Also the data set's
/// difficulty figures gt.c prints (mean cosine of the 1st, 10th and k-th neighbour, of random pairs, and the
/// MLE local intrinsic dimensionality).
/// </summary>
internal static class GroundTruth
{
    private const int Slack = 28;

    public static string Compute(string basePath, string queryPath, int k, string idsPath, string? scoresPath, TextWriter log)
    {
        var started = DateTime.UtcNow;
        var (vectors, dimension, count) = BenchRunner.ReadAll(basePath);
        var (queries, queryDimension, queryCount) = BenchRunner.ReadAll(queryPath);
        if (dimension != queryDimension)
        {
            throw new InvalidDataException($"The base is {dimension}-d and the queries {queryDimension}-d.");
        }

        var loaded = DateTime.UtcNow;
        k = Math.Min(k, count);
        var keep = Math.Min(k + Slack, count);
        var ranked = new (double Score, int Id)[queryCount][];
        var done = 0;
        Parallel.For(0, queryCount, q =>
        {
            ranked[q] = Rank(vectors, dimension, count, queries.AsSpan(q * dimension, dimension), keep);
            if (Interlocked.Increment(ref done) % 100 == 0)
            {
                log.WriteLine($"  {done}/{queryCount} queries");
            }
        });
        var scanned = DateTime.UtcNow;

        double top1 = 0, top10 = 0, topK = 0, lidSum = 0;
        var lidCount = 0;
        using (var ids = new FvecsWriter(File.Create(idsPath), k))
        using (var scores = scoresPath is null ? null : new FvecsWriter(File.Create(scoresPath), k))
        {
            foreach (var best in ranked)
            {
                ids.Write([.. best.Take(k).Select(c => c.Id)]);
                scores?.Write([.. best.Take(k).Select(c => (float)c.Score)]);
                top1 += best[0].Score;
                top10 += best[Math.Min(10, k) - 1].Score;
                topK += best[k - 1].Score;
                if (LocalIntrinsicDimension(best, k) is { } lid)
                {
                    lidSum += lid;
                    lidCount++;
                }
            }
        }

        var (pair, queryPair) = RandomPairs(vectors, queries, dimension, count, queryCount);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"tool":"gt","n":{{count}},"q":{{queryCount}},"dim":{{dimension}},"k":{{k}},"threads":{{Environment.ProcessorCount}},"load_s":{{(loaded - started).TotalSeconds:F2}},"scan_s":{{(scanned - loaded).TotalSeconds:F2}},"mean_cos_top1":{{top1 / queryCount:F4}},"mean_cos_top10":{{top10 / queryCount:F4}},"mean_cos_top{{k}}":{{topK / queryCount:F4}},"mean_cos_random_pair":{{pair:F4}},"mean_cos_query_random":{{queryPair:F4}},"lid_mle_k{{k}}":{{(lidCount > 0 ? lidSum / lidCount : -1):F1}}}""");
    }

    private static (double Score, int Id)[] Rank(float[] vectors, int dimension, int count, ReadOnlySpan<float> query, int keep)
    {
        // A min-heap of the best `keep` float scores; its root is the worst kept (lower score, then larger id).
        var heap = new PriorityQueue<int, (float Score, int Id)>(keep + 1, Worst.Instance);
        for (var id = 0; id < count; id++)
        {
            var score = TensorPrimitives.Dot(query, vectors.AsSpan(id * dimension, dimension));
            if (heap.Count < keep)
            {
                heap.Enqueue(id, (score, id));
            }
            else if (heap.TryPeek(out _, out var worst) && Worst.Instance.Compare(worst, (score, id)) < 0)
            {
                heap.DequeueEnqueue(id, (score, id));
            }
        }

        var exact = new (double Score, int Id)[heap.Count];
        var i = 0;
        while (heap.TryDequeue(out var id, out _))
        {
            double s = 0;
            var row = vectors.AsSpan(id * dimension, dimension);
            for (var j = 0; j < dimension; j++)
            {
                s += (double)row[j] * query[j];
            }

            exact[i++] = (s, id);
        }

        Array.Sort(exact, static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Id.CompareTo(b.Id));
        return exact;
    }

    /// <summary>The MLE estimate of local intrinsic dimensionality over Euclidean distances of unit vectors (gt.c's).</summary>
    private static double? LocalIntrinsicDimension((double Score, int Id)[] best, int k)
    {
        var dk = Math.Sqrt(Math.Max(2 - (2 * best[k - 1].Score), 1e-12));
        double sum = 0;
        for (var i = 0; i < k - 1; i++)
        {
            var di = Math.Sqrt(Math.Max(2 - (2 * best[i].Score), 0));
            if (di <= 0)
            {
                return null;
            }

            sum += Math.Log(di / dk);
        }

        return sum < 0 ? -(k - 1) / sum : null;
    }

    private static (double Pair, double QueryPair) RandomPairs(float[] vectors, float[] queries, int dimension, int count, int queryCount)
    {
        const int Pairs = 20_000;
        var rng = new Xoshiro(12345);
        double pair = 0, queryPair = 0;
        for (var i = 0; i < Pairs; i++)
        {
            int a = (int)(rng.Next() % (ulong)count), b = (int)(rng.Next() % (ulong)count), q = (int)(rng.Next() % (ulong)queryCount);
            double s = 0, s2 = 0;
            for (var j = 0; j < dimension; j++)
            {
                s += vectors[(a * dimension) + j] * vectors[(b * dimension) + j];
                s2 += queries[(q * dimension) + j] * vectors[(b * dimension) + j];
            }

            pair += s;
            queryPair += s2;
        }

        return (pair / Pairs, queryPair / Pairs);
    }

    /// <summary>Orders candidates worst first: the lower score, and at equal scores the larger id.</summary>
    private sealed class Worst : IComparer<(float Score, int Id)>
    {
        public static readonly Worst Instance = new();

        public int Compare((float Score, int Id) x, (float Score, int Id) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Id.CompareTo(x.Id);
    }
}
