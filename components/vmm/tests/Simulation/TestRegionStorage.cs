using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Aurora.Vmm.Tests.Simulation;

/// <summary>
/// Native memory for a <see cref="RegionMap{TStorage}"/> with a ledger: every block handed out
/// is remembered with its size, a free of anything else throws, and a test can make it refuse
/// (<see cref="FailAfter"/>) to see what the map does without memory. New blocks are filled with
/// garbage and freed ones poisoned, so a map that reads an old array shows up.
/// </summary>
public sealed unsafe class RegionLedger : IDisposable
{
    private readonly Dictionary<nint, nuint> live = new();

    /// <summary>Allocations left before the storage refuses; null = no limit.</summary>
    public int? FailAfter { get; set; }

    public int Allocations { get; private set; }
    public int Frees { get; private set; }
    public int Refusals { get; private set; }
    public int Outstanding => live.Count;
    public nuint LastSize { get; private set; }

    public TestRegionStorage Storage => new(this);

    public void* Allocate(nuint bytes)
    {
        if (FailAfter is int left)
        {
            if (left <= 0)
            {
                Refusals++;
                return null;
            }
            FailAfter = left - 1;
        }
        void* block = NativeMemory.AlignedAlloc(bytes, 8);
        new Span<byte>(block, (int)bytes).Fill(0xA5);
        live.Add((nint)block, bytes);
        Allocations++;
        LastSize = bytes;
        return block;
    }

    public void Free(void* block)
    {
        if (!live.Remove((nint)block, out nuint bytes))
        {
            throw new InvalidOperationException($"free of 0x{(nint)block:X}, which the storage did not hand out (double free?)");
        }
        new Span<byte>(block, (int)bytes).Fill(0xDD);
        NativeMemory.AlignedFree(block);
        Frees++;
    }

    /// <summary>Per tag: Retain calls minus Release calls (tag 0 not counted).</summary>
    public readonly Dictionary<ulong, int> References = new();

    public int ReferencesOf(ulong tag) => References.TryGetValue(tag, out int n) ? n : 0;

    public void Retain(in Region region)
    {
        if (region.Tag != 0) References[region.Tag] = ReferencesOf(region.Tag) + 1;
    }

    public void Release(in Region region)
    {
        if (region.Tag != 0) References[region.Tag] = ReferencesOf(region.Tag) - 1;
    }

    public void Dispose()
    {
        foreach (nint block in live.Keys)
        {
            NativeMemory.AlignedFree((void*)block);
        }
        live.Clear();
    }
}

public readonly unsafe struct TestRegionStorage : IRegionStorage
{
    private readonly RegionLedger ledger;

    public TestRegionStorage(RegionLedger ledger) => this.ledger = ledger;

    public void* Allocate(nuint bytes) => ledger.Allocate(bytes);

    public void Free(void* block) => ledger.Free(block);

    public void Retain(in Region region) => ledger.Retain(region);

    public void Release(in Region region) => ledger.Release(region);
}
