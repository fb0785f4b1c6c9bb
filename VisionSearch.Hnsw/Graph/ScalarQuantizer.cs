using System.Buffers;
using System.Runtime.CompilerServices;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// Int8 scalar quantisation with a range per dimension: value ≈ min + scale·code, code in 0..255.
/// Ranges are fitted once, from the first batch; later values outside them are clamped, which costs
/// accuracy only in the graph walk, since results are re-ranked with the full vectors.
/// </summary>
internal sealed unsafe class ScalarQuantizer
{
    /// <summary>The standard errors of a code's rounding a search allows before it re-ranks a candidate (as RaBitQ's).</summary>
    public const float ErrorConfidence = BitQuantizer.ErrorConfidence;

    private readonly float[] _min;
    private readonly float[] _scale;
    private volatile bool _trained;

    public ScalarQuantizer(int dimension)
    {
        // Pinned: the distance kernels read them through pointers on every comparison.
        _min = GC.AllocateArray<float>(dimension, pinned: true);
        _scale = GC.AllocateArray<float>(dimension, pinned: true);
    }

    /// <summary>Whether the ranges are set; volatile, so a reader that sees true also sees the ranges.</summary>
    public bool IsTrained => _trained;

    public float* Min => (float*)Unsafe.AsPointer(ref _min[0]);

    public float* Scale => (float*)Unsafe.AsPointer(ref _scale[0]);

    public ReadOnlySpan<float> Minimums => _min;

    public ReadOnlySpan<float> Scales => _scale;

    /// <summary>
    /// Fits the ranges to <paramref name="rows"/>, a whole number of vectors laid end to end, each
    /// first passed through <paramref name="prepare"/> (normalisation under cosine) one at a time, so
    /// that a large sample costs no copy. A dimension that does not vary in the sample (always, with
    /// one vector) gets ±the largest magnitude seen, so that later vectors still fall inside it.
    /// </summary>
    public void Train(ReadOnlySpan<float> rows, SpanAction<float, int> prepare)
    {
        var dimension = _min.Length;
        var max = new float[dimension];
        var row = new float[dimension];
        _min.AsSpan().Fill(float.MaxValue);
        max.AsSpan().Fill(float.MinValue);
        var magnitude = 0f;
        for (var offset = 0; offset < rows.Length; offset += dimension)
        {
            rows.Slice(offset, dimension).CopyTo(row);
            prepare(row, offset / dimension);
            for (var i = 0; i < dimension; i++)
            {
                _min[i] = Math.Min(_min[i], row[i]);
                max[i] = Math.Max(max[i], row[i]);
                magnitude = Math.Max(magnitude, Math.Abs(row[i]));
            }
        }

        for (var i = 0; i < dimension; i++)
        {
            if (max[i] - _min[i] <= magnitude * 1e-3f)
            {
                _min[i] = -magnitude;
                max[i] = magnitude;
            }

            _scale[i] = (max[i] - _min[i]) / 255f;
        }

        _trained = true;
    }

    /// <summary>Restores ranges read from a snapshot.</summary>
    public void Load(ReadOnlySpan<float> minimums, ReadOnlySpan<float> scales)
    {
        minimums.CopyTo(_min);
        scales.CopyTo(_scale);
        _trained = true;
    }

    public void Encode(float* vector, byte* codes)
    {
        for (var i = 0; i < _min.Length; i++)
        {
            var code = _scale[i] > 0f ? MathF.Round((vector[i] - _min[i]) / _scale[i]) : 0f;
            codes[i] = (byte)Math.Clamp(code, 0f, 255f);
        }
    }

    public void Decode(byte* codes, float* vector)
    {
        for (var i = 0; i < _min.Length; i++)
        {
            vector[i] = _min[i] + (_scale[i] * codes[i]);
        }
    }
}
