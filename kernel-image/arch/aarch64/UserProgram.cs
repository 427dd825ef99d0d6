using Aurora.Kernel.Processes;
using Aurora.Kernel.Syscalls;
using Aurora.Vmm;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// EL0 on aarch64, first slice: one static arm64 ELF program built into the image
/// (kernel-image/userland/aarch64/, linked in by tools/aarch64.sh) is loaded into an address
/// space of its own (a TTBR0 root from kernel/Memory's mapper, switched by the scheduler),
/// run at EL0 in a kernel thread of its own, and served through `svc #0` with Linux's arm64
/// (asm-generic) numbers from arch/aarch64/abi/syscalls.tbl: x8 the number, x0-x5 the
/// arguments, x0 the result or -errno (Linux arch/arm64/kernel/syscall.c). A fault at EL0 ends
/// the program, not the kernel. Not yet: processes, the portable
/// ELF loader and syscall families (kernel/), signals.
/// </summary>
internal static unsafe class UserProgram
{
    private const uint PtLoad = 1, PfExecute = 1, PfWrite = 2;
    private const ulong UserLimit = 1UL << 47;
    private const ulong StackTop = 0x0000_7FFF_FFFF_0000, StackPages = 4;
    private const long BadAddress = -Errno.EFAULT, NoSystem = -Errno.ENOSYS, BadDescriptor = -Errno.EBADF;

    internal static long ExitStatus = -1;
    internal static bool Faulted;
    internal static ulong Calls;
    private static ulong s_entry;
    private static AddressSpace s_space;

    private static ref KernelPageMapper Mapper => ref Memory.KernelMemory.Mapper;

    /// <summary>A zeroed frame from kernel/Memory (components/pmm), or 0.</summary>
    private static ulong NewFrame()
    {
        if (!Memory.KernelMemory.AllocateFrame(out ulong frame)) return 0;
        new System.Span<byte>((void*)(Paging.DirectMapBase + frame), 4096).Clear();
        return frame;
    }

    /// <summary>The program's address space goes once its thread has ended: every table and
    /// every frame back to the frame allocator.</summary>
    internal static void Unload()
    {
        Mapper.DestroyAddressSpace(s_space, UserMemory.Counts);
        s_space = default;
    }

    /// <summary>Loads the built-in program; false (with a log line) when it is not a static
    /// little-endian ELF64 executable for AArch64 that fits.</summary>
    internal static bool Load()
    {
        byte* file, end;
        Native.UserProgramBounds(&file, &end);
        ulong size = (ulong)(end - file);
        // The portable loader's checks first (kernel/Processes/ElfImage.cs: ELF64, this
        // processor's e_machine through the HAL, segments inside the file and in order, the
        // entry in an executable one); the pages are still mapped here, into the one address
        // space of the bring-up kernel.
        ElfImage.Image image = default;
        LoadError parsed = size > int.MaxValue ? LoadError.Malformed : ElfImage.Parse(new System.ReadOnlySpan<byte>(file, (int)size), out image);
        if (parsed != LoadError.None || image.PositionIndependent || image.HasInterpreter)
        {
            Log.Write("user: kernel/Processes/ElfImage refuses the built-in program (");
            Log.WriteDecimal((ulong)parsed);
            Log.WriteLine("): not a static ELF64 AArch64 executable");
            return false;
        }
        ulong headers = *(ulong*)(file + 32);
        ushort headerSize = *(ushort*)(file + 54), count = *(ushort*)(file + 56);
        if (headerSize < 56 || headers + (ulong)count * headerSize > size) return false;
        // An address space of its own: an empty TTBR0 root from kernel/Memory's mapper (the
        // kernel's half is TTBR1's and needs no copy).
        if (Mapper.CreateAddressSpace(Memory.KernelMemory.KernelSpace, out s_space) != VmmError.None) return false;
        for (int i = 0; i < count; i++)
        {
            byte* header = file + headers + (ulong)i * headerSize;
            if (*(uint*)header != PtLoad) continue;
            uint flags = *(uint*)(header + 4);
            ulong offset = *(ulong*)(header + 8), va = *(ulong*)(header + 16), fileBytes = *(ulong*)(header + 32), memoryBytes = *(ulong*)(header + 40);
            if (fileBytes > memoryBytes || (fileBytes > 0 && (offset > size || fileBytes > size - offset)) || va >= UserLimit || memoryBytes > UserLimit - va) return false;
            PageFlags rights = ((flags & PfWrite) != 0 ? PageFlags.Writable : 0) | ((flags & PfExecute) == 0 ? PageFlags.NoExecute : 0);
            for (ulong page = va & ~0xFFFUL; page < va + memoryBytes; page += 4096)
            {
                ulong frame;
                if (Mapper.Translate(s_space, page, out Translation existing) == VmmError.None) frame = existing.FrameAddress;   // two segments share a page
                else if ((frame = NewFrame()) == 0 || Mapper.Map(s_space, page, frame, PageSize.Size4KiB, rights | PageFlags.User) != VmmError.None) return false;
                // This page's share of the file bytes, written through the direct map (the
                // program's lower half is not the one this thread runs on).
                byte* bytes = (byte*)(Paging.DirectMapBase + frame);
                for (ulong b = 0; b < 4096; b++)
                {
                    ulong at = page + b;
                    if (at >= va && at < va + fileBytes) bytes[b] = file[offset + (at - va)];
                }
            }
        }
        for (ulong page = StackTop - StackPages * 4096; page < StackTop; page += 4096)
        {
            ulong frame = NewFrame();
            if (frame == 0 || Mapper.Map(s_space, page, frame, PageSize.Size4KiB, PageFlags.User | PageFlags.Writable | PageFlags.NoExecute) != VmmError.None) return false;
        }
        s_entry = image.Entry;
        return true;
    }

    /// <summary>The thread that becomes the program: it leaves for EL0 and ends in exit.</summary>
    /// <param name="fault">Give the program the argument "fault": it then writes to its own code.</param>
    internal static long Run(ulong fault)
    {
        // This thread runs in the program's address space from now on: the scheduler puts
        // its root in TTBR0 whenever it switches to it.
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        Tasks.Scheduler.Current->AddressSpaceRoot = s_space.Root;
        Hal.Paging.ActivateRoot(s_space.Root);
        Hal.Cpu.RestoreInterrupts(interrupts);
        // Linux's initial stack (System V ABI, AArch64 supplement): argc, argv[] and NULL,
        // envp NULL, an empty auxiliary vector; the strings above them.
        // The kernel writes them through the direct map, as kernel/Processes does: with PAN on
        // (Protections.cs) an EL1 store through the user address faults.
        ulong sp = StackTop - 128, strings = StackTop - 32;
        ulong* words = (ulong*)DirectAddress(sp);
        byte* text = (byte*)DirectAddress(strings);
        if (words == null || text == null) Exit(-1);
        for (int i = 0; i < 16; i++) words[i] = 0;
        for (int i = 0; i < 32; i++) text[i] = 0;
        text[0] = (byte)'h'; text[1] = (byte)'e'; text[2] = (byte)'l'; text[3] = (byte)'l'; text[4] = (byte)'o';
        text[8] = (byte)'f'; text[9] = (byte)'a'; text[10] = (byte)'u'; text[11] = (byte)'l'; text[12] = (byte)'t';
        words[0] = fault != 0 ? 2UL : 1UL;
        words[1] = strings;
        words[2] = fault != 0 ? strings + 8 : 0;
        Native.EnterUser(s_entry, sp);
        return 0;
    }

    internal static void SystemCall(TrapFrame* frame)
    {
        Calls++;
        ulong number = frame->X[8];
        long result = number switch
        {
            SyscallTable.Write => Write(frame->X[0], frame->X[1], frame->X[2]),
            SyscallTable.Getpid => 1,
            SyscallTable.Exit or SyscallTable.ExitGroup => Exit((long)frame->X[0] & 0xFF),
            _ => NoSystem,
        };
        frame->X[0] = (ulong)result;
    }

    /// <summary>write(fd, buffer, count) to the console: every byte must be in a user page.</summary>
    private static long Write(ulong descriptor, ulong buffer, ulong count)
    {
        if (descriptor != 1 && descriptor != 2) return BadDescriptor;
        if (count > UserLimit || buffer >= UserLimit || count > UserLimit - buffer) return BadAddress;
        for (ulong page = buffer & ~0xFFFUL; page < buffer + count; page += 4096)
        {
            if (Mapper.Translate(s_space, page, out Translation t) != VmmError.None || (t.Flags & PageFlags.User) == 0) return BadAddress;
        }
        for (ulong i = 0; i < count; i++) Log.Write(*DirectAddress(buffer + i));
        return (long)count;
    }

    /// <summary>Where the kernel reaches a byte of the program's memory: the direct map of the
    /// frame behind it (null when nothing is mapped there).</summary>
    private static byte* DirectAddress(ulong address)
    {
        if (Mapper.Translate(s_space, address & ~0xFFFUL, out Translation t) != VmmError.None) return null;
        return (byte*)(Paging.DirectMapBase + t.PhysicalAddress + (address & 0xFFF));
    }

    private static long Exit(long status)
    {
        ExitStatus = status;
        Tasks.Scheduler.Exit(status);
        return 0;
    }

    internal static void Fault(TrapFrame* frame, uint exceptionClass)
    {
        Faulted = true;
        Log.Write("user: the program took ");
        Log.Write(Exceptions.ClassName(exceptionClass));
        if (exceptionClass is 0x20 or 0x24)
        {
            // An abort from EL0: the fault status says which (as in the kernel's panic report).
            Log.Write(exceptionClass == 0x24 && (frame->Syndrome & (1 << 6)) != 0 ? " (write: " : " (");
            Log.Write(Exceptions.FaultStatusName((uint)frame->Syndrome & 0x3F));
            Log.Write(")");
        }
        Log.Write(" at ");
        Log.WriteHex(frame->ExceptionLink);
        Log.Write(" (FAR ");
        Log.WriteHex(frame->FaultAddress);
        Log.WriteLine("); it is ended, the kernel goes on");
        Tasks.Scheduler.Exit(-1);
    }
}
