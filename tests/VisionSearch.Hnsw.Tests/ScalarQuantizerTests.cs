using VisionSearch.Hnsw.Graph;
using VisionSearch.Testing;

namespace VisionSearch.Hnsw.Tests;

public sealed unsafe class ScalarQuantizerTests
{
    [Theory]
    [InlineData(Metric.InnerProduct)]
    [InlineData(Metric.L2)]
    public void Int8_estimates_lie_within_their_slack_of_the_exact_distance_and_the_slack_is_not_vacuous(Metric metric)
    {
        const int Dimension = 512;
        var all = TestVectors.Patches(1100, Dimension, seed: 23);
        var (rows, queries) = (all[..1000], all[1000..]);
        using var store = new VectorStore(Dimension, metric, Quantization.Sq8, originalsPath: null, seed: 1);
        store.Train(rows.SelectMany(r => r).ToArray(), (_, _) => { });
        store.EnsureCapacity(rows.Length);
        var scratch = new float[Dimension];
        var within = 0;
        var slacks = new List<double>();
        var errors = new List<double>();
        fixed (float* buffer = scratch)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                fixed (float* row = rows[i])
                {
                    store.Write(i, row, buffer);
                }
            }

            foreach (var q in queries)
            {
                fixed (float* query = q)
                {
                    var distances = metric == Metric.L2 ? Measure<CodeL2>(store, query, buffer, rows.Length) : Measure<CodeDot>(store, query, buffer, rows.Length);
                    for (var i = 0; i < rows.Length; i++)
                    {
                        var (estimate, bound) = distances[i];
                        var exact = Distances.Compute(metric, rows[i], q);
                        within += bound <= exact ? 1 : 0;
                        slacks.Add(estimate - bound);
                        errors.Add(Math.Abs(estimate - exact));
                    }
                }
            }
        }

        // Three standard errors below: 99.87 % of a normal error (measured 99.86 % for the inner product).
        Assert.True(within >= 0.998 * errors.Count, $"{within} of {errors.Count} exact distances at or above the bound");
        Assert.True(slacks.Average() < 10 * errors.Average(), $"mean slack {slacks.Average():G3} against a mean error of {errors.Average():G3}");
    }

    private static (float Estimate, float Bound)[] Measure<T>(VectorStore store, float* query, float* scratch, int count) where T : struct, INodeDistance<T>
    {
        var distance = T.From(store, query, scratch);
        return [.. Enumerable.Range(0, count).Select(node => { var estimate = distance.To(node); return (estimate, distance.LowerBound(node, estimate)); })];
    }
}
