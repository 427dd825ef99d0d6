using System;
using Aurora.Kernel.Arch.X86_64;
using Aurora.Kernel.Memory;
using Aurora.Vmm;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>Kernel page-table isolation (arch/x86_64/PageTableIsolation.cs, issue 9 finding
/// 10). Each test checks whichever state this boot is in: on (`pti=on`, or a Meltdown-affected
/// CPU) or off (the default on QEMU `-cpu max`, which reports not affected), and says which.
/// The xunit suite boots the ordinary tests once with `pti=on` (PageTableIsolationTests.cs),
/// so both states run in every CI pass. Each check prints the values it compares.</summary>
internal static unsafe class PageTableIsolationTests
{
    private static void Mode()
    {
        Log.Write("  isolation ");
        Log.WriteLine(PageTableIsolation.Enabled ? "ON: checking the user root" : "off: checking that nothing of it is in use");
    }

    /// <summary>On exactly when `pti=on`, or when the CPU may be affected and `pti=off` is
    /// absent; when on: a user root, CR4.PGE clear, TSS.RSP0 on the entry stack; when off: no
    /// user root and RSP0 the thread's own kernel stack.</summary>
    internal static void StateFollowsCpuAndOption()
    {
        ReadOnlySpan<byte> option = KernelMain.Command.Value("pti");
        bool expected = option.SequenceEqual("on"u8) || (!option.SequenceEqual("off"u8) && Protections.MeltdownAffected);
        ShowHex("isolation on (pti option, CPU affected)", expected ? 1UL : 0, PageTableIsolation.Enabled ? 1UL : 0);
        Check(PageTableIsolation.Enabled == expected, "isolation is not what the CPU and the option ask for");

        ulong rsp0 = Gdt.Tss->Rsp0;
        ulong entryStack = (ulong)EntryArea.EntryStackTop();
        if (PageTableIsolation.Enabled)
        {
            Check(PageTableIsolation.UserRoot != 0, "isolation on without a user root");
            ShowHex("CR4.PGE", 0, Cpu.ReadCr4() & (1UL << 7));
            Check((Cpu.ReadCr4() & (1UL << 7)) == 0, "global pages on: kernel translations would outlive the switch");
            ShowHex("TSS.RSP0 (the entry stack)", entryStack, rsp0);
            Check(rsp0 == entryStack, "RSP0 is not the entry stack");
        }
        else
        {
            ShowHex("user root", 0, PageTableIsolation.UserRoot);
            Check(PageTableIsolation.UserRoot == 0, "a user root exists with isolation off");
            ShowHex("TSS.RSP0 (the running thread's kernel stack)", *EntryArea.ThreadStackTop(), rsp0);
            Check(rsp0 != entryStack && rsp0 == *EntryArea.ThreadStackTop(), "RSP0 is not the thread's kernel stack");
        }
    }

    /// <summary>With isolation on, the user root's kernel half maps the entry text and entry
    /// area and nothing else (counted page by page over the whole kernel half), none of it
    /// user-accessible, while the kernel root still maps the kernel image, the heap, the direct
    /// map and thread stacks, none of which the user root maps. Off: no user root exists.</summary>
    internal static void UserRootMapsOnlyEntryPages()
    {
        Mode();
        if (!PageTableIsolation.Enabled)
        {
            ShowHex("user root", 0, PageTableIsolation.UserRoot);
            Check(PageTableIsolation.UserRoot == 0, "a user root exists with isolation off");
            return;
        }

        ulong pages = 0, outside = 0, userAccessible = 0;
        var pml4 = (ulong*)(PageTableIsolation.UserRoot + KernelMemory.DirectMapOffset);
        for (int i4 = 256; i4 < 512; i4++)
        {
            if ((pml4[i4] & 1) == 0) continue;
            ulong base4 = 0xFFFF_0000_0000_0000UL | ((ulong)i4 << 39);
            var pdpt = Table(pml4[i4]);
            for (int i3 = 0; i3 < 512; i3++)
            {
                if ((pdpt[i3] & 1) == 0) continue;
                ulong base3 = base4 | ((ulong)i3 << 30);
                if ((pdpt[i3] & 0x80) != 0) { pages += 512 * 512; outside++; continue; }
                var pd = Table(pdpt[i3]);
                for (int i2 = 0; i2 < 512; i2++)
                {
                    if ((pd[i2] & 1) == 0) continue;
                    ulong base2 = base3 | ((ulong)i2 << 21);
                    if ((pd[i2] & 0x80) != 0) { pages += 512; outside++; continue; }
                    var pt = Table(pd[i2]);
                    for (int i1 = 0; i1 < 512; i1++)
                    {
                        if ((pt[i1] & 1) == 0) continue;
                        pages++;
                        if (!EntryArea.Contains(base2 | ((ulong)i1 << 12))) outside++;
                        if ((pt[i1] & 4) != 0) userAccessible++;
                    }
                }
            }
        }

        ShowHex("kernel-half pages mapped in the user root (entry text + entry area)", EntryArea.PageCount, pages);
        ShowHex("of them outside the entry pages", 0, outside);
        ShowHex("of them user-accessible", 0, userAccessible);
        Check(pages == EntryArea.PageCount && outside == 0, "the user root maps kernel pages beyond the entry pages");
        Check(userAccessible == 0, "an entry page is user-accessible");

        // The kernel root maps everything the kernel runs on; the user root none of it.
        void* heapBlock = KernelMemory.Allocate(64);
        ulong* probes = stackalloc ulong[5];
        probes[0] = KernelMain.Layout.Start;                                 // kernel text
        probes[1] = (ulong)heapBlock;                                         // heap (direct map)
        probes[2] = KernelMemory.DirectMapOffset;                             // physical page 0
        probes[3] = Cpu.ReadStackPointer();                                   // this thread's stack
        probes[4] = KernelMemory.DirectMapOffset + PageTableIsolation.UserRoot; // the user root itself
        ref var mapper = ref KernelMemory.Mapper;
        var userSpace = new AddressSpace(PageTableIsolation.UserRoot);
        int mappedInKernel = 0, mappedInUser = 0;
        for (int i = 0; i < 5; i++)
        {
            if (mapper.Translate(new AddressSpace(Hal.Paging.ActiveRootPhysical()), probes[i], out _) == VmmError.None) mappedInKernel++;
            if (mapper.Translate(userSpace, probes[i], out _) == VmmError.None) mappedInUser++;
        }

        KernelMemory.Free(heapBlock);
        ShowHex("kernel text, heap, direct map, stack, user root: mapped in the kernel root", 5, (ulong)mappedInKernel);
        ShowHex("the same five: mapped in the user root", 0, (ulong)mappedInUser);
        Check(mappedInKernel == 5, "the kernel root lost a kernel mapping");
        Check(mappedInUser == 0, "the user root maps kernel memory outside the entry pages");
    }

    private static ulong* Table(ulong entry) => (ulong*)((entry & 0x000F_FFFF_FFFF_F000UL) + KernelMemory.DirectMapOffset);

    private static ulong s_breakpointCr3, s_processRoot;
    private static int s_breakpoints;

    private static bool OnBreakpoint(InterruptFrame* frame)
    {
        if ((frame->Cs & 3) != 3) return false;
        s_breakpointCr3 = Cpu.ReadCr3() & ~0xFFFUL;
        s_processRoot = Tasks.Scheduler.Current->AddressSpaceRoot;
        s_breakpoints++;
        return true; // a trap: RIP is past the int3
    }

    /// <summary>userland/pti_probe.c (system calls, an int3, a page under a PML4 entry made
    /// while it runs) exits normally. On: its entries found the user root in CR3 and loaded the
    /// process's kernel root, and the new PML4 entry reached the user root on the fault. Off:
    /// no entry ever switched CR3, and CR3 during user mode (read by the int3 handler, which
    /// nothing changed it before) is the process's own root.</summary>
    internal static void UserModeRunsOnTheExpectedRoot()
    {
        Mode();
        ulong entriesBefore = *EntryArea.IsolatedEntries();
        ulong lazyBefore = PageTableIsolation.LazyEntryCopies;
        *EntryArea.LastEntryRoot() = 0;
        s_breakpoints = 0;
        Interrupts.Register(3, &OnBreakpoint);
        int status = ProcessTests.RunProgram("pti_probe.elf", checkMemory: true);
        Interrupts.Unregister(3);
        ShowHex("exit status", 7 << 8, (ulong)status);
        Check(status == 7 << 8, "the probe program did not run normally");
        ShowHex("int3 from user mode seen", 1, (ulong)s_breakpoints);
        Check(s_breakpoints == 1, "the probe's int3 did not reach the handler");
        ShowHex("CR3 in the int3 handler (the process's kernel root)", s_processRoot, s_breakpointCr3);
        Check(s_breakpointCr3 == s_processRoot && s_processRoot != 0, "the handler ran on another root");

        ulong entries = *EntryArea.IsolatedEntries() - entriesBefore;
        ulong lastRoot = *EntryArea.LastEntryRoot();
        ulong lazy = PageTableIsolation.LazyEntryCopies - lazyBefore;
        if (PageTableIsolation.Enabled)
        {
            Log.Write("  entries from user mode that loaded the kernel root: ");
            Log.WriteDecimal(entries);
            Log.WriteLine();
            Check(entries >= 4, "entries from user mode did not switch CR3");
            ShowHex("CR3 at the last entry from user mode (the user root)", PageTableIsolation.UserRoot, lastRoot);
            Check(lastRoot == PageTableIsolation.UserRoot && lastRoot != s_processRoot, "user mode did not run on the user root");
            Log.Write("  PML4 entries copied into the user root on a fault: ");
            Log.WriteDecimal(lazy);
            Log.WriteLine();
            Check(lazy >= 1, "the far page's PML4 entry never needed copying");
        }
        else
        {
            ShowHex("entries that switched CR3", 0, entries);
            ShowHex("CR3 recorded by an isolated entry", 0, lastRoot);
            Check(entries == 0 && lastRoot == 0 && lazy == 0, "isolation code ran with isolation off");
        }
    }
}
