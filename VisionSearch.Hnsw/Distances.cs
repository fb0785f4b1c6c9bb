using System.Numerics.Tensors;
using VisionSearch.Hnsw.Graph;

namespace VisionSearch.Hnsw;

/// <summary>Distance functions and the conversion between distances and user-facing scores.</summary>
public static class Distances
{
    /// <summary>The distance between two vectors of equal length under <paramref name="metric"/> (see <see cref="Neighbor.Distance"/>).</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static unsafe float Compute(Metric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"The vectors have {a.Length} and {b.Length} dimensions.", nameof(b));
        }

        fixed (float* pa = a, pb = b)
        {
            return Compute(metric, pa, pb, a.Length);
        }
    }

    /// <summary>
    /// The same on <paramref name="n"/> floats at each pointer: the index's own kernels, which the benchmarks in
    /// <c>benchmarks/</c> measured faster than TensorPrimitives at CLIP's lengths.
    /// </summary>
    internal static unsafe float Compute(Metric metric, float* a, float* b, int n) =>
        metric == Metric.L2 ? VectorKernels.SquaredDistance(a, b, n) : 1f - VectorKernels.Dot(a, b, n);

    /// <summary>
    /// The score shown to users: similarity (cosine or inner product, larger is closer) for the dot-product
    /// metrics, and the squared distance (smaller is closer) for <see cref="Metric.L2"/>.
    /// </summary>
    public static float ToScore(Metric metric, float distance) => metric == Metric.L2 ? distance : 1f - distance;

    /// <summary>Checks a vector for the index: the expected length and only finite values.</summary>
    /// <exception cref="ArgumentException">The length differs from <paramref name="dimension"/>, or a value is NaN or infinite.</exception>
    public static void Validate(ReadOnlySpan<float> vector, int dimension, string paramName)
    {
        if (vector.Length != dimension)
        {
            throw new ArgumentException($"Vector has {vector.Length} dimensions; the index has {dimension}.", paramName);
        }

        for (var i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                throw new ArgumentException($"Vector value at position {i} is {vector[i]}; only finite values are allowed.", paramName);
            }
        }
    }

    /// <summary>
    /// Everything an index of <paramref name="metric"/> checks before it takes a vector or a query, without
    /// preparing it: <see cref="Validate(ReadOnlySpan{float}, int, string)"/>, and a non-zero length under cosine.
    /// </summary>
    /// <exception cref="ArgumentException">The vector would be rejected by the index.</exception>
    public static void Validate(Metric metric, ReadOnlySpan<float> vector, int dimension, string paramName)
    {
        Validate(vector, dimension, paramName);
        if (metric == Metric.Cosine)
        {
            _ = CosineNorm(vector, paramName);
        }
    }

    /// <summary>Writes <paramref name="vector"/> into <paramref name="destination"/>, L2-normalised when the metric is cosine.</summary>
    /// <exception cref="ArgumentException">A cosine vector has zero length.</exception>
    public static void Prepare(Metric metric, ReadOnlySpan<float> vector, Span<float> destination, string paramName)
    {
        if (metric != Metric.Cosine)
        {
            vector.CopyTo(destination);
            return;
        }

        TensorPrimitives.Divide(vector, CosineNorm(vector, paramName), destination);
    }

    private static float CosineNorm(ReadOnlySpan<float> vector, string paramName)
    {
        var norm = TensorPrimitives.Norm(vector);
        return norm == 0f || !float.IsFinite(norm)
            ? throw new ArgumentException("A zero vector has no direction and cannot be compared by cosine.", paramName)
            : norm;
    }
}
