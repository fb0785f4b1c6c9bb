using System.Buffers.Binary;

namespace VisionSearch.Testing;

/// <summary>Seeded random vectors, the files that hold them, and exact answers computed the slow, obvious way.</summary>
public static class TestVectors
{
    /// <summary>Gaussian vectors around a few cluster centres, so that neighbourhoods are meaningful.</summary>
    public static float[][] Clustered(int count, int dimension, int seed, int clusters = 16)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, clusters).Select(_ => Gaussian(random, dimension, 1.0)).ToArray();
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var centre = centres[random.Next(clusters)];
            var noise = Gaussian(random, dimension, 0.5);
            return centre.Zip(noise, (c, n) => c + n).ToArray();
        })];
    }

    /// <summary>
    /// Vectors near low-dimensional patches, as embeddings lie: each cluster varies along its own
    /// <paramref name="rank"/> random directions, plus a little noise in all of them. In high dimensions
    /// <see cref="Clustered"/> makes every pair in a cluster almost equally far apart, which no real data does.
    /// </summary>
    public static float[][] Patches(int count, int dimension, int seed, int clusters = 64, int rank = 16)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, clusters).Select(_ => Gaussian(random, dimension, 1.0)).ToArray();
        var bases = Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, rank).Select(_ => Gaussian(random, dimension, 1.0 / Math.Sqrt(dimension))).ToArray()).ToArray();
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var cluster = random.Next(clusters);
            var vector = Gaussian(random, dimension, 0.02);
            for (var d = 0; d < dimension; d++)
            {
                vector[d] += centres[cluster][d];
            }

            foreach (var direction in bases[cluster])
            {
                var weight = (float)Gaussian(random, 1, 1.0)[0];
                for (var d = 0; d < dimension; d++)
                {
                    vector[d] += weight * direction[d];
                }
            }

            return vector;
        })];
    }

    /// <summary>Writes <paramref name="vectors"/> as .fvecs (per row: int32 dimension, then float32 values).</summary>
    public static void WriteFvecs(string path, IEnumerable<float[]> vectors)
    {
        using var stream = File.Create(path);
        var head = new byte[4];
        foreach (var vector in vectors)
        {
            BinaryPrimitives.WriteInt32LittleEndian(head, vector.Length);
            stream.Write(head);
            foreach (var value in vector)
            {
                BinaryPrimitives.WriteSingleLittleEndian(head, value);
                stream.Write(head);
            }
        }
    }

    /// <summary>The ids of the <paramref name="k"/> rows with the highest cosine similarity to <paramref name="query"/>, computed in double.</summary>
    public static int[] BruteForceCosine(IReadOnlyList<float[]> rows, float[] query, int k) =>
        [.. Enumerable.Range(0, rows.Count).OrderByDescending(i => Cosine(rows[i], query)).ThenBy(i => i).Take(k)];

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    private static float[] Gaussian(Random random, int dimension, double sigma) =>
        [.. Enumerable.Range(0, dimension).Select(_ =>
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            return (float)(sigma * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        })];
}
