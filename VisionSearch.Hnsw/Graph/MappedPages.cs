using System.Runtime.InteropServices;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// Zeroed native blocks that take memory only where written and give all of it back when freed. On Linux each block
/// is its own anonymous mapping: the kernel hands out zero pages as they are first touched, so records whose zero
/// means "empty" (link counts, flags) need no clearing, which made a node page's unused capacity resident, and a freed
/// block (an outgrown label table or visited marks, the k-means sample) leaves no hole in malloc's heap. A block of
/// 2 MiB or more may ask for transparent huge pages: a search touches a few thousand random records in hundreds of
/// MB, and with 4 KiB pages nearly every one costs a TLB miss and a page walk. Most distributions set THP to
/// <c>madvise</c>, so nothing gets huge pages unless it asks, and what asks pays 2 MiB for the first byte it touches
/// in each (see <see cref="NodePages"/> for who asks). Elsewhere a block is aligned memory, cleared.
/// </summary>
internal static unsafe partial class MappedPages
{
    private const nuint HugePageBytes = 2 * 1024 * 1024;
    private const int ProtReadWrite = 0x1 | 0x2; // PROT_READ | PROT_WRITE
    private const int MapPrivateAnonymous = 0x02 | 0x20; // MAP_PRIVATE | MAP_ANONYMOUS
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE

    /// <summary>A zeroed block of <paramref name="bytes"/>, at least 64-byte aligned; give it back with <see cref="Free"/> and the same size.</summary>
    /// <param name="bytes">The size.</param>
    /// <param name="huge">Align a block of 2 MiB or more to huge pages and ask for them.</param>
    /// <exception cref="InsufficientMemoryException">The kernel refused the mapping.</exception>
    public static void* Allocate(nuint bytes, bool huge = false)
    {
        if (!OperatingSystem.IsLinux())
        {
            var block = NativeMemory.AlignedAlloc(bytes, 64);
            NativeMemory.Clear(block, bytes);
            return block;
        }

        if (!huge || bytes < HugePageBytes)
        {
            return Map(bytes);
        }

        // Over-map by one huge page and unmap what lies outside the aligned block.
        var mapped = (nuint)Map(bytes + HugePageBytes);
        var aligned = (mapped + HugePageBytes - 1) & ~(HugePageBytes - 1);
        Unmap(mapped, aligned - mapped);
        Unmap(aligned + bytes, mapped + HugePageBytes - aligned);
        _ = Madvise((void*)aligned, bytes, MadviseHugePage); // advice only: failure leaves ordinary pages
        return (void*)aligned;
    }

    /// <summary>Gives back a block of <see cref="Allocate"/>; null is ignored.</summary>
    public static void Free(void* block, nuint bytes)
    {
        if (block is null)
        {
            return;
        }

        if (OperatingSystem.IsLinux())
        {
            Unmap((nuint)block, bytes);
        }
        else
        {
            NativeMemory.AlignedFree(block);
        }
    }

    private static void* Map(nuint bytes)
    {
        var block = Mmap(null, bytes, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        return block == (void*)-1 ? throw new InsufficientMemoryException($"mmap of {bytes} bytes failed (errno {Marshal.GetLastPInvokeError()}).") : block;
    }

    private static void Unmap(nuint start, nuint length)
    {
        if (length > 0)
        {
            _ = Munmap((void*)start, length);
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}
