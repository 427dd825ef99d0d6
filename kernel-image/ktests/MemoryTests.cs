using Aurora.Kernel.Arch.X86_64;
using Aurora.Kernel.Memory;
using Aurora.Pmm;
using Aurora.Vmm;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>The kernel on its own memory (SPEC MM-1, MM-2, MM-3, MM-5), checked in the booted kernel.</summary>
internal static unsafe partial class MemoryTests
{
    // A kernel-half address nothing maps: room for test mappings.
    private const ulong TestWindow = 0xFFFF_E000_0000_0000;   // above every window KASLR may place (Kaslr.cs)

    internal static void KernelSectionsHaveWxorX()
    {
        ref KernelLayout layout = ref KernelMain.Layout;
        ref var mapper = ref KernelMemory.Mapper;
        AddressSpace space = new AddressSpace(Hal.Paging.ActiveRootPhysical());
        Check(space.Root == KernelMemory.KernelSpace.Root, "CR3 is not the kernel's own PML4");
        Check(mapper.Translate(space, layout.Start, out Translation text) == VmmError.None, "text unmapped");
        Check((text.Flags & PageFlags.Writable) == 0 && (text.Flags & PageFlags.NoExecute) == 0, "text must be read-execute");
        Check(mapper.Translate(space, layout.RodataStart, out Translation rodata) == VmmError.None, "rodata unmapped");
        Check((rodata.Flags & PageFlags.Writable) == 0 && (rodata.Flags & PageFlags.NoExecute) != 0, "rodata must be read-only, no-execute");
        Check(mapper.Translate(space, layout.DataStart, out Translation data) == VmmError.None, "data unmapped");
        Check((data.Flags & PageFlags.Writable) != 0 && (data.Flags & PageFlags.NoExecute) != 0, "data must be read-write, no-execute");
        ulong stackAddress = Hal.Cpu.ReadFramePointer();
        Check(mapper.Translate(space, stackAddress, out Translation stack) == VmmError.None, "stack unmapped");
        Check((stack.Flags & PageFlags.NoExecute) != 0, "the kernel stack is executable");
        Check(mapper.Translate(space, layout.StackBottom - 8, out _) == VmmError.NotMapped, "no guard page below the kernel stack");
        void* heapBlock = KernelMemory.Allocate(32);
        Check(mapper.Translate(space, (ulong)heapBlock, out Translation heap) == VmmError.None, "heap unmapped");
        Check((heap.Flags & PageFlags.NoExecute) != 0, "the heap is executable");
        KernelMemory.Free(heapBlock);
        Check((Arch.X86_64.Cpu.ReadMsr(Arch.X86_64.Cpu.MsrEfer) & Arch.X86_64.Cpu.EferNoExecuteEnable) != 0, "EFER.NXE off");
        Check((Arch.X86_64.Cpu.ReadCr0() & (1UL << 16)) != 0, "CR0.WP off: the kernel could write read-only pages");
        if (KernelMain.BootInfo.HasFramebuffer)
        {
            Check(mapper.Translate(space, (ulong)KernelMain.BootInfo.Framebuffer.Address, out Translation fb) == VmmError.None, "framebuffer unmapped");
            Check(fb.Cache == CacheMode.WriteCombining, "framebuffer not write-combining");
        }
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
        Check(mapper.Map(space, TestWindow + 12, 0x200000, PageSize.Size4KiB, PageFlags.Writable) == VmmError.MisalignedVirtual, "misaligned map not refused");
    }

    /// <summary>The kernel half is shared by every address space, so a change to it must
    /// reach the TLB whichever root is active. Regression: the TLB adapter invalidated only
    /// when the kernel's own root was active, so a kernel stack freed and reallocated while a
    /// process's root was loaded (fork's child reaped, then pthread_create) kept the old,
    /// freed frame in the TLB: the new thread ran on a frame the allocator had given back,
    /// and panicked with RIP 0 at its first CR3 switch.</summary>
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
        if (mapped) *(ulong*)address = 0x1111; // the TLB now holds address → first
        bool unmapped = mapper.Unmap(KernelMemory.KernelSpace, address, PageSize.Size4KiB, out _) == VmmError.None;
        bool readAfterUnmap = SafeAccess.TryRead64(address, out _);
        bool remapped = mapper.Map(KernelMemory.KernelSpace, address, second, PageSize.Size4KiB, PageFlags.Writable | PageFlags.NoExecute) == VmmError.None;
        if (remapped) *(ulong*)address = 0x2222;
        ulong inSecond = *(ulong*)(second + KernelMemory.DirectMapOffset);
        ulong inFirst = *(ulong*)(first + KernelMemory.DirectMapOffset);
        mapper.Unmap(KernelMemory.KernelSpace, address, PageSize.Size4KiB, out _);

        // The same through the kernel-stack allocator (the path the panic took).
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
        mapper.DestroyAddressSpace(other);
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
        Check(fault.Address == TestWindow + 0x1000_0000, "CR2 is not the probed address");
        Check(!fault.Present && !fault.Write && !fault.User && !fault.InstructionFetch, "error code is not 'not present, read, kernel'");
    }

    internal static void WriteToReadOnlyDataFaults()
    {
        ulong rodata = KernelMain.Layout.RodataStart;
        Check(!SafeAccess.TryWrite8(rodata, 0x90), "write to read-only data did not fault");
        FaultInfo fault = SafeAccess.LastFault;
        Check(fault.Present && fault.Write && !fault.User && !fault.InstructionFetch, "error code is not 'protection, write, kernel'");
        Check(fault.Address == rodata, "CR2 is not the written address");
    }

    internal static void ExecuteFromDataPageFaults()
    {
        byte* code = (byte*)KernelMemory.Allocate(64);
        code[0] = 0xC3; // ret
        Check(!SafeAccess.TryCall((ulong)code), "executing a heap page did not fault (NX not enforced)");
        FaultInfo fault = SafeAccess.LastFault;
        Check(fault.Present && fault.InstructionFetch && !fault.User, "error code is not 'protection, instruction fetch, kernel'");
        Check(fault.Address == (ulong)code, "CR2 is not the fetched address");
        KernelMemory.Free(code);
        // The same bytes in the kernel's text would run: prove the probe itself works.
        Check(SafeAccess.TryCall((ulong)(delegate*<void>)&Nothing), "calling kernel text faulted");
    }

    private static void Nothing() { }
}
