using System.Numerics;
using System.Runtime.InteropServices;

namespace VisionSearch.Embeddings;

/// <summary>L2 normalisation as the CLIP reference computes it (the norm in double), for every embedder.</summary>
internal static class UnitVectors
{
    /// <summary>
    /// x / ‖x‖₂, each element divided in double and rounded to float; a zero vector stays zero. The sum of squares
    /// runs in double vectors (a different order of additions than one at a time, off by far less than float
    /// precision), and the divisions in vectors are the same correctly rounded divisions.
    /// </summary>
    public static float[] Normalize(ReadOnlySpan<float> raw)
    {
        var vector = new float[raw.Length];
        var norm = Math.Sqrt(SumOfSquares(raw));
        if (norm > 0)
        {
            Divide(raw, norm, vector);
        }

        return vector;
    }

    private static double SumOfSquares(ReadOnlySpan<float> raw)
    {
        var sums = Vector<double>.Zero;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var floats = MemoryMarshal.Cast<float, Vector<float>>(raw);
            foreach (var chunk in floats)
            {
                Vector.Widen(chunk, out var low, out var high);
                sums += (low * low) + (high * high);
            }

            i = floats.Length * Vector<float>.Count;
        }

        var sum = Vector.Sum(sums);
        for (; i < raw.Length; i++)
        {
            sum += (double)raw[i] * raw[i];
        }

        return sum;
    }

    private static void Divide(ReadOnlySpan<float> raw, double norm, Span<float> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var divisor = new Vector<double>(norm);
            var floats = MemoryMarshal.Cast<float, Vector<float>>(raw);
            var output = MemoryMarshal.Cast<float, Vector<float>>(destination);
            for (var v = 0; v < floats.Length; v++)
            {
                Vector.Widen(floats[v], out var low, out var high);
                output[v] = Vector.Narrow(low / divisor, high / divisor);
            }

            i = floats.Length * Vector<float>.Count;
        }

        for (; i < raw.Length; i++)
        {
            destination[i] = (float)(raw[i] / norm);
        }
    }
}
