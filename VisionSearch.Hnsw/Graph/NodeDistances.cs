using System.Runtime.CompilerServices;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// The distance from one fixed vector to stored nodes. The graph code is generic over it, so the JIT
/// compiles one specialised search per space with the kernel inlined: no delegate, no switch per
/// comparison.
/// </summary>
internal unsafe interface INodeDistance<TSelf> where TSelf : struct, INodeDistance<TSelf>
{
    /// <summary>Measures from <paramref name="vector"/>; <paramref name="scratch"/> (one vector long) holds what quantised spaces precompute.</summary>
    static abstract TSelf From(VectorStore store, float* vector, float* scratch);

    float To(int node);

    /// <summary>
    /// The least the exact distance to <paramref name="node"/> can be, given its <paramref name="estimate"/> by <see cref="To"/>:
    /// the estimate itself where it is exact, else the estimate less three standard errors of the code's error.
    /// </summary>
    float LowerBound(int node, float estimate);
}

/// <summary>1 − dot over float32 vectors: cosine (normalised on insert) and inner product.</summary>
internal readonly unsafe struct FloatDot(NodePages vectors, float* query, int dimension) : INodeDistance<FloatDot>
{
    public static FloatDot From(VectorStore store, float* vector, float* scratch) => new(store.Walk, vector, store.Dimension);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float To(int node) => 1f - VectorKernels.Dot(query, (float*)vectors[node], dimension);

    public float LowerBound(int node, float estimate) => estimate;
}

/// <summary>Squared Euclidean distance over float32 vectors.</summary>
internal readonly unsafe struct FloatL2(NodePages vectors, float* query, int dimension) : INodeDistance<FloatL2>
{
    public static FloatL2 From(VectorStore store, float* vector, float* scratch) => new(store.Walk, vector, store.Dimension);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float To(int node) => VectorKernels.SquaredDistance(query, (float*)vectors[node], dimension);

    public float LowerBound(int node, float estimate) => estimate;
}

/// <summary>
/// 1 − dot against int8 codes: q·(min + scale·c) = q·min + (q∘scale)·c, so the query is folded with the
/// scales once and each comparison is one widening multiply-add pass over the codes.
/// </summary>
/// <remarks>
/// A value's rounding error is uniform within ±scale/2, so the estimate's error q·e has variance Σ qᵢ²·scaleᵢ²/12; its
/// slack is three standard errors (values clamped outside the fitted ranges can err more).
/// </remarks>
internal readonly unsafe struct CodeDot(NodePages codes, float* weights, float bias, int dimension, float slack) : INodeDistance<CodeDot>
{
    public static CodeDot From(VectorStore store, float* vector, float* scratch)
    {
        var quantizer = store.Quantizer!;
        var bias = 0f;
        var variance = 0f;
        for (var i = 0; i < store.Dimension; i++)
        {
            scratch[i] = vector[i] * quantizer.Scale[i];
            bias += vector[i] * quantizer.Min[i];
            variance += scratch[i] * scratch[i];
        }

        return new(store.Walk, scratch, bias, store.Dimension, ScalarQuantizer.ErrorConfidence * MathF.Sqrt(variance / 12f));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float To(int node) => 1f - (bias + VectorKernels.DotCodes(weights, codes[node], dimension));

    public float LowerBound(int node, float estimate) => estimate - slack;
}

/// <summary>Squared distance against int8 codes: Σ ((q − min) − scale·c)², with q − min computed once.</summary>
/// <remarks>
/// With the rounding error e, ‖q − x‖² = ‖q − x̂‖² − 2(q − x̂)·e + ‖e‖²: the last term only adds, and the middle one has
/// variance Σ 4(qᵢ − x̂ᵢ)²·scaleᵢ²/12 ≤ max(scale)²·estimate/3, so the slack is three of its standard errors.
/// </remarks>
internal readonly unsafe struct CodeL2(NodePages codes, float* shifted, float* scales, int dimension, float slackPerRoot) : INodeDistance<CodeL2>
{
    public static CodeL2 From(VectorStore store, float* vector, float* scratch)
    {
        var quantizer = store.Quantizer!;
        var largest = 0f;
        for (var i = 0; i < store.Dimension; i++)
        {
            scratch[i] = vector[i] - quantizer.Min[i];
            largest = MathF.Max(largest, quantizer.Scale[i]);
        }

        return new(store.Walk, scratch, quantizer.Scale, store.Dimension, ScalarQuantizer.ErrorConfidence * largest / MathF.Sqrt(3f));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float To(int node) => VectorKernels.SquaredDistanceCodes(shifted, scales, codes[node], dimension);

    public float LowerBound(int node, float estimate) => estimate - (slackPerRoot * MathF.Sqrt(MathF.Max(estimate, 0f)));
}

/// <summary>RaBitQ's estimate against one-bit codes, for every metric (<see cref="BitQuantizer"/>).</summary>
internal readonly unsafe struct BitEstimate(NodePages records, BitQuery query) : INodeDistance<BitEstimate>
{
    public static BitEstimate From(VectorStore store, float* vector, float* scratch) => new(store.Walk, store.Bits!.PrepareQuery(vector, scratch));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float To(int node) => query.Estimate(records[node]);

    public float LowerBound(int node, float estimate) => query.LowerBound(records[node], estimate);
}
