using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// A Linux io_uring used for one thing: many positional reads of one file in one system call. Re-ranking a one-bit
/// search reads dozens of originals; one <c>pread</c> each cost about 2.1 µs on the VM this was measured on, a batch of
/// 35 through a ring 0.9 µs a read. Only the raw system calls are used (glibc has no wrappers, and liburing is not
/// everywhere). <see cref="TryCreate"/> answers null where the kernel is older than 5.6, io_uring is off or a seccomp
/// profile forbids it (Docker's default does): callers then read with <c>pread</c>.
/// </summary>
internal sealed unsafe partial class IoRing : IDisposable
{
    /// <summary>The most reads one <see cref="ReadAll"/> takes.</summary>
    public const int Capacity = 32;

    private const long SetupSyscall = 425; // io_uring_setup and io_uring_enter have one number on every architecture
    private const long EnterSyscall = 426;
    private const uint EnterGetEvents = 1;
    private const uint FeatureSingleMmap = 1 << 0;
    private const uint FeatureReadAtCurrentPosition = 1 << 3; // 5.6, the release that brought IORING_OP_READ
    private const byte OpRead = 22;
    private const int SqeBytes = 64;
    private const int CqeBytes = 16;
    private const long SqesOffset = 0x10000000;
    private const int ProtReadWrite = 1 | 2;
    private const int MapSharedPopulate = 0x01 | 0x8000;
    private const int Interrupted = 4; // EINTR
    private const int Busy = 16; // EBUSY: completions must be reaped first

    private static volatile bool s_unavailable;

    private readonly int _fd;
    private readonly byte* _rings;
    private readonly nuint _ringBytes;
    private readonly byte* _sqes;
    private readonly nuint _sqeBytes;
    private readonly uint* _sqTail;
    private readonly uint _sqMask;
    private readonly uint* _sqArray;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly byte* _cqes;

    private IoRing(int fd, byte* rings, nuint ringBytes, byte* sqes, nuint sqeBytes, ReadOnlySpan<uint> parameters)
    {
        _fd = fd;
        _rings = rings;
        _ringBytes = ringBytes;
        _sqes = sqes;
        _sqeBytes = sqeBytes;

        // struct io_uring_params: 10 words, then io_sqring_offsets at word 10 and io_cqring_offsets at word 20.
        _sqTail = (uint*)(rings + parameters[11]);
        _sqMask = *(uint*)(rings + parameters[12]);
        _sqArray = (uint*)(rings + parameters[16]);
        _cqHead = (uint*)(rings + parameters[20]);
        _cqTail = (uint*)(rings + parameters[21]);
        _cqMask = *(uint*)(rings + parameters[22]);
        _cqes = rings + parameters[25];
    }

    /// <summary>A ring of <see cref="Capacity"/> entries, or null where io_uring cannot be used.</summary>
    public static IoRing? TryCreate()
    {
        if (!OperatingSystem.IsLinux() || s_unavailable)
        {
            return null;
        }

        var parameters = stackalloc uint[30];
        new Span<uint>(parameters, 30).Clear();
        var fd = (int)Syscall(SetupSyscall, Capacity, (nint)parameters, 0, 0, 0, 0);
        if (fd < 0)
        {
            s_unavailable = true; // the answer will not change: ask once per process, not once per search context
            return null;
        }

        const uint needed = FeatureSingleMmap | FeatureReadAtCurrentPosition;
        var sqEntries = parameters[0];
        var cqEntries = parameters[1];
        var ringBytes = (nuint)Math.Max(parameters[16] + (sqEntries * sizeof(uint)), parameters[25] + (cqEntries * CqeBytes));
        var sqeBytes = (nuint)(sqEntries * SqeBytes);
        var rings = (parameters[5] & needed) == needed ? Mmap(0, ringBytes, ProtReadWrite, MapSharedPopulate, fd, 0) : -1;
        var sqes = rings != -1 ? Mmap(0, sqeBytes, ProtReadWrite, MapSharedPopulate, fd, SqesOffset) : -1;
        if (sqes == -1)
        {
            if (rings != -1)
            {
                _ = Munmap(rings, ringBytes);
            }

            _ = Close(fd);
            s_unavailable = true;
            return null;
        }

        return new IoRing(fd, (byte*)rings, ringBytes, (byte*)sqes, sqeBytes, new ReadOnlySpan<uint>(parameters, 30));
    }

    /// <summary>Whether a submission failed part way, which leaves the ring unfit for another.</summary>
    public bool Faulted { get; private set; }

    /// <summary>
    /// Reads <paramref name="length"/> bytes at each of <paramref name="offsets"/> of <paramref name="file"/> into the
    /// matching <paramref name="destinations"/>, all submitted at once; returns once every read is complete.
    /// </summary>
    /// <exception cref="EndOfStreamException">A read came back short: the file ends before that offset.</exception>
    /// <exception cref="IOException">The kernel failed a read or the submission.</exception>
    public void ReadAll(SafeFileHandle file, ReadOnlySpan<long> offsets, ReadOnlySpan<nint> destinations, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offsets.Length, Capacity);
        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            var fd = (int)file.DangerousGetHandle();
            var tail = *_sqTail;
            for (var i = 0; i < offsets.Length; i++)
            {
                var slot = (tail + (uint)i) & _sqMask;
                var sqe = _sqes + (slot * SqeBytes);
                new Span<byte>(sqe, SqeBytes).Clear();
                sqe[0] = OpRead;
                *(int*)(sqe + 4) = fd;
                *(long*)(sqe + 8) = offsets[i];
                *(nint*)(sqe + 16) = destinations[i];
                *(uint*)(sqe + 24) = (uint)length;
                _sqArray[slot] = slot;
            }

            // The kernel reads the entries only after it sees the new tail.
            Volatile.Write(ref *_sqTail, tail + (uint)offsets.Length);
            Complete(offsets.Length, length);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    public void Dispose()
    {
        _ = Munmap((nint)_sqes, _sqeBytes);
        _ = Munmap((nint)_rings, _ringBytes);
        _ = Close(_fd);
    }

    /// <summary>Submits what is queued and reaps <paramref name="count"/> completions, each of which must have read <paramref name="length"/> bytes.</summary>
    private void Complete(int count, int length)
    {
        var unsubmitted = count;
        var reaped = 0;
        var failure = 0;
        while (reaped < count)
        {
            var entered = Syscall(EnterSyscall, _fd, unsubmitted, count - reaped, (nint)EnterGetEvents, 0, 0);
            if (entered < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error != Interrupted && error != Busy)
                {
                    // Entries may be left queued, and their completions would be counted as the next batch's.
                    Faulted = true;
                    throw new IOException($"io_uring_enter failed with errno {error}.");
                }
            }
            else
            {
                unsubmitted -= (int)entered;
            }

            var head = *_cqHead;
            var tail = Volatile.Read(ref *_cqTail);
            for (; head != tail; head++, reaped++)
            {
                var result = *(int*)(_cqes + ((head & _cqMask) * CqeBytes) + 8);
                if (result != length && failure == 0)
                {
                    failure = result < 0 ? result : int.MinValue;
                }
            }

            Volatile.Write(ref *_cqHead, head);
        }

        if (failure == int.MinValue)
        {
            throw new EndOfStreamException("A read of the originals file came back short: it ends before a node's vector.");
        }

        if (failure < 0)
        {
            throw new IOException($"An io_uring read failed with errno {-failure}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
