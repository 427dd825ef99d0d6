using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace Aurora.Vmm.Bench;

/// <summary>
/// Cost per 4 KiB page of mapping and unmapping <see cref="Pages"/> consecutive pages.
/// Aurora.Vmm edits page tables in simulated physical memory (user mode: no INVLPG, no real
/// walk by the MMU). The Linux peers pay for the whole system call path: VMA bookkeeping,
/// page allocation and zeroing (MAP_POPULATE), page-table edits and TLB flushing on munmap.
/// </summary>
[MemoryDiagnoser]
public unsafe class MapUnmapBenchmarks
{
    // 256 pages = 1 MiB: below 2 MiB, so transparent huge pages cannot step in on the Linux side.
    public const int Pages = 256;
    private const ulong UserBase = 0x0000_7000_0000_0000;
    private const PageFlags UserData = PageFlags.User | PageFlags.Writable | PageFlags.NoExecute;

    private HostMachine machine = null!;
    private PageMapper<BlockMemory, StackFrames, NoTlb> mapper;
    private AddressSpace space;
    private ulong dataFrames;

    [GlobalSetup]
    public void Setup()
    {
        machine = new HostMachine(16UL << 20);
        mapper = machine.Mapper;
        mapper.CreateEmpty(out space);
        // Data frames for the table-only case: far above the simulated RAM, never touched.
        dataFrames = 0x1_0000_0000;
        // Build the tables once, as a running process would already have them.
        MapUnmapTablesOnly();
    }

    [GlobalCleanup]
    public void Cleanup() => machine.Dispose();

    [Benchmark(OperationsPerInvoke = Pages, Description = "Aurora.Vmm map+unmap (PTE only)")]
    public void MapUnmapTablesOnly()
    {
        for (int i = 0; i < Pages; i++)
        {
            ulong offset = (ulong)i << 12;
            if (mapper.Map(space, UserBase + offset, dataFrames + offset, PageSize.Size4KiB, UserData) != VmmError.None)
            {
                throw new InvalidOperationException("map failed");
            }
        }
        for (int i = 0; i < Pages; i++)
        {
            if (mapper.Unmap(space, UserBase + ((ulong)i << 12), PageSize.Size4KiB, out _) != VmmError.None)
            {
                throw new InvalidOperationException("unmap failed");
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Pages, Description = "Aurora.Vmm alloc+zero+map+unmap+free")]
    public void MapUnmapWithFrames()
    {
        for (int i = 0; i < Pages; i++)
        {
            mapper.Frames.TryAllocate(out ulong frame);
            new Span<byte>(mapper.Memory.ToVirtual(frame), 4096).Clear();
            mapper.Map(space, UserBase + ((ulong)i << 12), frame, PageSize.Size4KiB, UserData);
        }
        for (int i = 0; i < Pages; i++)
        {
            mapper.Unmap(space, UserBase + ((ulong)i << 12), PageSize.Size4KiB, out ulong frame);
            mapper.Frames.Free(frame);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pages, Description = "Linux mmap(POPULATE)+munmap")]
    public void LinuxPopulate() => MmapMunmap(Linux.MapPrivate | Linux.MapAnonymous | Linux.MapPopulate);

    [Benchmark(OperationsPerInvoke = Pages, Description = "Linux mmap+munmap (no pages)")]
    public void LinuxReserveOnly() => MmapMunmap(Linux.MapPrivate | Linux.MapAnonymous);

    private static void MmapMunmap(int flags)
    {
        nuint length = Pages * 4096;
        nint address = Linux.mmap(0, length, Linux.ProtRead | Linux.ProtWrite, flags, -1, 0);
        if (address == -1)
        {
            throw new InvalidOperationException("mmap failed");
        }
        if (Linux.munmap(address, length) != 0)
        {
            throw new InvalidOperationException("munmap failed");
        }
    }

    private static class Linux
    {
        public const int ProtRead = 0x1;
        public const int ProtWrite = 0x2;
        public const int MapPrivate = 0x02;
        public const int MapAnonymous = 0x20;
        public const int MapPopulate = 0x8000;

        [DllImport("libc", SetLastError = true)]
        public static extern nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(nint address, nuint length);
    }
}
