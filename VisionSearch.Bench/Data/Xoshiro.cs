using System.Numerics;

namespace VisionSearch.Bench.Data;

/// <summary>
/// xoshiro256** seeded by splitmix64, with Box-Muller normals that keep their spare: the generator of the peer
/// benchmark's C tools, step for step, so a seed means the same stream here as there.
/// </summary>
internal struct Xoshiro
{
    private ulong _s0, _s1, _s2, _s3;
    private bool _hasSpare;
    private double _spare;

    public Xoshiro(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    public ulong Next()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in (0, 1): the top 53 bits, centred in their interval.</summary>
    public double Uniform() => ((Next() >> 11) + 0.5) * (1.0 / 9007199254740992.0);

    public double Gaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        double u = Uniform(), v = Uniform();
        double radius = Math.Sqrt(-2.0 * Math.Log(u)), angle = 6.283185307179586 * v;
        _spare = radius * Math.Sin(angle);
        _hasSpare = true;
        return radius * Math.Cos(angle);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
