using System;
using System.Runtime.InteropServices;

namespace Aurora.Vmm.Bench;

/// <summary>Physical memory simulated by one host block: physical X is Base + X. No bounds checks.</summary>
public readonly unsafe struct BlockMemory : IPhysicalMemory
{
    private readonly byte* block;

    public BlockMemory(byte* block) => this.block = block;

    public byte* ToVirtual(ulong physicalAddress) => block + physicalAddress;
}

/// <summary>A LIFO stack of free frames in unmanaged memory (the state is shared by every copy).</summary>
public readonly unsafe struct StackFrames : IFrameSource
{
    private readonly ulong* frames;
    private readonly int* top;

    public StackFrames(ulong* frames, int* top)
    {
        this.frames = frames;
        this.top = top;
    }

    public bool TryAllocate(out ulong physicalAddress)
    {
        if (*top == 0)
        {
            physicalAddress = 0;
            return false;
        }
        physicalAddress = frames[--*top];
        return true;
    }

    public void Free(ulong physicalAddress) => frames[(*top)++] = physicalAddress;
}

/// <summary>User mode cannot execute INVLPG; the hook costs a call and nothing else.</summary>
public readonly struct NoTlb : ITlb
{
    public void InvalidatePage(ulong rootPhysicalAddress, ulong virtualAddress)
    {
    }

    public void FlushAll(ulong rootPhysicalAddress)
    {
    }
}

/// <summary>Simulated RAM plus a frame stack holding every frame but frame 0.</summary>
public sealed unsafe class HostMachine : IDisposable
{
    public readonly byte* Ram;
    private readonly ulong* frames;
    private readonly int* top;

    public HostMachine(ulong ramBytes)
    {
        Ram = (byte*)NativeMemory.AlignedAlloc((nuint)ramBytes, 4096);
        new Span<byte>(Ram, (int)ramBytes).Clear();
        ulong count = ramBytes / 4096;
        frames = (ulong*)NativeMemory.Alloc((nuint)(count * sizeof(ulong)));
        top = (int*)NativeMemory.Alloc(sizeof(int));
        *top = 0;
        for (ulong f = count - 1; f >= 1; f--)
        {
            frames[(*top)++] = f * 4096;
        }
    }

    public PageMapper<BlockMemory, StackFrames, NoTlb> Mapper
        => new(new BlockMemory(Ram), new StackFrames(frames, top), default);

    public void Dispose()
    {
        NativeMemory.AlignedFree(Ram);
        NativeMemory.Free(frames);
        NativeMemory.Free(top);
    }
}
