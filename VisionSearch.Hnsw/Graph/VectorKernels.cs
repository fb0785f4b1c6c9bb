using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// The inner loops of every distance: float·float and float·uint8 dot products and squared distances, in a
/// Vector512, Vector256 or Vector128 tier (the widest the machine accelerates; Vector128 is ARM64's AdvSimd and
/// any x64's SSE), each with several accumulators so that the FMA latency overlaps the loads, and a scalar tail.
/// On the 64-byte-aligned vectors the index keeps, 0.6–0.87× TensorPrimitives' time at 128 to 768 dimensions
/// (<c>benchmarks/</c>, README Performance). Pointers, not spans: the callers have already bounded the lengths. Each
/// tier is callable on its own, so tests check every one.
/// </summary>
[SkipLocalsInit]
internal static unsafe class VectorKernels
{
    public static float Dot(float* a, float* b, int n) =>
        Vector512.IsHardwareAccelerated && n >= 16 ? Dot512(a, b, n)
        : Vector256.IsHardwareAccelerated && n >= 8 ? Dot256(a, b, n)
        : Vector128.IsHardwareAccelerated && n >= 4 ? Dot128(a, b, n)
        : DotTail(a, b, 0, n, 0f);

    public static float SquaredDistance(float* a, float* b, int n) =>
        Vector512.IsHardwareAccelerated && n >= 16 ? SquaredDistance512(a, b, n)
        : Vector256.IsHardwareAccelerated && n >= 8 ? SquaredDistance256(a, b, n)
        : Vector128.IsHardwareAccelerated && n >= 4 ? SquaredDistance128(a, b, n)
        : SquaredDistanceTail(a, b, 0, n, 0f);

    /// <summary>Σ w[i]·codes[i]: the code-dependent part of a dot product against int8 codes.</summary>
    public static float DotCodes(float* w, byte* codes, int n) =>
        Avx512F.IsSupported && n >= 16 ? DotCodes512(w, codes, n)
        : Avx2.IsSupported && n >= 8 ? DotCodes256(w, codes, n)
        : Vector128.IsHardwareAccelerated && n >= 16 ? DotCodes128(w, codes, n)
        : DotCodesTail(w, codes, 0, n, 0f);

    /// <summary>Σ (q[i] − s[i]·codes[i])²: a squared distance against int8 codes, with q already shifted by the range minimum.</summary>
    public static float SquaredDistanceCodes(float* q, float* s, byte* codes, int n) =>
        Avx512F.IsSupported && n >= 16 ? SquaredDistanceCodes512(q, s, codes, n)
        : Avx2.IsSupported && n >= 8 ? SquaredDistanceCodes256(q, s, codes, n)
        : Vector128.IsHardwareAccelerated && n >= 16 ? SquaredDistanceCodes128(q, s, codes, n)
        : SquaredDistanceCodesTail(q, s, codes, 0, n, 0f);

    internal static float Dot512(float* a, float* b, int n)
    {
        var i = 0;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i <= n - 64; i += 64)
        {
            s0 = Vector512.MultiplyAddEstimate(Vector512.Load(a + i), Vector512.Load(b + i), s0);
            s1 = Vector512.MultiplyAddEstimate(Vector512.Load(a + i + 16), Vector512.Load(b + i + 16), s1);
            s2 = Vector512.MultiplyAddEstimate(Vector512.Load(a + i + 32), Vector512.Load(b + i + 32), s2);
            s3 = Vector512.MultiplyAddEstimate(Vector512.Load(a + i + 48), Vector512.Load(b + i + 48), s3);
        }

        for (; i <= n - 16; i += 16)
        {
            s0 = Vector512.MultiplyAddEstimate(Vector512.Load(a + i), Vector512.Load(b + i), s0);
        }

        return DotTail(a, b, i, n, Vector512.Sum((s0 + s1) + (s2 + s3)));
    }

    internal static float Dot256(float* a, float* b, int n)
    {
        var i = 0;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i <= n - 32; i += 32)
        {
            s0 = Vector256.MultiplyAddEstimate(Vector256.Load(a + i), Vector256.Load(b + i), s0);
            s1 = Vector256.MultiplyAddEstimate(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), s1);
            s2 = Vector256.MultiplyAddEstimate(Vector256.Load(a + i + 16), Vector256.Load(b + i + 16), s2);
            s3 = Vector256.MultiplyAddEstimate(Vector256.Load(a + i + 24), Vector256.Load(b + i + 24), s3);
        }

        for (; i <= n - 8; i += 8)
        {
            s0 = Vector256.MultiplyAddEstimate(Vector256.Load(a + i), Vector256.Load(b + i), s0);
        }

        return DotTail(a, b, i, n, Vector256.Sum((s0 + s1) + (s2 + s3)));
    }

    internal static float Dot128(float* a, float* b, int n)
    {
        var i = 0;
        Vector128<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i <= n - 16; i += 16)
        {
            s0 = Vector128.MultiplyAddEstimate(Vector128.Load(a + i), Vector128.Load(b + i), s0);
            s1 = Vector128.MultiplyAddEstimate(Vector128.Load(a + i + 4), Vector128.Load(b + i + 4), s1);
            s2 = Vector128.MultiplyAddEstimate(Vector128.Load(a + i + 8), Vector128.Load(b + i + 8), s2);
            s3 = Vector128.MultiplyAddEstimate(Vector128.Load(a + i + 12), Vector128.Load(b + i + 12), s3);
        }

        for (; i <= n - 4; i += 4)
        {
            s0 = Vector128.MultiplyAddEstimate(Vector128.Load(a + i), Vector128.Load(b + i), s0);
        }

        return DotTail(a, b, i, n, Vector128.Sum((s0 + s1) + (s2 + s3)));
    }

    internal static float SquaredDistance512(float* a, float* b, int n)
    {
        var i = 0;
        Vector512<float> s0 = default, s1 = default;
        for (; i <= n - 32; i += 32)
        {
            var d0 = Vector512.Load(a + i) - Vector512.Load(b + i);
            var d1 = Vector512.Load(a + i + 16) - Vector512.Load(b + i + 16);
            s0 = Vector512.MultiplyAddEstimate(d0, d0, s0);
            s1 = Vector512.MultiplyAddEstimate(d1, d1, s1);
        }

        for (; i <= n - 16; i += 16)
        {
            var d = Vector512.Load(a + i) - Vector512.Load(b + i);
            s0 = Vector512.MultiplyAddEstimate(d, d, s0);
        }

        return SquaredDistanceTail(a, b, i, n, Vector512.Sum(s0 + s1));
    }

    internal static float SquaredDistance256(float* a, float* b, int n)
    {
        var i = 0;
        Vector256<float> s0 = default, s1 = default;
        for (; i <= n - 16; i += 16)
        {
            var d0 = Vector256.Load(a + i) - Vector256.Load(b + i);
            var d1 = Vector256.Load(a + i + 8) - Vector256.Load(b + i + 8);
            s0 = Vector256.MultiplyAddEstimate(d0, d0, s0);
            s1 = Vector256.MultiplyAddEstimate(d1, d1, s1);
        }

        for (; i <= n - 8; i += 8)
        {
            var d = Vector256.Load(a + i) - Vector256.Load(b + i);
            s0 = Vector256.MultiplyAddEstimate(d, d, s0);
        }

        return SquaredDistanceTail(a, b, i, n, Vector256.Sum(s0 + s1));
    }

    internal static float SquaredDistance128(float* a, float* b, int n)
    {
        var i = 0;
        Vector128<float> s0 = default, s1 = default;
        for (; i <= n - 8; i += 8)
        {
            var d0 = Vector128.Load(a + i) - Vector128.Load(b + i);
            var d1 = Vector128.Load(a + i + 4) - Vector128.Load(b + i + 4);
            s0 = Vector128.MultiplyAddEstimate(d0, d0, s0);
            s1 = Vector128.MultiplyAddEstimate(d1, d1, s1);
        }

        for (; i <= n - 4; i += 4)
        {
            var d = Vector128.Load(a + i) - Vector128.Load(b + i);
            s0 = Vector128.MultiplyAddEstimate(d, d, s0);
        }

        return SquaredDistanceTail(a, b, i, n, Vector128.Sum(s0 + s1));
    }

    internal static float DotCodes512(float* w, byte* codes, int n)
    {
        var i = 0;
        Vector512<float> s0 = default, s1 = default;
        for (; i <= n - 32; i += 32)
        {
            s0 = Vector512.MultiplyAddEstimate(Vector512.Load(w + i), Widen512(codes + i), s0);
            s1 = Vector512.MultiplyAddEstimate(Vector512.Load(w + i + 16), Widen512(codes + i + 16), s1);
        }

        for (; i <= n - 16; i += 16)
        {
            s0 = Vector512.MultiplyAddEstimate(Vector512.Load(w + i), Widen512(codes + i), s0);
        }

        return DotCodesTail(w, codes, i, n, Vector512.Sum(s0 + s1));
    }

    internal static float DotCodes256(float* w, byte* codes, int n)
    {
        var i = 0;
        Vector256<float> s0 = default, s1 = default;
        for (; i <= n - 16; i += 16)
        {
            s0 = Vector256.MultiplyAddEstimate(Vector256.Load(w + i), Widen256(codes + i), s0);
            s1 = Vector256.MultiplyAddEstimate(Vector256.Load(w + i + 8), Widen256(codes + i + 8), s1);
        }

        for (; i <= n - 8; i += 8)
        {
            s0 = Vector256.MultiplyAddEstimate(Vector256.Load(w + i), Widen256(codes + i), s0);
        }

        return DotCodesTail(w, codes, i, n, Vector256.Sum(s0 + s1));
    }

    /// <summary>Sixteen codes per step: one 128-bit load widened to four vectors of four floats.</summary>
    internal static float DotCodes128(float* w, byte* codes, int n)
    {
        var i = 0;
        Vector128<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i <= n - 16; i += 16)
        {
            var (c0, c1, c2, c3) = Widen128(codes + i);
            s0 = Vector128.MultiplyAddEstimate(Vector128.Load(w + i), c0, s0);
            s1 = Vector128.MultiplyAddEstimate(Vector128.Load(w + i + 4), c1, s1);
            s2 = Vector128.MultiplyAddEstimate(Vector128.Load(w + i + 8), c2, s2);
            s3 = Vector128.MultiplyAddEstimate(Vector128.Load(w + i + 12), c3, s3);
        }

        return DotCodesTail(w, codes, i, n, Vector128.Sum((s0 + s1) + (s2 + s3)));
    }

    internal static float SquaredDistanceCodes512(float* q, float* s, byte* codes, int n)
    {
        var i = 0;
        Vector512<float> s0 = default;
        for (; i <= n - 16; i += 16)
        {
            var d = Vector512.Load(q + i) - (Vector512.Load(s + i) * Widen512(codes + i));
            s0 = Vector512.MultiplyAddEstimate(d, d, s0);
        }

        return SquaredDistanceCodesTail(q, s, codes, i, n, Vector512.Sum(s0));
    }

    internal static float SquaredDistanceCodes256(float* q, float* s, byte* codes, int n)
    {
        var i = 0;
        Vector256<float> s0 = default;
        for (; i <= n - 8; i += 8)
        {
            var d = Vector256.Load(q + i) - (Vector256.Load(s + i) * Widen256(codes + i));
            s0 = Vector256.MultiplyAddEstimate(d, d, s0);
        }

        return SquaredDistanceCodesTail(q, s, codes, i, n, Vector256.Sum(s0));
    }

    internal static float SquaredDistanceCodes128(float* q, float* s, byte* codes, int n)
    {
        var i = 0;
        Vector128<float> s0 = default, s1 = default;
        for (; i <= n - 16; i += 16)
        {
            var (c0, c1, c2, c3) = Widen128(codes + i);
            var d0 = Vector128.Load(q + i) - (Vector128.Load(s + i) * c0);
            var d1 = Vector128.Load(q + i + 4) - (Vector128.Load(s + i + 4) * c1);
            var d2 = Vector128.Load(q + i + 8) - (Vector128.Load(s + i + 8) * c2);
            var d3 = Vector128.Load(q + i + 12) - (Vector128.Load(s + i + 12) * c3);
            s0 = Vector128.MultiplyAddEstimate(d0, d0, s0);
            s1 = Vector128.MultiplyAddEstimate(d1, d1, s1);
            s0 = Vector128.MultiplyAddEstimate(d2, d2, s0);
            s1 = Vector128.MultiplyAddEstimate(d3, d3, s1);
        }

        return SquaredDistanceCodesTail(q, s, codes, i, n, Vector128.Sum(s0 + s1));
    }

    /// <summary>Prefetches the first cache lines of a record into L1; the hardware prefetcher streams the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(void* address)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(address);
        }
    }

    private static float DotTail(float* a, float* b, int i, int n, float sum)
    {
        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static float SquaredDistanceTail(float* a, float* b, int i, int n, float sum)
    {
        for (; i < n; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }

        return sum;
    }

    private static float DotCodesTail(float* w, byte* codes, int i, int n, float sum)
    {
        for (; i < n; i++)
        {
            sum += w[i] * codes[i];
        }

        return sum;
    }

    private static float SquaredDistanceCodesTail(float* q, float* s, byte* codes, int i, int n, float sum)
    {
        for (; i < n; i++)
        {
            var d = q[i] - (s[i] * codes[i]);
            sum += d * d;
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen512(byte* codes) =>
        Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(codes)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen256(byte* codes) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(codes));

    /// <summary>Sixteen bytes as four vectors of four floats, with the portable widenings (AdvSimd's on ARM64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float>, Vector128<float>, Vector128<float>, Vector128<float>) Widen128(byte* codes)
    {
        var (low, high) = Vector128.Widen(Vector128.Load(codes));
        var (c0, c1) = Vector128.Widen(low);
        var (c2, c3) = Vector128.Widen(high);
        return (Vector128.ConvertToSingle(c0), Vector128.ConvertToSingle(c1), Vector128.ConvertToSingle(c2), Vector128.ConvertToSingle(c3));
    }
}
