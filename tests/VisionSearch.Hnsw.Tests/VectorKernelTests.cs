using System.Runtime.Intrinsics.X86;
using VisionSearch.Hnsw.Graph;

namespace VisionSearch.Hnsw.Tests;

/// <summary>
/// Every tier of every kernel against a double-precision sum, at lengths that leave each tier's unrolled loop, its
/// single-vector loop and its scalar tail something to do. A tier the machine runs only in software (Vector512 without
/// AVX-512) is still exact, so the float tiers are all checked everywhere; the int8 tiers use x86 widenings and are
/// checked where those exist. The Vector128 tier is what ARM64 runs: here it proves its arithmetic.
/// </summary>
public sealed unsafe class VectorKernelTests
{
    private static readonly int[] Lengths = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 512, 515, 768];

    private delegate float Pair(float* a, float* b, int n);

    private delegate float Codes(float* w, byte* codes, int n);

    private delegate float ScaledCodes(float* q, float* s, byte* codes, int n);

    [Fact]
    public void Every_float_tier_equals_the_exact_dot_product_and_squared_distance()
    {
        var tiers = new (string Name, Pair Dot, Pair Squared)[]
        {
            ("dispatch", VectorKernels.Dot, VectorKernels.SquaredDistance),
            ("512", VectorKernels.Dot512, VectorKernels.SquaredDistance512),
            ("256", VectorKernels.Dot256, VectorKernels.SquaredDistance256),
            ("128", VectorKernels.Dot128, VectorKernels.SquaredDistance128),
        };
        var random = new Random(7);
        foreach (var n in Lengths)
        {
            var a = Values(random, n, -1, 1);
            var b = Values(random, n, -1, 1);
            var dot = Enumerable.Range(0, n).Sum(i => (double)a[i] * b[i]);
            var squared = Enumerable.Range(0, n).Sum(i => ((double)a[i] - b[i]) * ((double)a[i] - b[i]));
            fixed (float* pa = a, pb = b)
            {
                foreach (var (name, dotOf, squaredOf) in tiers)
                {
                    AssertClose(dot, dotOf(pa, pb, n), $"Dot {name}, n={n}");
                    AssertClose(squared, squaredOf(pa, pb, n), $"SquaredDistance {name}, n={n}");
                }
            }
        }
    }

    [Fact]
    public void Every_int8_tier_the_machine_runs_equals_the_exact_sums()
    {
        var tiers = new List<(string Name, Codes Dot, ScaledCodes Squared)>
        {
            ("dispatch", VectorKernels.DotCodes, VectorKernels.SquaredDistanceCodes),
            ("128", VectorKernels.DotCodes128, VectorKernels.SquaredDistanceCodes128),
        };
        if (Avx512F.IsSupported)
        {
            tiers.Add(("512", VectorKernels.DotCodes512, VectorKernels.SquaredDistanceCodes512));
        }

        if (Avx2.IsSupported)
        {
            tiers.Add(("256", VectorKernels.DotCodes256, VectorKernels.SquaredDistanceCodes256));
        }

        var random = new Random(11);
        foreach (var n in Lengths)
        {
            var w = Values(random, n, -1, 1);
            var q = Values(random, n, 0, 255);
            var s = Values(random, n, 0, 1);
            var codes = new byte[n];
            random.NextBytes(codes); // every byte value, 0 to 255: the widening must not sign-extend
            var dot = Enumerable.Range(0, n).Sum(i => (double)w[i] * codes[i]);
            var squared = Enumerable.Range(0, n).Sum(i => Math.Pow(q[i] - ((double)s[i] * codes[i]), 2));
            fixed (float* pw = w, pq = q, ps = s)
            fixed (byte* pc = codes)
            {
                foreach (var (name, dotOf, squaredOf) in tiers)
                {
                    AssertClose(dot, dotOf(pw, pc, n), $"DotCodes {name}, n={n}");
                    AssertClose(squared, squaredOf(pq, ps, pc, n), $"SquaredDistanceCodes {name}, n={n}");
                }
            }
        }
    }

    private static float[] Values(Random random, int n, float min, float max) =>
        [.. Enumerable.Range(0, n).Select(_ => min + ((max - min) * random.NextSingle()))];

    /// <summary>Float sums in another order than the exact one: equal to a few units in the last place of the terms' size.</summary>
    private static void AssertClose(double expected, float actual, string what)
    {
        var tolerance = 1e-5 * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: {actual}, expected {expected}");
    }
}
