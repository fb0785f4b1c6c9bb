using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// A random orthonormal rotation applied in O(D log D): three rounds of random sign flips each followed by a
/// fast Walsh–Hadamard transform, on the vector zero-padded to a power of two (the structured rotation RaBitQ's and
/// FAISS's implementations use in place of a dense D×D matrix, which would cost 262,144 multiply-adds per 512-d query).
/// </summary>
internal sealed unsafe class RandomRotation
{
    private const int Rounds = 3;

    private readonly float[] _signs;
    private readonly float _scale;

    /// <summary>Draws the sign flips from <paramref name="seed"/>.</summary>
    public RandomRotation(int dimension, int seed)
        : this(dimension, DrawSigns(PaddedLength(dimension), seed))
    {
    }

    /// <summary>Restores a rotation from its sign flips (<see cref="Signs"/>), as a snapshot stores them.</summary>
    public RandomRotation(int dimension, float[] signs)
    {
        Dimension = dimension;
        Padded = PaddedLength(dimension);
        if (signs.Length != Rounds * Padded || signs.Any(s => s is not (1f or -1f)))
        {
            throw new InvalidDataException($"A rotation of {Padded} dimensions needs {Rounds * Padded} signs of ±1.");
        }

        _signs = signs;

        // Each unnormalised transform scales lengths by √P; the three are undone at once at the end.
        _scale = 1f / MathF.Pow(Padded, Rounds / 2f);
    }

    /// <summary>The input length.</summary>
    public int Dimension { get; }

    /// <summary>The output length: the input length rounded up to a power of two, at least 64 (one word of code bits).</summary>
    public int Padded { get; }

    /// <summary>The sign flips, <c>Rounds</c> × <see cref="Padded"/>, for a snapshot.</summary>
    public ReadOnlySpan<float> Signs => _signs;

    /// <summary>The number of signs a rotation of <paramref name="dimension"/> inputs holds.</summary>
    public static int SignCount(int dimension) => Rounds * PaddedLength(dimension);

    public static int PaddedLength(int dimension) => (int)Math.Max(64, BitOperations.RoundUpToPowerOf2((uint)dimension));

    /// <summary>Rotates <see cref="Dimension"/> floats at <paramref name="source"/> into <see cref="Padded"/> floats at <paramref name="destination"/>.</summary>
    public void Rotate(float* source, float* destination)
    {
        var output = new Span<float>(destination, Padded);
        new ReadOnlySpan<float>(source, Dimension).CopyTo(output);
        output[Dimension..].Clear();
        for (var round = 0; round < Rounds; round++)
        {
            TensorPrimitives.Multiply(output, _signs.AsSpan(round * Padded, Padded), output);
            Hadamard(destination, Padded);
        }

        TensorPrimitives.Multiply(output, _scale, output);
    }

    /// <summary>
    /// The in-place unnormalised Walsh–Hadamard transform of <paramref name="n"/> (a power of two, at least 64) floats:
    /// the butterflies of span 1 and 2 inside each group of four with two shuffles, the wider ones between whole vectors.
    /// </summary>
    private static void Hadamard(float* x, int n)
    {
        var alternate = Vector128.Create(1f, -1f, 1f, -1f);
        var halves = Vector128.Create(1f, 1f, -1f, -1f);
        for (var i = 0; i < n; i += 4)
        {
            var v = Vector128.Load(x + i);
            v = Vector128.MultiplyAddEstimate(v, alternate, Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2)));
            v = Vector128.MultiplyAddEstimate(v, halves, Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1)));
            v.Store(x + i);
        }

        for (var h = 4; h < n; h <<= 1)
        {
            for (var i = 0; i < n; i += 2 * h)
            {
                var j = i;
                if (Vector512.IsHardwareAccelerated && h >= 16)
                {
                    for (; j < i + h; j += 16)
                    {
                        var a = Vector512.Load(x + j);
                        var b = Vector512.Load(x + j + h);
                        (a + b).Store(x + j);
                        (a - b).Store(x + j + h);
                    }
                }

                for (; j < i + h; j += 4)
                {
                    var a = Vector128.Load(x + j);
                    var b = Vector128.Load(x + j + h);
                    (a + b).Store(x + j);
                    (a - b).Store(x + j + h);
                }
            }
        }
    }

    private static float[] DrawSigns(int padded, int seed)
    {
        var random = new Random(seed);
        var signs = new float[Rounds * padded];
        for (var i = 0; i < signs.Length; i++)
        {
            signs[i] = random.Next(2) == 0 ? -1f : 1f;
        }

        return signs;
    }
}
