using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Aurora.Vmm.Tests.Simulation;

/// <summary>
/// Stand-in for a machine: a block of host memory is its RAM (physical address X is
/// <c>Ram + X</c>), a frame pool hands out frames 1 .. PoolFrames (frame 0 is never given out,
/// so a zero address in an entry is always a bug), and the frames above the pool are free for
/// tests to use as "data" frames (for 2 MiB pages, device memory …).
/// RAM starts filled with garbage, and freed frames are poisoned, so tables the mapper forgets
/// to clear or frees too early show up.
/// </summary>
public sealed unsafe class SimulatedMachine : IDisposable
{
    public const byte Garbage = 0xA5;

    public readonly byte* Ram;
    public readonly ulong RamBytes;
    public readonly ulong PoolFrames;
    public readonly FramePool Pool;
    public readonly TlbLog TlbLog = new();
    public readonly MemoryLog MemoryLog = new();
    public readonly ushort* CountStorage;

    public SimulatedMachine(ulong ramBytes = 8UL << 20, ulong poolFrames = 1024)
    {
        if (poolFrames + 1 > ramBytes / 4096)
        {
            throw new ArgumentException("pool larger than RAM");
        }
        RamBytes = ramBytes;
        PoolFrames = poolFrames;
        Ram = (byte*)NativeMemory.AlignedAlloc((nuint)ramBytes, 4096);
        new Span<byte>(Ram, (int)ramBytes).Fill(Garbage);
        CountStorage = (ushort*)NativeMemory.AllocZeroed((nuint)(ramBytes / 4096 * sizeof(ushort)));
        Pool = new FramePool(this, poolFrames);
    }

    /// <summary>Share counts covering every frame of the simulated RAM.</summary>
    public FrameRefCounts Counts => new(CountStorage, RamBytes / 4096);

    /// <summary>A mapper over this machine; all its state lives here, so copies are interchangeable.</summary>
    public PageMapper<SimMemory, SimFrames, SimTlb> Mapper
        => new(new SimMemory(Ram, RamBytes, MemoryLog), new SimFrames(Pool), new SimTlb(TlbLog));

    /// <summary>First frame above the pool, free for tests to use as data.</summary>
    public ulong FirstDataFrame => (PoolFrames + 1) * 4096;

    public ulong Read(ulong physicalAddress)
    {
        Check(physicalAddress, 8);
        return *(ulong*)(Ram + physicalAddress);
    }

    public void Write(ulong physicalAddress, ulong value)
    {
        Check(physicalAddress, 8);
        *(ulong*)(Ram + physicalAddress) = value;
    }

    /// <summary>Entry <paramref name="index"/> of the table at <paramref name="table"/>.</summary>
    public ulong Entry(ulong table, int index) => Read(table + (ulong)index * 8);

    public Span<byte> Frame(ulong physicalAddress)
    {
        Check(physicalAddress, 4096);
        return new Span<byte>(Ram + physicalAddress, 4096);
    }

    public ushort CountOf(ulong physicalAddress) => Counts.Get(physicalAddress);

    /// <summary>Every share count back at zero (nothing shared, nothing leaked).</summary>
    public bool AllCountsZero()
    {
        for (ulong i = 0; i < RamBytes / 4096; i++)
        {
            if (CountStorage[i] != 0)
            {
                return false;
            }
        }
        return true;
    }

    private void Check(ulong physicalAddress, ulong length)
    {
        if (physicalAddress + length > RamBytes)
        {
            throw new InvalidOperationException($"physical 0x{physicalAddress:X} is outside the simulated RAM");
        }
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(Ram);
        NativeMemory.Free(CountStorage);
    }
}

/// <summary>LIFO frame pool with strict bookkeeping: double frees and foreign frees throw.</summary>
public sealed unsafe class FramePool
{
    private readonly SimulatedMachine machine;
    private readonly Stack<ulong> free = new();
    private readonly HashSet<ulong> allocated = new();

    public FramePool(SimulatedMachine machine, ulong frames)
    {
        this.machine = machine;
        // Pushed top-down so that allocation runs 0x1000, 0x2000, … and tests can predict it.
        for (ulong frame = frames; frame >= 1; frame--)
        {
            free.Push(frame * 4096);
        }
    }

    /// <summary>Allocations left before the pool pretends to be empty; null = no limit.</summary>
    public int? FailAfter { get; set; }

    public int Outstanding => allocated.Count;
    public int Available => free.Count;
    public int Allocations { get; private set; }
    public int Frees { get; private set; }

    public bool IsAllocated(ulong physicalAddress) => allocated.Contains(physicalAddress);

    public bool TryAllocate(out ulong physicalAddress)
    {
        if (FailAfter is int left)
        {
            if (left <= 0)
            {
                physicalAddress = 0;
                return false;
            }
            FailAfter = left - 1;
        }
        if (!free.TryPop(out physicalAddress))
        {
            return false;
        }
        allocated.Add(physicalAddress);
        Allocations++;
        return true;
    }

    /// <summary>
    /// Takes a data frame (above the pool) into the bookkeeping as if the pool had handed it out,
    /// so that the mapper may free it later (user frames of 2 MiB pages need 2 MiB alignment).
    /// </summary>
    public void Adopt(ulong physicalAddress)
    {
        if (!allocated.Add(physicalAddress))
        {
            throw new InvalidOperationException($"0x{physicalAddress:X} is already allocated");
        }
    }

    public void Free(ulong physicalAddress)
    {
        if (!allocated.Remove(physicalAddress))
        {
            throw new InvalidOperationException($"free of 0x{physicalAddress:X}, which the pool did not hand out (double free?)");
        }
        machine.Frame(physicalAddress).Fill(0xDD);
        free.Push(physicalAddress);
        Frees++;
    }
}

public enum TlbOp
{
    InvalidatePage,
    FlushAll,
}

public sealed class TlbLog
{
    public readonly List<(TlbOp Op, ulong Root, ulong Address)> Calls = new();

    public void Clear() => Calls.Clear();
}

/// <summary>How often the mapper turned a physical address into a pointer (one per table it
/// looked into, one per frame it copied or cleared): lets a test see how much a walk visited.</summary>
public sealed class MemoryLog
{
    public long Accesses;
}

public readonly unsafe struct SimMemory : IPhysicalMemory
{
    private readonly byte* ram;
    private readonly ulong size;
    private readonly MemoryLog? log;

    public SimMemory(byte* ram, ulong size, MemoryLog? log = null)
    {
        this.ram = ram;
        this.size = size;
        this.log = log;
    }

    public byte* ToVirtual(ulong physicalAddress)
    {
        if (physicalAddress >= size)
        {
            throw new InvalidOperationException($"mapper touched physical 0x{physicalAddress:X}, outside the simulated RAM");
        }
        if (log is not null)
        {
            log.Accesses++;
        }
        return ram + physicalAddress;
    }
}

public readonly struct SimFrames : IFrameSource
{
    private readonly FramePool pool;

    public SimFrames(FramePool pool) => this.pool = pool;

    public bool TryAllocate(out ulong physicalAddress) => pool.TryAllocate(out physicalAddress);

    public void Free(ulong physicalAddress) => pool.Free(physicalAddress);
}

public readonly struct SimTlb : ITlb
{
    private readonly TlbLog log;

    public SimTlb(TlbLog log) => this.log = log;

    public void InvalidatePage(ulong rootPhysicalAddress, ulong virtualAddress)
        => log.Calls.Add((TlbOp.InvalidatePage, rootPhysicalAddress, virtualAddress));

    public void FlushAll(ulong rootPhysicalAddress) => log.Calls.Add((TlbOp.FlushAll, rootPhysicalAddress, 0));
}
