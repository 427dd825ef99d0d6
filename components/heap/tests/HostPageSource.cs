using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Heap.Tests;

/// <summary>Host pages (NativeMemory.AlignedAlloc), every run recorded so tests can prove the heap
/// gives back exactly what it took, with an optional limit to simulate exhaustion.</summary>
public sealed unsafe class PageLedger : IDisposable
{
    private readonly Dictionary<nuint, nuint> _runs = new();

    public PageLedger(ulong limitPages = ulong.MaxValue) => LimitPages = limitPages;

    public ulong LimitPages { get; set; }

    public ulong PagesOutstanding { get; private set; }

    public int RunsOutstanding => _runs.Count;

    public byte* Allocate(nuint count)
    {
        if (PagesOutstanding + count > LimitPages)
        {
            return null;
        }

        byte* p = (byte*)NativeMemory.AlignedAlloc(count * HeapGeometry.PageSize, HeapGeometry.PageSize);
        _runs.Add((nuint)p, count);
        PagesOutstanding += count;
        return p;
    }

    public void Free(byte* p, nuint count)
    {
        Assert.True(_runs.TryGetValue((nuint)p, out nuint recorded), $"heap freed 0x{(nuint)p:x}, which it never got");
        Assert.Equal(recorded, count);
        _runs.Remove((nuint)p);
        PagesOutstanding -= count;
        NativeMemory.AlignedFree(p);
    }

    public void Dispose()
    {
        foreach (nuint p in _runs.Keys)
        {
            NativeMemory.AlignedFree((void*)p);
        }

        _runs.Clear();
    }
}

public readonly unsafe struct HostPageSource : IPageSource
{
    private readonly PageLedger _ledger;

    public HostPageSource(PageLedger ledger) => _ledger = ledger;

    public byte* AllocatePages(nuint count) => _ledger.Allocate(count);

    public void FreePages(byte* pages, nuint count) => _ledger.Free(pages, count);
}

/// <summary>Seeds for randomized tests: AURORA_SEED replays a failure, otherwise a fresh one.</summary>
internal static class TestSeed
{
    public static int Get()
    {
        string? text = Environment.GetEnvironmentVariable("AURORA_SEED");
        return text != null ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
    }
}
