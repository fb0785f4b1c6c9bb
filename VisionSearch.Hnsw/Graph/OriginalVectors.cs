using Microsoft.Win32.SafeHandles;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// The full-precision vectors behind a quantised index, used only to re-rank: in memory, or in a file read
/// with positional reads (batched through <see cref="IoRing"/> where Linux offers one) so that they live in the page
/// cache, which the kernel can drop, and not in the process's working set (the way Qdrant keeps originals on disk
/// beside quantised vectors in RAM).
/// </summary>
internal sealed unsafe class OriginalVectors : IDisposable
{
    private readonly int _dimension;
    private readonly NodePages? _memory;
    private readonly SafeFileHandle? _file;

    public OriginalVectors(int dimension, string? path)
    {
        _dimension = dimension;
        if (path is null)
        {
            _memory = new NodePages(dimension * sizeof(float));
        }
        else
        {
            _file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, FileOptions.DeleteOnClose);
            if (!OperatingSystem.IsWindows())
            {
                // The open handle keeps the data; without a name, a killed process leaves no file behind.
                File.Delete(path);
            }
        }
    }

    public void EnsureCapacity(int nodes) => _memory?.EnsureCapacity(nodes);

    /// <summary>The memory the originals take: 0 when they live in a file.</summary>
    public long AllocatedBytes => _memory?.AllocatedBytes ?? 0;

    public void Write(int node, float* vector)
    {
        var bytes = new ReadOnlySpan<byte>(vector, _dimension * sizeof(float));
        if (_memory is not null)
        {
            bytes.CopyTo(new Span<byte>(_memory[node], bytes.Length));
        }
        else
        {
            RandomAccess.Write(_file!, bytes, Offset(node));
        }
    }

    public void Read(int node, float* destination)
    {
        var bytes = new Span<byte>(destination, _dimension * sizeof(float));
        if (_memory is not null)
        {
            new ReadOnlySpan<byte>(_memory[node], bytes.Length).CopyTo(bytes);
        }
        else if (RandomAccess.Read(_file!, bytes, Offset(node)) != bytes.Length)
        {
            throw new EndOfStreamException($"The originals file ends before node {node}'s vector."); // as a short read through the ring
        }
    }

    /// <summary>
    /// Points <paramref name="vectors"/>[i] at the original of <paramref name="candidates"/>[i]: its record when the
    /// originals are in memory, else the i-th of <paramref name="buffers"/> (<paramref name="stride"/> floats apart) after
    /// reading it there, all in one submission through <paramref name="ring"/> when there is one, else one
    /// <c>pread</c> each. At most <see cref="IoRing.Capacity"/> candidates.
    /// </summary>
    public void Locate(ReadOnlySpan<Candidate> candidates, Span<nint> vectors, float* buffers, int stride, IoRing? ring)
    {
        if (_memory is not null)
        {
            for (var i = 0; i < candidates.Length; i++)
            {
                vectors[i] = (nint)_memory[candidates[i].Node];
            }

            return;
        }

        for (var i = 0; i < candidates.Length; i++)
        {
            vectors[i] = (nint)(buffers + ((nint)i * stride));
        }

        if (ring is null)
        {
            for (var i = 0; i < candidates.Length; i++)
            {
                Read(candidates[i].Node, (float*)vectors[i]);
            }

            return;
        }

        Span<long> offsets = stackalloc long[candidates.Length];
        for (var i = 0; i < candidates.Length; i++)
        {
            offsets[i] = Offset(candidates[i].Node);
        }

        ring.ReadAll(_file!, offsets, vectors[..candidates.Length], _dimension * sizeof(float));
    }

    /// <summary>Whether <see cref="Locate"/> reads from a file, and so has use for a ring.</summary>
    public bool InFile => _file is not null;

    public void Dispose()
    {
        _memory?.Dispose();
        _file?.Dispose();
    }

    private long Offset(int node) => (long)node * _dimension * sizeof(float);
}
