using System.Collections.Generic;
using System.Runtime.InteropServices;
using Aurora.Heap;
using Aurora.Net;

namespace Aurora.Wasm.Playground;

// The WebAssembly adapter: the one thing this target supplies that the kernel supplies
// differently. The components ask for memory through their own interfaces (INetMemory,
// IPageSource); here it comes from NativeMemory (the wasm linear memory's malloc), in the
// kernel from its heap and frame allocator, in the host tests from the same NativeMemory.

/// <summary>Blocks for the network stack.</summary>
public readonly unsafe struct WasmNetMemory : INetMemory
{
    public void* Allocate(nuint size) => NativeMemory.Alloc(size);

    public void Free(void* block) => NativeMemory.Free(block);
}

/// <summary>Runs of 4 KiB pages for the kernel heap, each run recorded so the page can draw them.</summary>
public sealed unsafe class PageRuns
{
    public readonly SortedDictionary<ulong, ulong> Runs = new();

    public byte* Allocate(nuint count)
    {
        byte* p = (byte*)NativeMemory.AlignedAlloc(count * HeapGeometry.PageSize, HeapGeometry.PageSize);
        if (p != null)
        {
            Runs.Add((ulong)p, count);
        }
        return p;
    }

    public void Free(byte* p, nuint count)
    {
        Runs.Remove((ulong)p);
        NativeMemory.AlignedFree(p);
    }
}

public readonly unsafe struct WasmPageSource : IPageSource
{
    private readonly PageRuns _runs;

    public WasmPageSource(PageRuns runs) => _runs = runs;

    public byte* AllocatePages(nuint count) => _runs.Allocate(count);

    public void FreePages(byte* pages, nuint count) => _runs.Free(pages, count);
}
