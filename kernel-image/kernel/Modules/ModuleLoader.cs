using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;
using Aurora.Modsign;
using Aurora.Vmm;
using Errno = Aurora.Kernel.Syscalls.Errno;

namespace Aurora.Kernel.Modules;

/// <summary>
/// Loadable modules (SEC-4, docs/modules.md): init_module/finit_module bring a signed module
/// in, delete_module takes it out, /proc/modules lists them. A load runs in this order, and a
/// failure at any step leaves nothing behind: signature (before a byte of the file is used),
/// ELF headers and .modinfo (name, kernel interface version), the image laid out and relocated
/// in a kernel staging buffer, then copied into fresh frames mapped in the module's own slot of
/// the module window with each segment's permissions (text R-X, read-only data R--, data RW-
/// NX: the module's address is never writable and executable at once, and nothing is mapped
/// executable before the signature and every relocation were checked), then its init. One
/// sleeping lock serialises loads, unloads and listing; a module's own calls into the kernel
/// (ModuleServices) take only what they need.
/// </summary>
internal static unsafe class ModuleLoader
{
    /// <summary>Where modules live: slot i at ModuleWindow + i × SlotBytes, its image at the
    /// slot's start, its arena (objects its runtime allocates) at <see cref="ArenaOffset"/>,
    /// the device registers it maps at <see cref="BarOffset"/>, unmapped gaps between them as
    /// guards. The window's page tables are made at boot (<see cref="Initialize"/>), so loading
    /// and unloading give back every frame they took.</summary>
    internal static ulong ModuleWindow => Hal.Layout.WindowsBase() + (3UL << 40);   // 0xFFFF_C300_0000_0000 with kaslr=off
    internal const ulong SlotBytes = 32UL << 20, ArenaOffset = 10UL << 20, ArenaLimit = 4UL << 20;
    internal const ulong BarOffset = 16UL << 20, BarLimit = 16UL << 20;
    internal const int MaxModules = 8;
    internal const int NameCapacity = 56; // Linux's MODULE_NAME_LEN
    private const ulong MaxFileBytes = 32UL << 20;

    internal const int Free = 0, Loading = 1, Live = 2, Unloading = 3;

    internal struct Module
    {
        public int State;
        public int NameLength;
        public fixed byte Name[NameCapacity];
        public ulong ImageBytes;
        /// <summary>Arena bytes handed out, and mapped (whole pages).</summary>
        public ulong ArenaUsed, ArenaMapped;
        public KernelInterface* Interface;
        public ModuleDescriptor Descriptor;
        /// <summary>The BAR windows it mapped (its PCI claims are ModuleServices').</summary>
        public fixed ulong BarAddress[MaxBars];
        public fixed ulong BarBytes[MaxBars];
        /// <summary>Bytes of the BAR area used so far (mappings are not reused before unload).</summary>
        public ulong BarUsed;
    }

    internal const int MaxClaims = 2, MaxBars = 4;

    private static Module* s_modules;
    private static KernelMutex s_lock;

    internal static ulong Base(int slot) => ModuleWindow + ((ulong)slot * SlotBytes);

    internal static Module* At(int slot) => s_modules == null || (uint)slot >= MaxModules ? null : &s_modules[slot];

    /// <summary>The module behind a handle a module passed in (slot + 1), or null when the
    /// handle names no module that is loading, live or running its exit (whatever it takes
    /// then is released right after).</summary>
    internal static Module* FromHandle(nint handle)
    {
        Module* module = At((int)handle - 1);
        return module != null && module->State != Free ? module : null;
    }

    internal static void Initialize()
    {
        s_modules = (Module*)KernelMemory.Allocate((nuint)(MaxModules * sizeof(Module)));
        if (s_modules == null) Panic.Fail("no memory for the module table");
        new Span<byte>(s_modules, MaxModules * sizeof(Module)).Clear();
        ReserveWindowTables();
        ModuleServices.Initialize();
        ModuleGuard.Install();
    }

    /// <summary>Page tables for the whole window (a page table per 2 MiB, 128 for 8 slots of
    /// 32 MiB: 512 KiB), made once: as with the stack window, a load then never grows the
    /// kernel's tables and an unload gives back everything the load took.</summary>
    private static void ReserveWindowTables()
    {
        const ulong TableSpan = 2UL << 20;
        if (!KernelMemory.AllocateFrame(out ulong probe)) Panic.Fail("no frame to reserve the module window");
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        for (ulong at = ModuleWindow; at < ModuleWindow + (MaxModules * SlotBytes); at += TableSpan)
        {
            if (KernelMemory.Mapper.Map(KernelMemory.KernelSpace, at, probe, PageSize.Size4KiB, PageFlags.NoExecute) != VmmError.None ||
                KernelMemory.Mapper.Unmap(KernelMemory.KernelSpace, at, PageSize.Size4KiB, out _) != VmmError.None)
                Panic.Fail("reserving the module window's page tables");
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
        KernelMemory.FreeFrame(probe, "module window probe frame");
    }

    internal static void Lock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Acquire();
    }

    internal static void Unlock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Release();
    }

    /// <summary>Loads the signed module file <paramref name="file"/> (kernel memory): 0 or
    /// -errno. The caller checked privilege.</summary>
    internal static long Load(ReadOnlySpan<byte> file)
    {
        if ((ulong)file.Length > MaxFileBytes) return Refuse(-Errno.EFBIG, "larger than 32 MiB", default);
        VerifyResult verdict = ModuleTrust.Verify(file, out ReadOnlySpan<byte> payload);
        if (verdict != VerifyResult.Valid) return Refuse(ErrnoOf(verdict), ResultText.Describe(verdict), default);

        ModuleElf elf = default;
        string? problem = elf.Parse(payload, Hal.Cpu.ElfMachine());
        if (problem != null) return Refuse(-Errno.ENOEXEC, problem, default);
        ReadOnlySpan<byte> name = elf.InfoValue("name"u8);
        if (!ValidName(name)) return Refuse(-Errno.ENOEXEC, "no valid name= in .modinfo", default);
        if (!IsVersion(elf.InfoValue("interface"u8), KernelInterface.Version))
            return Refuse(-Errno.ENOEXEC, "built for another kernel interface version", name);

        // A kernel that made no module table (Initialize not run) has none to fill.
        if (s_modules == null) return Refuse(-Errno.ENOEXEC, "this kernel has no module table", name);
        Lock();
        long result = LoadLocked(ref elf, name);
        Unlock();
        return result;
    }

    private static long LoadLocked(ref ModuleElf elf, ReadOnlySpan<byte> name)
    {
        int slot = -1;
        for (int i = 0; i < MaxModules; i++)
        {
            if (s_modules[i].State != Free && NameOf(&s_modules[i]).SequenceEqual(name)) return Refuse(-Errno.EEXIST, "already loaded", name);
            if (s_modules[i].State == Free && slot < 0) slot = i;
        }

        if (slot < 0) return Refuse(-Errno.ENOMEM, "no free module slot", name);
        Module* module = &s_modules[slot];
        new Span<byte>(module, sizeof(Module)).Clear();
        module->State = Loading;
        module->NameLength = name.Length;
        name.CopyTo(new Span<byte>(module->Name, NameCapacity));

        ulong runAt = Base(slot);
        byte* staging = (byte*)KernelMemory.Allocate((nuint)elf.ImageBytes);
        if (staging == null) return Abandon(module, -Errno.ENOMEM, "no memory to stage the image");
        new Span<byte>(staging, (int)elf.ImageBytes).Clear();
        elf.Lay(staging);
        string? problem = elf.Relocate(staging, runAt);
        if (problem != null)
        {
            KernelMemory.Free(staging);
            return Abandon(module, -Errno.ENOEXEC, problem);
        }

        module->ImageBytes = elf.ImageBytes;
        bool mapped = MapImage(ref elf, staging, runAt);
        KernelMemory.Free(staging);
        if (!mapped) return Abandon(module, -Errno.ENOMEM, "no memory to map the image");

        module->Interface = (KernelInterface*)KernelMemory.Allocate((nuint)sizeof(KernelInterface));
        if (module->Interface == null) return Abandon(module, -Errno.ENOMEM, "no memory for its interface table");
        ModuleServices.Fill(module->Interface, slot + 1);
        if (elf.ModulesBytes != 0)
        {
            module->Descriptor.ModulesStart = (void**)(runAt + elf.ModulesAddress);
            module->Descriptor.ModulesEnd = (void**)(runAt + elf.ModulesAddress + elf.ModulesBytes);
        }

        // aurora_module_init(KernelInterface*, ModuleDescriptor*) → int, guarded: a fault in it is -EFAULT.
        int answer = (int)ModuleGuard.Call(runAt + elf.Entry, (ulong)module->Interface, (ulong)&module->Descriptor);
        if (answer < 0)
        {
            long errno = answer >= -4095 ? answer : -Errno.EINVAL;
            return Abandon(module, errno, "its init failed");
        }

        if (module->Descriptor.InterfaceVersion != KernelInterface.Version)
            return Abandon(module, -Errno.ENOEXEC, "its init reported another kernel interface version");
        module->State = Live;
        Log.Write("modules: loaded ");
        Log.Write(name);
        Log.Write(" at ");
        Log.WriteHex(runAt);
        Log.WriteLine();
        return 0;
    }

    /// <summary>Maps each page of the image from a fresh frame holding the staged bytes, with
    /// its segment's permissions; pages no segment covers stay unmapped.</summary>
    private static bool MapImage(ref ModuleElf elf, byte* staging, ulong runAt)
    {
        for (ulong page = 0; page < elf.ImageBytes; page += 4096)
        {
            int segment = -1;
            for (int i = 0; i < elf.SegmentCount; i++)
            {
                ModuleElf.Segment s = elf.SegmentAt(i);
                if (page >= (s.Address & ~4095UL) && page < s.Address + s.MemorySize) segment = i;
            }

            if (segment < 0) continue;
            ModuleElf.Segment owner = elf.SegmentAt(segment);
            PageFlags flags = owner.Executable ? PageFlags.None : owner.Writable ? PageFlags.Writable | PageFlags.NoExecute : PageFlags.NoExecute;
            if (!MapFreshPage(runAt + page, staging + page, flags)) return false;
        }

        return true;
    }

    /// <summary>A new frame, filled from <paramref name="content"/> (or zeroed when null)
    /// through the direct map, mapped at <paramref name="address"/>.</summary>
    internal static bool MapFreshPage(ulong address, byte* content, PageFlags flags)
    {
        if (!KernelMemory.AllocateFrame(out ulong frame)) return false;
        var bytes = new Span<byte>((byte*)(frame + KernelMemory.DirectMapOffset), 4096);
        if (content != null) new ReadOnlySpan<byte>(content, 4096).CopyTo(bytes);
        else bytes.Clear();
        // Code written as data: arm64 must clean it to where instruction fetches see it.
        if ((flags & PageFlags.NoExecute) == 0) Hal.Cpu.CodeWritten((ulong)frame + KernelMemory.DirectMapOffset, 4096);
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        VmmError error = KernelMemory.Mapper.Map(KernelMemory.KernelSpace, address, frame, PageSize.Size4KiB, flags);
        Hal.Cpu.RestoreInterrupts(interrupts);
        if (error == VmmError.None) return true;
        KernelMemory.FreeFrame(frame, "module page");
        return false;
    }

    /// <summary>Unmaps [from, to) of the window and frees the frames behind it.</summary>
    private static void UnmapRange(ulong from, ulong to)
    {
        for (ulong page = from; page < to; page += 4096)
        {
            bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
            VmmError error = KernelMemory.Mapper.Unmap(KernelMemory.KernelSpace, page, PageSize.Size4KiB, out ulong frame);
            Hal.Cpu.RestoreInterrupts(interrupts);
            if (error == VmmError.None) KernelMemory.FreeFrame(frame, "module page free failed");
        }
    }

    /// <summary>delete_module: calls the module's exit, then releases everything it had.
    /// 0, ENOENT (no such module), EWOULDBLOCK (a device of it is open), EBUSY (loading).</summary>
    internal static long Unload(ReadOnlySpan<byte> name)
    {
        // No module table (Initialize not run): no module of any name, as on Linux for a name never loaded.
        if (s_modules == null) return -Errno.ENOENT;
        Lock();
        Module* module = null;
        for (int i = 0; i < MaxModules && module == null; i++)
        {
            if (s_modules[i].State != Free && NameOf(&s_modules[i]).SequenceEqual(name)) module = &s_modules[i];
        }

        long result = 0;
        if (module == null) result = -Errno.ENOENT;
        else if (module->State != Live) result = -Errno.EBUSY;
        else if (!ModuleDevices.TryRetire(SlotOf(module))) result = -Errno.EAGAIN;
        else
        {
            module->State = Unloading;
            if (module->Descriptor.Exit != null) ModuleGuard.Call((ulong)module->Descriptor.Exit);
            Log.Write("modules: removed ");
            Log.Write(name);
            Log.WriteLine();
            Release(module);
        }

        Unlock();
        return result;
    }

    private static int SlotOf(Module* module) => (int)(module - s_modules);

    internal static nint HandleOf(Module* module) => SlotOf(module) + 1;

    /// <summary>Gives back everything a module holds: devices, PCI claims, BAR windows, arena,
    /// image, interface table; the slot becomes free.</summary>
    private static void Release(Module* module)
    {
        int slot = SlotOf(module);
        ModuleDevices.RemoveAll(slot);
        ModuleServices.ReleaseHardware(module);
        ulong start = Base(slot);
        UnmapRange(start, start + module->ImageBytes);
        UnmapRange(start + ArenaOffset, start + ArenaOffset + module->ArenaMapped);
        if (module->Interface != null) KernelMemory.Free(module->Interface);
        new Span<byte>(module, sizeof(Module)).Clear();
    }

    private static long Abandon(Module* module, long errno, string reason)
    {
        Refuse(errno, reason, NameOf(module));
        Release(module);
        return errno;
    }

    /// <summary>Refusals logged since boot (the tests check every refusal left its line).</summary>
    internal static int Refusals;

    // At most RefusalLinesPerSecond refusal lines a second (a root loop of bad loads, or the
    // syscall fuzzer, must not flood the console); the rest are counted and reported.
    private const int RefusalLinesPerSecond = 20;
    private static ulong s_refusalSecond;
    private static int s_refusalLines, s_refusalsSuppressed;

    private static long Refuse(long errno, string reason, ReadOnlySpan<byte> name)
    {
        Refusals++;
        ulong second = Hal.Timer.Ticks() / KernelMain.TimerFrequencyHz;
        if (second != s_refusalSecond)
        {
            s_refusalSecond = second;
            s_refusalLines = 0;
            if (s_refusalsSuppressed > 0)
            {
                Log.Write("modules: ");
                Log.WriteDecimal(s_refusalsSuppressed);
                Log.WriteLine(" more refusals not logged");
                s_refusalsSuppressed = 0;
            }
        }

        if (++s_refusalLines > RefusalLinesPerSecond)
        {
            s_refusalsSuppressed++;
            return errno;
        }

        Log.Write("modules: refused ");
        if (!name.IsEmpty)
        {
            Log.Write(name);
            Log.Write(" ");
        }

        Log.Write("(errno ");
        Log.WriteDecimal(-errno);
        Log.Write("): ");
        Log.WriteLine(reason);
        return errno;
    }

    /// <summary>Linux's answers with signatures enforced: EKEYREJECTED for a missing or wrong
    /// signature, ENOKEY for a key the kernel does not hold, EBADMSG for a malformed block.</summary>
    private static long ErrnoOf(VerifyResult verdict) => verdict switch
    {
        VerifyResult.BadMagic or VerifyResult.BadPadding or VerifyResult.DigestMismatch or
            VerifyResult.SignatureNotLessThanModulus => -Errno.EKEYREJECTED,
        VerifyResult.UnknownKey => -Errno.ENOKEY,
        _ => -Errno.EBADMSG,
    };

    internal static ReadOnlySpan<byte> NameOf(Module* module) => new ReadOnlySpan<byte>(module->Name, module->NameLength);

    private static bool ValidName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name.Length >= NameCapacity) return false;
        foreach (byte c in name)
        {
            bool ok = (c >= (byte)'a' && c <= (byte)'z') || (c >= (byte)'A' && c <= (byte)'Z') || (c >= (byte)'0' && c <= (byte)'9') ||
                c == (byte)'_' || c == (byte)'-';
            if (!ok) return false;
        }

        return true;
    }

    private static bool IsVersion(ReadOnlySpan<byte> text, uint version)
    {
        if (text.IsEmpty || text.Length > 9) return false;
        uint value = 0;
        foreach (byte c in text)
        {
            if (c < (byte)'0' || c > (byte)'9') return false;
            value = (value * 10) + (uint)(c - '0');
        }

        return value == version;
    }

    /// <summary>/proc/modules, Linux's layout: name, size, users, dependencies, state, address.
    /// A snapshot read without the module lock (procfs builds it under the VFS lock, which a
    /// load must not wait behind).</summary>
    internal static void Write(ref FileSystems.TextBuilder text)
    {
        if (s_modules == null) return;
        Processes.Process* reader = Processes.Process.Current;
        bool privileged = reader == null || reader->Credentials.Privileged;
        for (int i = 0; i < MaxModules; i++)
        {
            Module* module = &s_modules[i];
            if (module->State == Free) continue;
            text.Append(NameOf(module));
            text.Append(' ');
            text.Unsigned(module->ImageBytes + module->ArenaMapped);
            text.Append(' ');
            text.Unsigned((ulong)ModuleDevices.UsersOf(i));
            text.Append(" - ");
            text.Append(module->State == Live ? "Live" : module->State == Loading ? "Loading" : "Unloading");
            // The address only for a privileged reader (Linux's kptr_restrict shows 0 to others).
            text.Append(" 0x");
            text.Hex(privileged ? Base(i) : 0, 16);
            text.Append('\n');
        }
    }
}
