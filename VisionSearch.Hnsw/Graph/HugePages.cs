using System.Runtime.InteropServices;

namespace VisionSearch.Hnsw.Graph;

/// <summary>
/// Native blocks that ask Linux for transparent huge pages. A search touches a few thousand random
/// vectors in hundreds of MB; with 4 KiB pages nearly every one costs a TLB miss and a page walk,
/// with 2 MiB pages the whole index fits in the TLB's reach. Most distributions set THP to
/// <c>madvise</c>, so nothing gets huge pages unless it asks; elsewhere this is plain aligned memory.
/// </summary>
internal static unsafe partial class HugePages
{
    private const nuint HugePageBytes = 2 * 1024 * 1024;
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE

    public static void* Allocate(nuint bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes < HugePageBytes)
        {
            return NativeMemory.AlignedAlloc(bytes, 64);
        }

        var block = NativeMemory.AlignedAlloc(bytes, HugePageBytes);
        _ = Madvise(block, bytes, MadviseHugePage); // advice only: failure leaves ordinary pages
        return block;
    }

    public static void Free(void* block) => NativeMemory.AlignedFree(block);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}
