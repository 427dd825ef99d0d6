using System;
using Aurora.Kernel.Memory;
using Aurora.Vmm;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>
/// Kernel page-table isolation (Linux's KPTI, arch/x86/mm/pti.c): on a CPU that may be
/// affected by Meltdown (rogue data cache load, CVE-2017-5754) user code runs on a page-table
/// root that maps the user half and, of the kernel, only the entry area and entry text
/// (entry_area.S, .entry.text): no kernel data, heap, direct map or thread stack is reachable
/// by any translation while the CPU is in ring 3.
/// <para>
/// Design. One processor, so one <b>user root</b>: a PML4 whose kernel half maps the entry
/// pages through tables of its own, and whose user half is a copy of the running address
/// space's PML4 entries 0..255 (so it shares every PDPT below them and sees every later change
/// underneath). <see cref="Activate"/> — every CR3 load of the kernel — recopies the 256 entries
/// and records the kernel root for the entry code. A user-half PML4 entry the vmm creates while
/// the space runs (tables are made lazily) reaches the user root on the first user access that
/// needs it: that access faults "not present", and <see cref="TryResolveUserFault"/> copies the
/// entry and retries (PML4 entries of the user half are only ever added during a space's life,
/// never changed or removed: page tables stay until the space is destroyed, vmm README).
/// Entries from user mode load the kernel root first (interrupts.S, syscall.S), exits load
/// the user root last. Without PCID every CR3 write flushes the TLB, and global pages are off
/// (CR4.PGE clear), so no kernel translation survives into user mode.
/// </para>
/// <para>
/// On when <c>pti=on</c>, or when the CPU may be affected and <c>pti=off</c> is not given.
/// Off, nothing of this runs: the entry and exit code test one byte and skip, TSS.RSP0 is the
/// thread's stack and no user root exists.
/// </para>
/// </summary>
internal static unsafe class PageTableIsolation
{
    private const int UserHalfEntries = 256;
    private const ulong Cr4GlobalPages = 1UL << 7;

    /// <summary>Why isolation is on or off, for the boot log and the tests.</summary>
    internal enum Reason
    {
        NotNeeded,        // CPU not affected, no option
        Needed,           // CPU may be affected, no option
        ForcedOn,         // pti=on
        ForcedOff,        // pti=off
    }

    internal static Reason Decision;
    internal static bool CpuAffected;
    internal static bool Enabled => *EntryArea.IsolationFlag() != 0;
    internal static ulong UserRoot => *EntryArea.UserRoot();

    /// <summary>User-half PML4 entries copied into the user root by a fault (tests).</summary>
    internal static ulong LazyEntryCopies;

    /// <summary>Decides from the CPU and the kernel option, and turns isolation on if so.
    /// Runs once at boot, after the kernel runs on its own page tables.</summary>
    internal static void Initialize(bool cpuAffected)
    {
        CpuAffected = cpuAffected;
        ReadOnlySpan<byte> option = KernelMain.Command.Value("pti");
        if (option.SequenceEqual("on"u8)) Decision = Reason.ForcedOn;
        else if (option.SequenceEqual("off"u8)) Decision = Reason.ForcedOff;
        else Decision = cpuAffected ? Reason.Needed : Reason.NotNeeded;
        if (Decision == Reason.ForcedOn || Decision == Reason.Needed) TurnOn();
    }

    private static void TurnOn()
    {
        ref var mapper = ref KernelMemory.Mapper;
        if (mapper.CreateEmpty(out AddressSpace user) != VmmError.None)
            Panic.Fail("page-table isolation", "no frame for the user root");
        MapEntryPages(user, EntryArea.TextStart(), EntryArea.TextEnd(), PageFlags.None);
        MapEntryPages(user, EntryArea.DataStart(), EntryArea.DataEnd(), PageFlags.Writable | PageFlags.NoExecute);

        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        ulong root = Cpu.ReadCr3() & ~0xFFFUL;
        *EntryArea.UserRoot() = user.Root;
        *EntryArea.KernelRoot() = root;
        CopyUserHalf(root);
        // Kernel pages are mapped global; with CR4.PGE clear the G bit is ignored, so a CR3
        // load drops every kernel translation (clearing PGE also flushes them now).
        Cpu.WriteCr4(Cpu.ReadCr4() & ~Cr4GlobalPages);
        // The CPU now pushes a frame from user mode onto the entry stack; syscall.S and
        // interrupts.S move it to the thread's stack, whose top UserMode.SetKernelStack keeps.
        Gdt.SetKernelStack((ulong)EntryArea.EntryStackTop());
        *EntryArea.IsolationFlag() = 1;
        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    private static void MapEntryPages(AddressSpace user, ulong start, ulong end, PageFlags flags)
    {
        ref var mapper = ref KernelMemory.Mapper;
        for (ulong page = start; page < end; page += 4096)
        {
            if (mapper.Translate(KernelMemory.KernelSpace, page, out Translation t) != VmmError.None ||
                mapper.Map(user, page, t.PhysicalAddress & ~0xFFFUL, PageSize.Size4KiB, flags) != VmmError.None)
                Panic.Fail("page-table isolation", "mapping the entry pages into the user root");
        }
    }

    /// <summary>Loads <paramref name="root"/> into CR3; with isolation on, first makes the user
    /// root's user half that of <paramref name="root"/> and tells the entry code which kernel
    /// root to load. The three steps run with interrupts off, so no entry sees them half done.</summary>
    internal static void Activate(ulong root)
    {
        if (*EntryArea.IsolationFlag() == 0)
        {
            Cpu.WriteCr3(root);
            return;
        }

        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        *EntryArea.KernelRoot() = root;
        CopyUserHalf(root);
        Cpu.WriteCr3(root);
        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    private static void CopyUserHalf(ulong root)
    {
        var from = (ulong*)(root + KernelMemory.DirectMapOffset);
        var to = (ulong*)(UserRoot + KernelMemory.DirectMapOffset);
        for (int i = 0; i < UserHalfEntries; i++) to[i] = from[i];
    }

    /// <summary>A page fault from user mode at <paramref name="address"/>: true when the user
    /// root lacked a PML4 entry the running space has (made after the last
    /// <see cref="Activate"/>) and it has now been copied, so the access is retried.</summary>
    internal static bool TryResolveUserFault(ulong address)
    {
        if (*EntryArea.IsolationFlag() == 0 || address >= 0x0000_8000_0000_0000) return false;
        int index = (int)((address >> 39) & 511);
        var kernel = (ulong*)(*EntryArea.KernelRoot() + KernelMemory.DirectMapOffset);
        var user = (ulong*)(UserRoot + KernelMemory.DirectMapOffset);
        // Only a missing entry is copied: the two copies of an entry differ in the accessed bit
        // (each root's walks set their own), and user-half entries are never changed otherwise.
        if ((user[index] & 1) != 0 || (kernel[index] & 1) == 0) return false;
        user[index] = kernel[index];
        LazyEntryCopies++;
        return true;
    }

    /// <summary>The boot log line.</summary>
    internal static void Report()
    {
        Log.Write(Decision switch
        {
            Reason.Needed => "page-table isolation: on (CPU may be affected by Meltdown)",
            Reason.ForcedOn => "page-table isolation: on (forced by pti=on",
            Reason.ForcedOff => "page-table isolation: OFF (pti=off",
            _ => "page-table isolation: not needed (CPU not affected by Meltdown)",
        });
        if (Decision == Reason.ForcedOn || Decision == Reason.ForcedOff)
            Log.Write(CpuAffected ? "; CPU may be affected by Meltdown)" : "; CPU not affected by Meltdown)");
        Log.WriteLine();
    }
}
