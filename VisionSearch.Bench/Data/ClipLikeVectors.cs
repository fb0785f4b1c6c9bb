namespace VisionSearch.Bench.Data;

/// <summary>The knobs of <see cref="ClipLikeVectors"/>; the defaults are the peer benchmark's data set.</summary>
internal sealed record ClipLikeParameters
{
    public int Dimension { get; init; } = 512;
    public int Clusters { get; init; } = 1000;
    public int SuperClusters { get; init; } = 50;
    public int Rank { get; init; } = 32;
    public ulong Seed { get; init; } = 42;

    /// <summary>Decay of the global spectrum λᵢ = (i + 1)^-γ that shapes every random direction.</summary>
    public double Gamma { get; init; } = 0.5;

    /// <summary>Weight of the shared mean direction (the "cone axis" of CLIP embeddings) in a cluster centre.</summary>
    public double ConeWeight { get; init; } = 1.4;

    public double SuperWeight { get; init; } = 0.6;
    public double ClusterWeight { get; init; } = 0.8;

    /// <summary>Spread of a point inside its cluster's low-rank subspace.</summary>
    public double Sigma { get; init; } = 0.6;

    /// <summary>Full-rank (anisotropic) noise.</summary>
    public double Tau { get; init; } = 0.5;

    /// <summary>σ of the log-normal cluster popularity.</summary>
    public double PopularitySigma { get; init; } = 1.0;

    /// <summary>Scale of the full-rank noise of queries: above 1, queries fall outside the base's distribution.</summary>
    public double QueryNoise { get; init; } = 1.0;
}

/// <summary>
/// Synthetic CLIP-like embeddings, the model of the peer benchmark's generator (<c>gen.c</c>) ported step for step:
/// a permuted power-law spectrum shapes every random direction; one cone axis; super-clusters and clusters, each
/// cluster with a random rank-R subspace, decaying scales and its own spread; log-normal cluster popularity;
/// points are a centre plus subspace spread plus anisotropic noise, L2-normalised. Queries are fresh draws from
/// the same mixture (with their noise scaled by <see cref="ClipLikeParameters.QueryNoise"/>), never base rows.
/// </summary>
internal sealed class ClipLikeVectors
{
    private readonly ClipLikeParameters _p;
    private readonly double[] _spectrum;
    private readonly double[] _centres;
    private readonly float[] _subspaces;
    private readonly double[] _scales;
    private readonly double[] _clusterSigma;
    private readonly double[] _popularity;

    public ClipLikeVectors(ClipLikeParameters p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p.Dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(p.Clusters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(p.SuperClusters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(p.Rank, 1);
        _p = p;
        int d = p.Dimension, c = p.Clusters, s = p.SuperClusters, r = p.Rank;
        var rng = new Xoshiro(p.Seed);

        _spectrum = new double[d];
        for (var i = 0; i < d; i++)
        {
            _spectrum[i] = Math.Pow(i + 1.0, -p.Gamma);
        }

        for (var i = d - 1; i > 0; i--)
        {
            var j = (int)(rng.Next() % (ulong)(i + 1));
            (_spectrum[i], _spectrum[j]) = (_spectrum[j], _spectrum[i]);
        }

        var cone = new double[d];
        for (var i = 0; i < d; i++)
        {
            cone[i] = rng.Gaussian();
        }

        Unit(cone);
        var supers = new double[d * s];
        for (var j = 0; j < s; j++)
        {
            AnisotropicDirection(ref rng, supers.AsSpan(j * d, d));
        }

        _centres = new double[(long)d * c];
        _subspaces = new float[(long)c * r * d];
        _clusterSigma = new double[c];
        _popularity = new double[c];
        _scales = new double[r];
        double squares = 0;
        for (var j = 0; j < r; j++)
        {
            _scales[j] = Math.Pow(j + 1.0, -0.5);
            squares += _scales[j] * _scales[j];
        }

        for (var j = 0; j < r; j++)
        {
            _scales[j] /= Math.Sqrt(squares); // E|U ν z|² = 1
        }

        var direction = new double[d];
        double total = 0;
        for (var k = 0; k < c; k++)
        {
            var super = (int)(rng.Next() % (ulong)s);
            AnisotropicDirection(ref rng, direction);
            var centre = _centres.AsSpan(k * d, d);
            for (var i = 0; i < d; i++)
            {
                centre[i] = (p.ConeWeight * cone[i]) + (p.SuperWeight * supers[(super * d) + i]) + (p.ClusterWeight * direction[i]);
            }

            Unit(centre);
            for (var j = 0; j < r; j++)
            {
                AnisotropicDirection(ref rng, direction);
                var u = _subspaces.AsSpan(((k * r) + j) * d, d);
                for (var i = 0; i < d; i++)
                {
                    u[i] = (float)direction[i];
                }
            }

            _clusterSigma[k] = p.Sigma * Math.Exp(0.25 * rng.Gaussian());
            total += Math.Exp(p.PopularitySigma * rng.Gaussian());
            _popularity[k] = total;
        }

        for (var k = 0; k < c; k++)
        {
            _popularity[k] /= total;
        }
    }

    /// <summary>The base set's seed, as the C generator derives it from the model's seed.</summary>
    public ulong BaseSeed => (_p.Seed * 1000003UL) + 1;

    /// <summary>The query set's seed.</summary>
    public ulong QuerySeed => (_p.Seed * 1000003UL) + 2;

    /// <summary>Writes <paramref name="count"/> unit vectors drawn with <paramref name="seed"/>; counts each cluster's draws into <paramref name="clusterSizes"/> when given.</summary>
    public void Write(Stream output, long count, ulong seed, double noiseScale, int[]? clusterSizes = null, IProgress<long>? progress = null)
    {
        int d = _p.Dimension, r = _p.Rank;
        var rng = new Xoshiro(seed);
        var x = new double[d];
        double spectrumNorm = 0;
        foreach (var l in _spectrum)
        {
            spectrumNorm += l * l;
        }

        var noise = _p.Tau * noiseScale / Math.Sqrt(spectrumNorm); // E|noise|² = τ²
        using var writer = new FvecsWriter(output, d);
        for (long n = 0; n < count; n++)
        {
            var k = PickCluster(ref rng);
            if (clusterSizes is not null)
            {
                clusterSizes[k]++;
            }

            var centre = _centres.AsSpan(k * d, d);
            for (var i = 0; i < d; i++)
            {
                x[i] = centre[i] + (noise * _spectrum[i] * rng.Gaussian());
            }

            var sigma = _clusterSigma[k];
            for (var j = 0; j < r; j++)
            {
                var a = sigma * _scales[j] * rng.Gaussian();
                var u = _subspaces.AsSpan(((k * r) + j) * d, d);
                for (var i = 0; i < d; i++)
                {
                    x[i] += a * u[i];
                }
            }

            Unit(x);
            writer.Write(x);
            if ((n & 0x3FFF) == 0x3FFF)
            {
                progress?.Report(n + 1);
            }
        }

        progress?.Report(count);
    }

    private int PickCluster(ref Xoshiro rng)
    {
        var u = rng.Uniform();
        int lo = 0, hi = _p.Clusters - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_popularity[mid] < u)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private void AnisotropicDirection(ref Xoshiro rng, Span<double> v)
    {
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = rng.Gaussian() * _spectrum[i];
        }

        Unit(v);
    }

    private static void Unit(Span<double> v)
    {
        double s = 0;
        foreach (var x in v)
        {
            s += x * x;
        }

        s = 1.0 / Math.Sqrt(s);
        for (var i = 0; i < v.Length; i++)
        {
            v[i] *= s;
        }
    }
}
