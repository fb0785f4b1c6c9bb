using VisionSearch.Hnsw.Graph;
using VisionSearch.Testing;

namespace VisionSearch.Hnsw.Tests;

public sealed unsafe class BitQuantizerTests
{
    private const int Dimension = 512;

    private static readonly float[][] All = TestVectors.Clustered(1100, Dimension, seed: 21, clusters: 20);
    private static readonly float[][] Rows = All[..1000];
    private static readonly float[][] Queries = All[1000..];

    [Theory]
    [InlineData(512)]
    [InlineData(48)] // padded to 64
    [InlineData(300)] // padded to 512
    public void The_rotation_keeps_lengths_and_angles(int dimension)
    {
        var rotation = new RandomRotation(dimension, seed: 5);
        var (a, b) = (TestVectors.Clustered(2, dimension, seed: 3)[0], TestVectors.Clustered(2, dimension, seed: 4)[1]);
        var (ra, rb) = (Rotate(rotation, a), Rotate(rotation, b));

        Assert.Equal(RandomRotation.PaddedLength(dimension), ra.Length);
        Assert.Equal(1, Dot(ra, ra) / Dot(a, a), 5);
        Assert.Equal(Dot(a, b) / Dot(a, a), Dot(ra, rb) / Dot(a, a), 5);
        Assert.NotEqual(a, ra[..dimension]); // it moved the vector
    }

    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.InnerProduct)]
    public void Estimates_are_unbiased_and_the_exact_distance_lies_within_the_error_bound(Metric metric)
    {
        var quantizer = new BitQuantizer(Dimension, metric, seed: 9);
        quantizer.Train(Rows.SelectMany(r => r).ToArray(), (_, _) => { });
        Assert.Equal(10, quantizer.Centroids.Length / Dimension); // one per 100 rows

        var (within, meanError, meanBound) = Measure(quantizer, metric);

        // Three standard errors of a near-normal error: 99.7 % within, so the bound is neither broken nor vacuous.
        Assert.InRange(within, 0.99, 0.9999);
        Assert.True(Math.Abs(meanError) < 0.1 * meanBound, $"mean error {meanError:G3} against a mean bound of {meanBound:G3}");
    }

    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.InnerProduct)]
    public void Centroids_fitted_by_k_means_tighten_the_bound_of_one_centroid(Metric metric)
    {
        var one = new BitQuantizer(Dimension, metric, seed: 9);
        one.Train(Rows[..150].SelectMany(r => r).ToArray(), (_, _) => { }); // too few rows for two centroids: their mean
        var several = new BitQuantizer(Dimension, metric, seed: 9);
        several.Train(Rows.SelectMany(r => r).ToArray(), (_, _) => { });
        Assert.Equal(1, one.Centroids.Length / Dimension);

        var (oneWithin, _, oneBound) = Measure(one, metric);
        var (severalWithin, _, severalBound) = Measure(several, metric);

        Assert.InRange(oneWithin, 0.99, 0.9999);
        Assert.InRange(severalWithin, 0.99, 0.9999);
        Assert.True(severalBound < 0.9 * oneBound, $"mean bound {severalBound:G3} with 10 centroids against {oneBound:G3} with one");
    }

    /// <summary>Over every query and row: the share of exact distances within the bound, the mean error and the mean bound.</summary>
    private static (double Within, double MeanError, double MeanBound) Measure(BitQuantizer quantizer, Metric metric)
    {
        var records = new byte[Rows.Length][];
        var scratch = new float[quantizer.Padded];
        fixed (float* buffer = scratch)
        {
            for (var i = 0; i < Rows.Length; i++)
            {
                records[i] = new byte[quantizer.RecordBytes];
                fixed (float* row = Rows[i])
                fixed (byte* record = records[i])
                {
                    quantizer.Encode(row, record, buffer);
                }
            }

            var errors = new List<double>();
            var within = 0;
            var bounds = 0.0;
            foreach (var q in Queries)
            {
                fixed (float* query = q)
                {
                    var prepared = quantizer.PrepareQuery(query, buffer);
                    for (var i = 0; i < Rows.Length; i++)
                    {
                        fixed (byte* record = records[i])
                        {
                            var estimate = prepared.Estimate(record);
                            var exact = Distances.Compute(metric, Rows[i], q);
                            var bound = estimate - prepared.LowerBound(record, estimate);
                            errors.Add(estimate - exact);
                            bounds += bound;
                            within += Math.Abs(estimate - exact) <= bound ? 1 : 0;
                        }
                    }
                }
            }

            return (within / (double)errors.Count, errors.Average(), bounds / errors.Count);
        }
    }

    private static float[] Rotate(RandomRotation rotation, float[] vector)
    {
        var output = new float[rotation.Padded];
        fixed (float* source = vector, destination = output)
        {
            rotation.Rotate(source, destination);
        }

        return output;
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();
}
