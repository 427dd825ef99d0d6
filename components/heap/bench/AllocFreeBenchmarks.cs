using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace Aurora.Heap.Benchmarks;

/// <summary>Host pages for the heap under test.</summary>
public unsafe struct NativePages : IPageSource
{
    public byte* AllocatePages(nuint count) => (byte*)NativeMemory.AlignedAlloc(count * HeapGeometry.PageSize, HeapGeometry.PageSize);

    public void FreePages(byte* pages, nuint count) => NativeMemory.AlignedFree(pages);
}

/// <summary>
/// One allocation immediately freed, the hot path of kmalloc/kfree, against glibc malloc/free
/// in the same process. glibc is called with [SuppressGCTransition] so the figure is the
/// allocator's, not the P/Invoke transition's.
/// </summary>
public unsafe class AllocFreeBenchmarks
{
    private KernelHeap<NativePages> _heap;

    [Params(16, 64, 256, 4096)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _heap = new KernelHeap<NativePages>(default, debug: false);
        // Warm both allocators so the first page/arena and glibc's arena exist.
        _heap.Free(_heap.Allocate((nuint)Size));
        Glibc.free(Glibc.malloc((nuint)Size));
    }

    [Benchmark(Baseline = true, Description = "glibc malloc+free")]
    public void GlibcPair()
    {
        void* p = Glibc.malloc((nuint)Size);
        Glibc.free(p);
    }

    [Benchmark(Description = "Aurora.Heap Allocate+Free")]
    public void AuroraPair()
    {
        void* p = _heap.Allocate((nuint)Size);
        _heap.Free(p);
    }
}

internal static unsafe class Glibc
{
    [DllImport("libc")]
    [SuppressGCTransition]
    public static extern void* malloc(nuint size);

    [DllImport("libc")]
    [SuppressGCTransition]
    public static extern void free(void* p);
}
