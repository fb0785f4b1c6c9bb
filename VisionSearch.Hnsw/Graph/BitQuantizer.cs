using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// RaBitQ (Gao and Long, SIGMOD 2024): each vector becomes one bit per (padded) dimension, the signs of its offset
/// from the nearest of up to <see cref="MaxCentroids"/> centroids after a random rotation, plus four floats; a query is
/// rotated the same way and quantised to four bits per dimension, so a distance estimate is 4·P/64 popcounts. The
/// estimate is unbiased and its standard error is known per vector, so the search re-ranks only candidates whose
/// estimate, less <see cref="ErrorConfidence"/> standard errors, can still enter the top k.
/// </summary>
/// <remarks>
/// With c the vector's centroid, r = o − c, ‖r‖ = n, u = Rr/n (unit) and x̄ its code (±1/√P per bit), 〈r, q − c〉 is
/// estimated by n·〈x̄, R(q − c)〉/〈x̄, u〉, so ‖o − q‖² ≈ n² + ‖q − c‖² − 2·n·(〈x̄, Rq〉 − 〈x̄, Rc〉)/〈x̄, u〉. The error
/// scales with n·‖q − c‖, which centroids fitted by k-means shrink (the paper's IVF centroids); as the rotation is
/// linear, the query is rotated and quantised once, 〈x̄, Rc〉 is folded into the vector's factors, and ‖q − c‖ is
/// looked up per centroid. 〈x̄, Rq〉 = (2·Σ bᵢyᵢ − Σ yᵢ)/√P for y = Rq, with Σ bᵢyᵢ ≈ Δ·Σ bᵢȳᵢ + lo·popcount(b) for
/// the query's codes ȳ = (y − lo)/Δ. The dot-product metrics use 1 − 〈o, q〉 = 1 − ‖q‖²/2 + (‖o − q‖² − ‖o‖²)/2.
/// </remarks>
internal sealed unsafe class BitQuantizer
{
    /// <summary>
    /// ε₀, in standard errors of the estimate: the error is close to normal, so three leave out 0.3 % of exact distances
    /// (the paper's 1.9 leaves out 6 %, measured, and a true neighbour beyond its bound is lost). On 100k CLIP-like
    /// vectors at ef 40, 3.6 re-ranked 39.5 candidates a query and 1.9 33.5.
    /// </summary>
    public const float ErrorConfidence = 3f;

    /// <summary>
    /// The most centroids. On 100k CLIP-like vectors (the peer benchmark's), 16 cut the mean error bound to 0.84× one
    /// centroid's and 64 to 0.81×, while each prepared query (and each neighbour the insert heuristic keeps) measures
    /// its distance to every centroid: 16 gave 1.22× and 1.27× one centroid's QPS at recall 0.95 and 0.99.
    /// </summary>
    public const int MaxCentroids = 16;

    /// <summary>Training rows per centroid: fewer and k-means fits noise.</summary>
    private const int RowsPerCentroid = 100;

    /// <summary>Rows k-means runs on (8 MB at 512-d), drawn evenly from those trained on.</summary>
    private const int KMeansRows = 4096;

    private const int KMeansRounds = 8;

    private const int FactorCount = 4;
    private const int QueryBits = 4;

    /// <summary>The low bits of the third factor hold the popcount (up to 65,536 code bits), the high ones the centroid.</summary>
    public const int PopcountBits = 17;

    private readonly Metric _metric;
    private readonly int _dimension;
    private float[] _centroids = [];
    private float[] _rotatedCentroids = [];
    private RandomRotation _rotation;
    private volatile bool _trained;

    public BitQuantizer(int dimension, Metric metric, int seed)
    {
        _metric = metric;
        _dimension = dimension;
        _rotation = new RandomRotation(dimension, seed);
    }

    /// <summary>The rotated length: the number of code bits.</summary>
    public int Padded => _rotation.Padded;

    /// <summary>64-bit words of code per vector.</summary>
    public int Words => Padded / 64;

    /// <summary>Bytes per node: the code bits, then four factors: two floats, the popcount and centroid packed in 32 bits, and the error factor.</summary>
    public int RecordBytes => (Padded / 8) + (FactorCount * sizeof(float));

    /// <summary>Whether the centroids are set; volatile, so a reader that sees true also sees them.</summary>
    public bool IsTrained => _trained;

    /// <summary>The centroids, each <c>dimension</c> floats, laid end to end.</summary>
    public ReadOnlySpan<float> Centroids => _centroids;

    /// <summary>
    /// The most centroids this dimension leaves room for: a prepared query keeps two floats per centroid in its
    /// scratch, behind its bit planes (an eighth of it).
    /// </summary>
    public int CentroidLimit => Math.Min(MaxCentroids, 7 * Padded / 16);

    public ReadOnlySpan<float> Signs => _rotation.Signs;

    /// <summary>The half applied to squared distances under the dot-product metrics (see the remarks).</summary>
    private float Scale => _metric == Metric.L2 ? 1f : 0.5f;

    /// <summary>
    /// Fits the centroids to <paramref name="rows"/>, a whole number of vectors laid end to end, each first passed
    /// through <paramref name="prepare"/> (normalisation under cosine): k-means over an even sample of them, one
    /// centroid per <see cref="RowsPerCentroid"/> rows (under twice that, one centroid: their mean).
    /// </summary>
    /// <exception cref="ArgumentException">No rows: there is nothing to fit.</exception>
    public void Train(ReadOnlySpan<float> rows, SpanAction<float, int> prepare)
    {
        var count = rows.Length / _dimension;
        ArgumentOutOfRangeException.ThrowIfZero(count, nameof(rows));
        var k = Math.Clamp(count / RowsPerCentroid, 1, CentroidLimit);
        var centroids = new float[k * _dimension];
        KMeans(rows, prepare, k, centroids);
        Load(centroids, _rotation);
    }

    /// <summary>Restores the centroids and the rotation read from a snapshot.</summary>
    /// <exception cref="InvalidDataException">The centroids are not a whole number of vectors, or too many.</exception>
    public void Load(float[] centroids, float[] signs) => Load(centroids, new RandomRotation(_dimension, signs));

    private void Load(float[] centroids, RandomRotation rotation)
    {
        var k = centroids.Length / _dimension;
        if (k < 1 || k * _dimension != centroids.Length || k > CentroidLimit)
        {
            throw new InvalidDataException($"{centroids.Length} centroid floats are not 1 to {CentroidLimit} vectors of {_dimension}.");
        }

        var rotated = new float[k * rotation.Padded];
        fixed (float* source = centroids, destination = rotated)
        {
            for (var j = 0; j < k; j++)
            {
                rotation.Rotate(source + (j * _dimension), destination + (j * rotation.Padded));
            }
        }

        _rotation = rotation;
        _centroids = centroids;
        _rotatedCentroids = rotated;
        _trained = true;
    }

    /// <summary>
    /// Lloyd's k-means over at most <see cref="KMeansRows"/> rows drawn evenly, seeded with k of them drawn evenly, so
    /// the same rows always give the same centroids. The sample lives in native memory, handed back when done.
    /// </summary>
    private void KMeans(ReadOnlySpan<float> rows, SpanAction<float, int> prepare, int k, float[] centroids)
    {
        var count = rows.Length / _dimension;
        var sampled = Math.Min(count, KMeansRows);
        var sampleBytes = (nuint)sampled * (nuint)_dimension * sizeof(float);
        var sample = (float*)MappedPages.Allocate(sampleBytes);
        try
        {
            var row = new float[_dimension];
            for (var s = 0; s < sampled; s++)
            {
                var r = (int)((long)s * count / sampled);
                rows.Slice(r * _dimension, _dimension).CopyTo(row);
                prepare(row, r);
                row.CopyTo(new Span<float>(sample + ((long)s * _dimension), _dimension));
            }

            for (var j = 0; j < k; j++)
            {
                new ReadOnlySpan<float>(sample + ((long)j * sampled / k * _dimension), _dimension).CopyTo(centroids.AsSpan(j * _dimension));
            }

            var nearest = new int[sampled];
            var sums = new double[k * _dimension];
            var members = new int[k];
            for (var round = 0; round < KMeansRounds; round++)
            {
                Parallel.For(0, sampled, s => nearest[s] = Nearest(centroids, sample + ((long)s * _dimension)));
                Array.Clear(sums);
                Array.Clear(members);
                for (var s = 0; s < sampled; s++)
                {
                    var at = nearest[s] * _dimension;
                    members[nearest[s]]++;
                    for (var i = 0; i < _dimension; i++)
                    {
                        sums[at + i] += sample[((long)s * _dimension) + i];
                    }
                }

                for (var j = 0; j < k; j++)
                {
                    for (var i = 0; i < _dimension && members[j] > 0; i++)
                    {
                        centroids[(j * _dimension) + i] = (float)(sums[(j * _dimension) + i] / members[j]); // an empty cluster keeps its centroid
                    }
                }
            }
        }
        finally
        {
            MappedPages.Free(sample, sampleBytes);
        }
    }

    /// <summary>The centroid nearest <paramref name="vector"/>.</summary>
    private int Nearest(ReadOnlySpan<float> centroids, float* vector)
    {
        var row = new ReadOnlySpan<float>(vector, _dimension);
        var best = 0;
        var least = float.MaxValue;
        for (var j = 0; j * _dimension < centroids.Length; j++)
        {
            var distance = TensorPrimitives.Distance(row, centroids.Slice(j * _dimension, _dimension));
            if (distance < least)
            {
                (least, best) = (distance, j);
            }
        }

        return best;
    }

    /// <summary>Writes the record of a prepared vector; <paramref name="scratch"/> holds <see cref="Padded"/> floats.</summary>
    public void Encode(float* vector, byte* record, float* scratch)
    {
        var centroid = Nearest(_centroids, vector);
        var offset = new Span<float>(scratch, _dimension);
        TensorPrimitives.Subtract(new ReadOnlySpan<float>(vector, _dimension), _centroids.AsSpan(centroid * _dimension, _dimension), offset);
        var norm = TensorPrimitives.Norm(offset);
        _rotation.Rotate(scratch, scratch);
        var rotated = new ReadOnlySpan<float>(scratch, Padded);

        var words = (ulong*)record;
        for (var w = 0; w < Words; w++)
        {
            ulong bits = 0;
            for (var b = 0; b < 64; b += 4)
            {
                bits |= (ulong)Vector128.ExtractMostSignificantBits(Vector128.GreaterThan(Vector128.Load(scratch + (w * 64) + b), Vector128<float>.Zero)) << b;
            }

            words[w] = bits;
        }

        // 〈x̄, u〉 = Σ|uᵢ|/√P: how well the code points along the vector, about 0.8 in high dimensions.
        var alignment = norm > 0f ? TensorPrimitives.SumOfMagnitudes(rotated) / norm / MathF.Sqrt(Padded) : 1f;
        var popcount = 0;
        for (var w = 0; w < Words; w++)
        {
            popcount += BitOperations.PopCount(words[w]);
        }

        var squaredLength = TensorPrimitives.SumOfSquares(new ReadOnlySpan<float>(vector, _dimension));
        var perQuery = norm > 0f ? Scale * -2f * norm / (alignment * MathF.Sqrt(Padded)) : 0f;
        var factors = (float*)(record + (Padded / 8));
        factors[0] = (Scale * ((norm * norm) - (_metric == Metric.L2 ? 0f : squaredLength))) - (perQuery * AlongCentroid(words, centroid));
        factors[1] = perQuery;
        ((uint*)factors)[2] = (uint)popcount | ((uint)centroid << PopcountBits);
        factors[3] = norm > 0f
            ? Scale * 2f * norm * MathF.Sqrt(Math.Max(0f, 1f - (alignment * alignment))) / alignment / MathF.Sqrt(Padded - 1)
            : 0f;
    }

    /// <summary>
    /// Checks a record read from a snapshot of <paramref name="version"/>, rewriting one of format 1 (one centroid, the
    /// popcount kept as a float, the centroid's part of the estimate left to the query); false when it names a
    /// centroid that is not there.
    /// </summary>
    public bool ReadRecord(byte* record, int version)
    {
        var factors = (float*)(record + (Padded / 8));
        var packed = (uint*)factors + 2;
        if (version < 2)
        {
            *packed = (uint)factors[2];
            factors[0] -= factors[1] * AlongCentroid((ulong*)record, 0);
        }

        return (*packed >> PopcountBits) < _centroids.Length / _dimension;
    }

    /// <summary>√P·〈x̄, Rc〉 for the code <paramref name="words"/> and its centroid: the centroid's part of an estimate, the same for every query.</summary>
    private float AlongCentroid(ulong* words, int centroid)
    {
        var rotated = _rotatedCentroids.AsSpan(centroid * Padded, Padded);
        var sum = 0f;
        for (var i = 0; i < Padded; i++)
        {
            sum += ((words[i >> 6] >> (i & 63)) & 1) != 0 ? rotated[i] : -rotated[i];
        }

        return sum;
    }

    /// <summary>
    /// Rotates and quantises a prepared query: its four bit planes go to the start of <paramref name="scratch"/>
    /// (<see cref="Padded"/> floats long), interleaved per code word, its distance to each centroid behind them, and the
    /// returned constants finish an estimate.
    /// </summary>
    public BitQuery PrepareQuery(float* query, float* scratch)
    {
        _rotation.Rotate(query, scratch);
        var rotated = new Span<float>(scratch, Padded);
        var low = TensorPrimitives.Min(rotated);
        var step = (TensorPrimitives.Max(rotated) - low) / ((1 << QueryBits) - 1);
        var sum = TensorPrimitives.Sum(rotated);

        // The planes of word w take 32 bytes at 32·w, behind the 256 bytes of floats that word is made from, so
        // writing them in place never overwrites a float still to be read.
        var planes = (ulong*)scratch;
        var shift = Vector128.Create(low);
        var perStep = Vector128.Create(step > 0f ? 1f / step : 0f);
        var top = Vector128.Create((1 << QueryBits) - 1);
        for (var w = 0; w < Words; w++)
        {
            ulong p0 = 0, p1 = 0, p2 = 0, p3 = 0;
            for (var b = 0; b < 64; b += 4)
            {
                var value = Vector128.Load(scratch + (w * 64) + b);
                var code = Vector128.ConvertToInt32(Vector128.Round((value - shift) * perStep));
                code = Vector128.Min(Vector128.Max(code, Vector128<int>.Zero), top);

                // Bit j of each code, moved to the sign, is one bit of plane j for four dimensions at once.
                p0 |= (ulong)Vector128.ExtractMostSignificantBits(code << 31) << b;
                p1 |= (ulong)Vector128.ExtractMostSignificantBits(code << 30) << b;
                p2 |= (ulong)Vector128.ExtractMostSignificantBits(code << 29) << b;
                p3 |= (ulong)Vector128.ExtractMostSignificantBits(code << 28) << b;
            }

            planes[4 * w] = p0;
            planes[(4 * w) + 1] = p1;
            planes[(4 * w) + 2] = p2;
            planes[(4 * w) + 3] = p3;
        }

        // Per centroid c: the term ‖q − c‖² adds to every estimate, and the bound's slack scales with ‖q − c‖.
        var k = _centroids.Length / _dimension;
        var offsets = scratch + (Padded / 8);
        var slacks = offsets + k;
        var row = new ReadOnlySpan<float>(query, _dimension);
        for (var j = 0; j < k; j++)
        {
            var distance = TensorPrimitives.Distance(row, _centroids.AsSpan(j * _dimension, _dimension));
            offsets[j] = Scale * distance * distance;
            slacks[j] = distance * ErrorConfidence;
        }

        var constant = _metric == Metric.L2 ? 0f : 1f - (TensorPrimitives.SumOfSquares(row) / 2f);
        return new BitQuery(planes, Words, Padded / 8, constant, 2f * step, 2f * low, sum, offsets, slacks);
    }
}

/// <summary>A query prepared by <see cref="BitQuantizer.PrepareQuery"/>: its bit planes and the constants of the estimate.</summary>
internal readonly unsafe struct BitQuery(
    ulong* planes, int words, int factorOffset, float constant, float perCode, float perBit, float bias, float* offsets, float* slacks)
{
    private const uint PopcountMask = (1u << BitQuantizer.PopcountBits) - 1;

    /// <summary>The estimated distance to the vector coded in <paramref name="record"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Estimate(byte* record)
    {
        var code = (ulong*)record;
        var weighted = 0;
        for (var w = 0; w < words; w++)
        {
            var bits = code[w];
            var plane = planes + (4 * w);
            weighted += BitOperations.PopCount(bits & plane[0])
                + (BitOperations.PopCount(bits & plane[1]) << 1)
                + (BitOperations.PopCount(bits & plane[2]) << 2)
                + (BitOperations.PopCount(bits & plane[3]) << 3);
        }

        var factors = (float*)(record + factorOffset);
        var packed = ((uint*)factors)[2];
        return constant + offsets[packed >> BitQuantizer.PopcountBits] + factors[0] + (factors[1] * ((perCode * weighted) + (perBit * (packed & PopcountMask)) - bias));
    }

    /// <summary>How far below <paramref name="estimate"/> the exact distance to <paramref name="record"/>'s vector can lie.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float LowerBound(byte* record, float estimate)
    {
        var factors = (float*)(record + factorOffset);
        return estimate - (factors[3] * slacks[((uint*)factors)[2] >> BitQuantizer.PopcountBits]);
    }
}
