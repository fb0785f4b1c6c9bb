using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// The inner loops of every distance: float·float and float·uint8 dot products and squared distances,
/// in Vector512, then Vector256, then scalar tiers, with four accumulators so that the FMA latency
/// overlaps the loads. Pointers, not spans: the callers have already bounded the lengths.
/// </summary>
[SkipLocalsInit]
internal static unsafe class VectorKernels
{
    public static float Dot(float* a, float* b, int n)
    {
        var i = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
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

            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
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

            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }

        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    public static float SquaredDistance(float* a, float* b, int n)
    {
        var i = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
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

            sum = Vector512.Sum(s0 + s1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
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

            sum = Vector256.Sum(s0 + s1);
        }

        for (; i < n; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Σ w[i]·codes[i]: the code-dependent part of a dot product against int8 codes.</summary>
    public static float DotCodes(float* w, byte* codes, int n)
    {
        var i = 0;
        var sum = 0f;
        if (Avx512F.IsSupported && n >= 16)
        {
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

            sum = Vector512.Sum(s0 + s1);
        }
        else if (Avx2.IsSupported && n >= 8)
        {
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

            sum = Vector256.Sum(s0 + s1);
        }

        for (; i < n; i++)
        {
            sum += w[i] * codes[i];
        }

        return sum;
    }

    /// <summary>Σ (q[i] − s[i]·codes[i])²: a squared distance against int8 codes, with q already shifted by the range minimum.</summary>
    public static float SquaredDistanceCodes(float* q, float* s, byte* codes, int n)
    {
        var i = 0;
        var sum = 0f;
        if (Avx512F.IsSupported && n >= 16)
        {
            Vector512<float> s0 = default;
            for (; i <= n - 16; i += 16)
            {
                var d = Vector512.Load(q + i) - (Vector512.Load(s + i) * Widen512(codes + i));
                s0 = Vector512.MultiplyAddEstimate(d, d, s0);
            }

            sum = Vector512.Sum(s0);
        }
        else if (Avx2.IsSupported && n >= 8)
        {
            Vector256<float> s0 = default;
            for (; i <= n - 8; i += 8)
            {
                var d = Vector256.Load(q + i) - (Vector256.Load(s + i) * Widen256(codes + i));
                s0 = Vector256.MultiplyAddEstimate(d, d, s0);
            }

            sum = Vector256.Sum(s0);
        }

        for (; i < n; i++)
        {
            var d = q[i] - (s[i] * codes[i]);
            sum += d * d;
        }

        return sum;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen512(byte* codes) =>
        Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(codes)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen256(byte* codes) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(codes));
}
