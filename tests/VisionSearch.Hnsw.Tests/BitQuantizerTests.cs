using VisionSearch.Hnsw.Graph;
using VisionSearch.Testing;

namespace VisionSearch.Hnsw.Tests;

public sealed unsafe class BitQuantizerTests
{
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
        const int Dimension = 512;
        var all = TestVectors.Clustered(1100, Dimension, seed: 21, clusters: 20);
        var (rows, queries) = (all[..1000], all[1000..]);
        var quantizer = new BitQuantizer(Dimension, metric, seed: 9);
        quantizer.Train(rows.SelectMany(r => r).ToArray(), (_, _) => { });
        var records = new byte[rows.Length][];
        var scratch = new float[quantizer.Padded];
        fixed (float* buffer = scratch)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                records[i] = new byte[quantizer.RecordBytes];
                fixed (float* row = rows[i])
                fixed (byte* record = records[i])
                {
                    quantizer.Encode(row, record, buffer);
                }
            }

            var errors = new List<double>();
            var within = 0;
            var bounds = 0.0;
            foreach (var q in queries)
            {
                fixed (float* query = q)
                {
                    var prepared = quantizer.PrepareQuery(query, buffer);
                    for (var i = 0; i < rows.Length; i++)
                    {
                        fixed (byte* record = records[i])
                        {
                            var estimate = prepared.Estimate(record);
                            var exact = Distances.Compute(metric, rows[i], q);
                            var bound = estimate - prepared.LowerBound(record, estimate);
                            errors.Add(estimate - exact);
                            bounds += bound;
                            within += Math.Abs(estimate - exact) <= bound ? 1 : 0;
                        }
                    }
                }
            }

            var meanBound = bounds / errors.Count;
            // Three standard errors of a near-normal error: 99.7 % within, so the bound is neither broken nor vacuous.
            Assert.InRange(within / (double)errors.Count, 0.99, 0.9999);
            Assert.True(Math.Abs(errors.Average()) < 0.1 * meanBound, $"mean error {errors.Average():G3} against a mean bound of {meanBound:G3}");
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
