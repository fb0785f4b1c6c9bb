using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using VisionSearch.Hnsw.Graph;
using VisionSearch.Testing;

namespace VisionSearch.Hnsw.Tests;

public sealed unsafe class OriginalVectorsTests
{
    private const int Dimension = 48;

    [Fact]
    public void A_batch_read_through_io_uring_returns_what_one_pread_each_returns()
    {
        var rows = TestVectors.Clustered(200, Dimension, seed: 5);
        using var originals = InFile(rows);

        // Out of order, as a re-ranking batch is.
        Candidate[] batch = [new(0f, 199), new(0f, 3), new(0f, 150), new(0f, 0), new(0f, 77), new(0f, 128), new(0f, 64), new(0f, 5)];
        AssertReads(originals, batch, rows, ring: null);
        using var ring = IoRing.TryCreate();
        SkipUnlessRing(ring);
        AssertReads(originals, batch, rows, ring);
    }

    [Fact]
    public void A_ring_read_that_comes_back_short_or_failed_throws_and_leaves_the_ring_usable()
    {
        using var ring = IoRing.TryCreate();
        SkipUnlessRing(ring);

        var path = Path.GetTempFileName();
        File.WriteAllBytes(path, new byte[100]);
        using var file = File.OpenHandle(path, options: FileOptions.DeleteOnClose);
        var buffer = (nint)NativeMemory.Alloc(64);
        try
        {
            ring.ReadAll(file, [0], [buffer], 64);
            Assert.Throws<EndOfStreamException>(() => ring.ReadAll(file, [0, 64], [buffer, buffer], 64));

            // A read the kernel fails (here into an address the process has not mapped) is an IOException.
            Assert.Throws<IOException>(() => ring.ReadAll(file, [0], [8], 64));

            // The ring is still usable after either failure.
            ring.ReadAll(file, [36], [buffer], 64);
            Assert.False(ring.Faulted);
        }
        finally
        {
            NativeMemory.Free((void*)buffer);
        }
    }

    [Fact]
    public void A_pread_that_comes_back_short_throws_as_a_ring_read_does()
    {
        var rows = TestVectors.Clustered(3, Dimension, seed: 6);
        using var originals = InFile(rows);

        var buffer = new float[Dimension];
        fixed (float* destination = buffer)
        {
            var end = destination;
            Assert.Throws<EndOfStreamException>(() => originals.Read(3, end));
        }

        var buffers = new float[2 * Dimension];
        fixed (float* destination = buffers)
        {
            var batch = destination;
            Assert.Throws<EndOfStreamException>(() => originals.Locate([new(0f, 1), new(0f, 7)], new nint[2], batch, Dimension, ring: null));
        }

        AssertReads(originals, [new(0f, 2), new(0f, 0)], rows, ring: null); // what is in the file still reads
    }

    /// <summary>Originals in a file, holding <paramref name="rows"/> as nodes 0, 1, ...</summary>
    private static OriginalVectors InFile(float[][] rows)
    {
        var originals = new OriginalVectors(Dimension, Path.GetTempFileName());
        foreach (var (row, node) in rows.Select((r, i) => (r, i)))
        {
            fixed (float* vector = row)
            {
                originals.Write(node, vector);
            }
        }

        return originals;
    }

    private static void AssertReads(OriginalVectors originals, Candidate[] batch, float[][] rows, IoRing? ring)
    {
        var buffers = new float[IoRing.Capacity * Dimension];
        var vectors = new nint[IoRing.Capacity];
        fixed (float* destination = buffers)
        {
            originals.Locate(batch, vectors, destination, Dimension, ring);
            for (var i = 0; i < batch.Length; i++)
            {
                Assert.Equal(rows[batch[i].Node], new ReadOnlySpan<float>((float*)vectors[i], Dimension).ToArray());
            }
        }
    }

    /// <summary>Under CI the ring must exist (the runner's kernel has it); elsewhere a kernel or container without it skips.</summary>
    private static void SkipUnlessRing([NotNull] IoRing? ring)
    {
        Assert.SkipWhen(ring is null && Environment.GetEnvironmentVariable("CI") is null, "io_uring is not available here (not Linux, a kernel before 5.6, or a seccomp profile that forbids it).");
        Assert.NotNull(ring);
    }
}
