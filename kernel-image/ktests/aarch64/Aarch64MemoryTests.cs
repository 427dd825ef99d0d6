using Aurora.Kernel.Arch.Aarch64;
using Aurora.Kernel.Memory;
using Aurora.Pmm;
using Aurora.Vmm;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>The kernel on its own memory on aarch64 (x86_64's MemoryTests: SPEC MM-1, MM-2,
/// MM-3, MM-5) through the probes of arch/aarch64/SafeAccess.cs: an abort at EL1 is read
/// from its syndrome (ESR_EL1's class, DFSC/IFSC and WnR) and address (FAR_EL1), where x86_64
/// reads the page fault's error code and CR2.</summary>
internal static unsafe class Aarch64MemoryTests
{
    // A kernel-half address nothing maps (TTBR1): room for test mappings.
    private const ulong TestWindow = 0xFFFF_E000_0000_0000;

    /// <summary>The image W^X in the kernel's own tables (text read-execute, read-only data and
    /// data never executable, data writable), the kernel stacks and heap never executable,
    /// none of them reachable from EL0, and a guard page below a thread's stack.</summary>
    internal static void KernelSectionsHaveWxorX()
    {
        ref KernelLayout layout = ref KernelMain.Layout;
        ref var mapper = ref KernelMemory.Mapper;
        AddressSpace space = KernelMemory.KernelSpace;
        ShowHex("TTBR1_EL1 (the kernel half's root)", space.Root, Native.ReadTtbr1() & 0x0000_FFFF_FFFF_F000UL);
        Check((Native.ReadTtbr1() & 0x0000_FFFF_FFFF_F000UL) == space.Root, "TTBR1 is not the kernel's own root");
        Check(mapper.Translate(space, layout.Start, out Translation text) == VmmError.None, "text unmapped");
        ShowHex("text: writable, no-execute, user bits", 0, (ulong)(text.Flags & (PageFlags.Writable | PageFlags.NoExecute | PageFlags.User)));
        Check((text.Flags & (PageFlags.Writable | PageFlags.NoExecute | PageFlags.User)) == 0, "text must be read-execute, EL1 only");
        if (layout.RodataEnd > layout.RodataStart)
        {
            Check(mapper.Translate(space, layout.RodataStart, out Translation rodata) == VmmError.None, "rodata unmapped");
            Check((rodata.Flags & PageFlags.Writable) == 0 && (rodata.Flags & PageFlags.NoExecute) != 0, "rodata must be read-only, no-execute");
        }
        Check(mapper.Translate(space, layout.DataStart, out Translation data) == VmmError.None, "data unmapped");
        ShowHex("data: writable, no-execute, user bits", (ulong)(PageFlags.Writable | PageFlags.NoExecute), (ulong)(data.Flags & (PageFlags.Writable | PageFlags.NoExecute | PageFlags.User)));
        Check((data.Flags & (PageFlags.Writable | PageFlags.NoExecute | PageFlags.User)) == (PageFlags.Writable | PageFlags.NoExecute), "data must be read-write, no-execute, EL1 only");
        ulong stackAddress = Hal.Cpu.ReadFramePointer();
        Check(mapper.Translate(space, stackAddress, out Translation stack) == VmmError.None, "stack unmapped");
        Check((stack.Flags & PageFlags.NoExecute) != 0, "the kernel stack is executable");
        byte* threadStack = KernelMemory.AllocateStack(Tasks.Scheduler.StackSize);
        Check(threadStack != null, "no thread stack");
        if (threadStack != null)
        {
            Check(mapper.Translate(space, (ulong)threadStack, out Translation threadPage) == VmmError.None && (threadPage.Flags & PageFlags.NoExecute) != 0,
                "a thread stack is unmapped or executable");
            Check(mapper.Translate(space, (ulong)threadStack - 8, out _) == VmmError.NotMapped, "no guard page below a thread's stack");
            KernelMemory.FreeStack(threadStack, Tasks.Scheduler.StackSize);
        }
        void* heapBlock = KernelMemory.Allocate(32);
        Check(mapper.Translate(space, (ulong)heapBlock, out Translation heap) == VmmError.None, "heap unmapped");
        Check((heap.Flags & PageFlags.NoExecute) != 0 && (heap.Flags & PageFlags.User) == 0, "the heap is executable or reachable from EL0");
        KernelMemory.Free(heapBlock);
        if (KernelMain.BootInfo.HasFramebuffer)
        {
            Check(mapper.Translate(space, (ulong)KernelMain.BootInfo.Framebuffer.Address, out Translation fb) == VmmError.None, "framebuffer unmapped");
            Check(fb.Cache == CacheMode.WriteCombining, "framebuffer not write-combining");
        }
        // The MMU itself: a store to the text is refused (the probe's permission fault).
        Check(!SafeAccess.TryWrite8(layout.Start + 0x1000, 0), "a store to the kernel's text succeeded");
        Check(SafeAccess.LastFault.Permission && SafeAccess.LastFault.Write, "a store to the text is not a permission fault on a write");
    }

    internal static void MapTouchUnmap()
    {
        ref var mapper = ref KernelMemory.Mapper;
        AddressSpace space = KernelMemory.KernelSpace;
        for (ulong page = 0; page < 64; page++)
        {
            Check(KernelMemory.Frames.AllocateFrame(out ulong frame) == PmmError.None, "no frame");
            ulong address = TestWindow + page * 4096;
            Check(mapper.Map(space, address, frame, PageSize.Size4KiB, PageFlags.Writable | PageFlags.NoExecute) == VmmError.None, "map failed");
            *(ulong*)address = 0xA5A5_0000 + page;
            Check(*(ulong*)(frame + KernelMemory.DirectMapOffset) == 0xA5A5_0000 + page, "write through the new mapping did not reach the frame");
            Check(mapper.Map(space, address, frame, PageSize.Size4KiB, PageFlags.Writable) == VmmError.AlreadyMapped, "mapping over a mapping not refused");
            Check(mapper.Unmap(space, address, PageSize.Size4KiB, out ulong unmapped) == VmmError.None && unmapped == frame, "unmap returned another frame");
            Check(!SafeAccess.TryRead64(address, out _), "an unmapped page is still readable (stale TLB?)");
            KernelMemory.Frames.FreeFrame(frame);
        }
        Check(mapper.Unmap(space, TestWindow, PageSize.Size4KiB, out _) == VmmError.NotMapped, "unmapping nothing not reported");
        Check(mapper.Map(space, TestWindow + 12, 0x4020_0000, PageSize.Size4KiB, PageFlags.Writable) == VmmError.MisalignedVirtual, "misaligned map not refused");
    }

    /// <summary>x86_64's regression (MemoryTests.KernelHalfChangesReachTheTlbUnderAnyRoot) on
    /// arm64: the kernel half is TTBR1's and a process's root is TTBR0, so a change to the
    /// kernel half must reach the TLB whichever TTBR0 is loaded (TLBI VAAE1IS: all ASIDs).</summary>
    internal static void KernelHalfChangesReachTheTlbUnderAnyRoot()
    {
        ref var mapper = ref KernelMemory.Mapper;
        Check(mapper.CreateAddressSpace(KernelMemory.KernelSpace, out AddressSpace other) == VmmError.None, "no address space");
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        ulong kernelRoot = Hal.Paging.ActiveRootPhysical();
        Hal.Paging.ActivateRoot(other.Root);
        ulong address = TestWindow + 0x2000_0000;
        Check(KernelMemory.Frames.AllocateFrame(out ulong first) == PmmError.None, "no frame");
        Check(KernelMemory.Frames.AllocateFrame(out ulong second) == PmmError.None, "no frame");
        *(ulong*)(second + KernelMemory.DirectMapOffset) = 0;
        bool mapped = mapper.Map(KernelMemory.KernelSpace, address, first, PageSize.Size4KiB, PageFlags.Writable | PageFlags.NoExecute) == VmmError.None;
        if (mapped) *(ulong*)address = 0x1111;
        bool unmapped = mapper.Unmap(KernelMemory.KernelSpace, address, PageSize.Size4KiB, out _) == VmmError.None;
        bool readAfterUnmap = SafeAccess.TryRead64(address, out _);
        bool remapped = mapper.Map(KernelMemory.KernelSpace, address, second, PageSize.Size4KiB, PageFlags.Writable | PageFlags.NoExecute) == VmmError.None;
        if (remapped) *(ulong*)address = 0x2222;
        ulong inSecond = *(ulong*)(second + KernelMemory.DirectMapOffset);
        ulong inFirst = *(ulong*)(first + KernelMemory.DirectMapOffset);
        mapper.Unmap(KernelMemory.KernelSpace, address, PageSize.Size4KiB, out _);

        byte* stack = KernelMemory.AllocateStack(Tasks.Scheduler.StackSize);
        ulong stackTop = (ulong)stack + Tasks.Scheduler.StackSize - 8;
        if (stack != null) *(ulong*)stackTop = 0x3333;
        if (stack != null) KernelMemory.FreeStack(stack, Tasks.Scheduler.StackSize);
        byte* again = KernelMemory.AllocateStack(Tasks.Scheduler.StackSize);
        ulong stackFrameValue = 0;
        bool sameSlot = again == stack;
        if (again != null)
        {
            *(ulong*)((ulong)again + Tasks.Scheduler.StackSize - 8) = 0x4444;
            if (mapper.Translate(KernelMemory.KernelSpace, (ulong)again + Tasks.Scheduler.StackSize - 8, out Translation t) == VmmError.None)
                stackFrameValue = *(ulong*)(t.PhysicalAddress + KernelMemory.DirectMapOffset);
            KernelMemory.FreeStack(again, Tasks.Scheduler.StackSize);
        }

        Hal.Paging.ActivateRoot(kernelRoot);
        Hal.Cpu.RestoreInterrupts(interrupts);
        KernelMemory.Frames.FreeFrame(first);
        KernelMemory.Frames.FreeFrame(second);
        mapper.DestroyAddressSpace(other, Processes.UserMemory.Counts);
        Check(mapped && unmapped && remapped, "test mappings failed");
        Check(!readAfterUnmap, "a kernel page unmapped under another root is still readable (stale TLB)");
        ShowHex("write through the remapped kernel page, in its new frame", 0x2222, inSecond);
        ShowHex("the old frame (must keep the first write)", 0x1111, inFirst);
        Check(inSecond == 0x2222 && inFirst == 0x1111, "a write after a kernel-half remap went to the old frame");
        Check(sameSlot, "the stack slot was not reused (the test needs it)");
        ShowHex("write through a reallocated kernel stack, in its mapped frame", 0x4444, stackFrameValue);
        Check(stackFrameValue == 0x4444, "a reallocated kernel stack wrote to its freed frame");
    }

    internal static void UnmappedReadFaultsAsNotPresent()
    {
        Check(!SafeAccess.TryRead64(TestWindow + 0x1000_0000, out _), "unmapped read did not fault");
        FaultInfo fault = SafeAccess.LastFault;
        ShowHex("FAR", TestWindow + 0x1000_0000, fault.Address);
        ShowHex("exception class (data abort at EL1)", 0x25, fault.ExceptionClass);
        ShowHex("DFSC >> 2 (translation fault)", 1, fault.Status >> 2);
        Check(fault.Address == TestWindow + 0x1000_0000, "FAR is not the probed address");
        Check(fault.ExceptionClass == 0x25 && (fault.Status >> 2) == 1 && !fault.Write, "the syndrome is not 'translation fault, read, EL1'");
    }

    internal static void WriteToReadOnlyDataFaults()
    {
        ref KernelLayout layout = ref KernelMain.Layout;
        // Read-only data follows the text; with none, the text itself is the read-only page.
        ulong target = layout.RodataEnd > layout.RodataStart ? layout.RodataStart : layout.Start;
        Check(!SafeAccess.TryWrite8(target, 0x90), "write to read-only data did not fault");
        FaultInfo fault = SafeAccess.LastFault;
        ShowHex("FAR", target, fault.Address);
        ShowHex("exception class, DFSC >> 2 (permission), WnR", 0x25_3_1, ((ulong)fault.ExceptionClass << 8) | ((ulong)(fault.Status >> 2) << 4) | (fault.Write ? 1UL : 0));
        Check(fault.ExceptionClass == 0x25 && fault.Permission && fault.Write, "the syndrome is not 'permission fault, write, EL1'");
        Check(fault.Address == target, "FAR is not the written address");
    }

    internal static void ExecuteFromDataPageFaults()
    {
        uint* code = (uint*)KernelMemory.Allocate(64);
        code[0] = 0xD65F_03C0; // ret
        Check(!SafeAccess.TryCall((ulong)code), "executing a heap page did not fault (PXN not enforced)");
        FaultInfo fault = SafeAccess.LastFault;
        ShowHex("FAR", (ulong)code, fault.Address);
        ShowHex("exception class (instruction abort at EL1), IFSC >> 2 (permission)", 0x21_3, ((ulong)fault.ExceptionClass << 4) | (fault.Status >> 2));
        Check(fault.ExceptionClass == 0x21 && fault.Permission, "the syndrome is not 'permission fault, instruction fetch, EL1'");
        Check(fault.Address == (ulong)code, "FAR is not the fetched address");
        KernelMemory.Free(code);
        Check(SafeAccess.TryCall((ulong)(delegate*<void>)&Nothing), "calling kernel text faulted");
    }

    private static void Nothing() { }
}
