using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using VisionSearch.Hnsw.Graph;

namespace VisionSearch.Benchmarks;

/// <summary>
/// One distance between two vectors, the operation an HNSW search repeats thousands of times per query:
/// TensorPrimitives (the baseline) against the index's own kernels, dispatched and tier by tier, at CLIP's 512
/// dimensions and beside them. In process, on 64-byte-aligned memory as the index's, so the numbers are the loops' alone.
/// </summary>
[MemoryDiagnoser]
[InProcess]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class DistanceKernels
{
    private float* _a;
    private float* _b;

    [Params(128, 512, 768)]
    public int Dimension { get; set; }

    private ReadOnlySpan<float> A => new(_a, Dimension);

    private ReadOnlySpan<float> B => new(_b, Dimension);

    /// <summary>Two vectors on 64-byte lines, as the index keeps its records and its query buffers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = (float*)NativeMemory.AlignedAlloc((nuint)(Dimension * sizeof(float)), 64);
        _b = (float*)NativeMemory.AlignedAlloc((nuint)(Dimension * sizeof(float)), 64);
        for (var i = 0; i < Dimension; i++)
        {
            _a[i] = random.NextSingle() - 0.5f;
            _b[i] = random.NextSingle() - 0.5f;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("dot")]
    public float TensorPrimitivesDot() => TensorPrimitives.Dot(A, B);

    [Benchmark]
    [BenchmarkCategory("dot")]
    public float KernelDot() => VectorKernels.Dot(_a, _b, Dimension);

    [Benchmark]
    [BenchmarkCategory("dot")]
    public float KernelDot256() => VectorKernels.Dot256(_a, _b, Dimension);

    [Benchmark]
    [BenchmarkCategory("dot")]
    public float KernelDot128() => VectorKernels.Dot128(_a, _b, Dimension);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("l2")]
    public float TensorPrimitivesSquaredDistance()
    {
        var distance = TensorPrimitives.Distance(A, B);
        return distance * distance;
    }

    [Benchmark]
    [BenchmarkCategory("l2")]
    public float KernelSquaredDistance() => VectorKernels.SquaredDistance(_a, _b, Dimension);

    [Benchmark]
    [BenchmarkCategory("l2")]
    public float KernelSquaredDistance256() => VectorKernels.SquaredDistance256(_a, _b, Dimension);

    [Benchmark]
    [BenchmarkCategory("l2")]
    public float KernelSquaredDistance128() => VectorKernels.SquaredDistance128(_a, _b, Dimension);
}
