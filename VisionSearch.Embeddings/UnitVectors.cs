namespace VisionSearch.Embeddings;

/// <summary>L2 normalisation as the CLIP reference computes it (the norm in double), for every embedder.</summary>
internal static class UnitVectors
{
    /// <summary>x / ‖x‖₂; a zero vector stays zero.</summary>
    public static float[] Normalize(ReadOnlySpan<float> raw)
    {
        var sum = 0.0;
        foreach (var x in raw)
        {
            sum += (double)x * x;
        }

        var norm = Math.Sqrt(sum);
        var vector = new float[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            vector[i] = norm > 0 ? (float)(raw[i] / norm) : 0f;
        }

        return vector;
    }
}
