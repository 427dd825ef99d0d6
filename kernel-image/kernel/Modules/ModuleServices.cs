using System;
using System.Runtime.InteropServices;
using Aurora.Kernel.Drivers.Pci;
using Aurora.Kernel.Memory;
using Aurora.Vmm;
using Errno = Aurora.Kernel.Syscalls.Errno;

namespace Aurora.Kernel.Modules;

/// <summary>
/// The kernel's half of <see cref="KernelInterface"/> (modules/sdk/KernelInterface.cs): what a
/// module may ask of the kernel, each call naming the module by the handle in its own table so
/// everything it takes (arena pages, PCI functions, BAR windows, devices) is recorded against
/// it and given back when it goes (<see cref="ReleaseHardware"/>, ModuleLoader.Release).
/// Modules are signed code running in ring 0, so these checks catch mistakes, not attacks: a
/// handle that names no loading or live module gets an error, never another module's state.
/// </summary>
internal static unsafe class ModuleServices
{
    private static Sync.SpinLock s_arenaLock;
    private static ModuleClaim[] s_claims = null!;

    /// <summary>A PCI function a module claimed: a driver in the PCI registry whose probe takes
    /// exactly that function, so the registry sees it bound and no other driver takes it.</summary>
    private sealed class ModuleClaim : PciDriver
    {
        private readonly PciDeviceId[] _ids = new PciDeviceId[1];
        internal PciDevice? Target;
        internal bool Held;
        /// <summary>The module's interrupt handler and its argument, while connected.</summary>
        internal delegate* unmanaged<void*, int> Interrupt;
        internal void* InterruptContext;
        internal bool InterruptConnected;

        /// <summary>Aims the claim at <paramref name="target"/> (before registering it).</summary>
        internal void Aim(PciDevice target)
        {
            Target = target;
            _ids[0] = new PciDeviceId(target.VendorId, target.DeviceId);
        }

        public override string Name => "module";

        public override PciDeviceId[] Ids => _ids;

        public override bool Probe(PciDevice device, PciDeviceId id) => Target != null && device == Target;

        public override void Remove(PciDevice device)
        {
        }
    }

    /// <summary>At boot: the claim objects, made once and reused (the kernel has no collector:
    /// an object made per load would never come back).</summary>
    internal static void Initialize()
    {
        s_claims = new ModuleClaim[ModuleLoader.MaxModules * ModuleLoader.MaxClaims];
        for (int i = 0; i < s_claims.Length; i++) s_claims[i] = new ModuleClaim();
    }

    internal static void Fill(KernelInterface* table, nint module)
    {
        new Span<byte>(table, sizeof(KernelInterface)).Clear();
        table->Magic = KernelInterface.MagicValue;
        table->InterfaceVersion = KernelInterface.Version;
        table->Size = (uint)sizeof(KernelInterface);
        table->Module = module;
        table->Log = &WriteLog;
        table->Allocate = &Allocate;
        table->Fail = &Fail;
        table->ClaimPciDevice = &ClaimPciDevice;
        table->MapPciBar = &MapPciBar;
        table->RegisterDevice = &RegisterDevice;
        table->Milliseconds = &Milliseconds;
        table->RequestInterrupt = &RequestInterrupt;
    }

    [UnmanagedCallersOnly]
    private static int RequestInterrupt(nint handle, int claimIndex, delegate* unmanaged<void*, int> handler, void* context)
    {
        if (ModuleLoader.FromHandle(handle) == null || (uint)claimIndex >= ModuleLoader.MaxClaims || handler == null) return (int)-Errno.EINVAL;
        ModuleClaim claim = s_claims[Index(handle, claimIndex)];
        if (!claim.Held || claim.Target == null) return (int)-Errno.EINVAL;
        if (claim.InterruptConnected) return (int)-Errno.EBUSY;
        claim.Interrupt = handler;
        claim.InterruptContext = context;
        if (!claim.Target.RequestInterrupt(&OnInterrupt, claim))
        {
            claim.Interrupt = null;
            return (int)-Errno.ENOSPC; // no free vector and no usable INTx line
        }

        claim.InterruptConnected = true;
        return 0;
    }

    /// <summary>A claimed function's interrupt: the module's handler, guarded (a fault in it
    /// counts as "not mine").</summary>
    private static bool OnInterrupt(object context)
    {
        var claim = (ModuleClaim)context;
        if (claim.Interrupt == null) return false;
        return (int)ModuleGuard.Call((ulong)claim.Interrupt, (ulong)claim.InterruptContext) > 0;
    }

    [UnmanagedCallersOnly]
    private static void WriteLog(byte* text, nuint length)
    {
        if (text != null) Log.Write(new ReadOnlySpan<byte>(text, (int)Math.Min(length, (nuint)512)));
    }

    [UnmanagedCallersOnly]
    private static ulong Milliseconds() => Hal.Timer.Ticks() * 1000 / KernelMain.TimerFrequencyHz;

    /// <summary>Bump allocation in the module's arena, growing it a zeroed page at a time up to
    /// ArenaLimit. Nothing is freed before the module goes (there is no collector).</summary>
    [UnmanagedCallersOnly]
    private static void* Allocate(nint handle, nuint size)
    {
        ModuleLoader.Module* module = ModuleLoader.FromHandle(handle);
        if (module == null || size > (nuint)ModuleLoader.ArenaLimit) return null;
        ulong rounded = ((ulong)size + 15) & ~15UL;
        bool flags = s_arenaLock.Acquire();
        void* result = null;
        if (module->ArenaUsed + rounded <= ModuleLoader.ArenaLimit)
        {
            ulong arena = ModuleLoader.Base((int)handle - 1) + ModuleLoader.ArenaOffset;
            while (module->ArenaMapped < module->ArenaUsed + rounded &&
                   ModuleLoader.MapFreshPage(arena + module->ArenaMapped, null, PageFlags.Writable | PageFlags.NoExecute))
                module->ArenaMapped += 4096;
            if (module->ArenaMapped >= module->ArenaUsed + rounded)
            {
                result = (void*)(arena + module->ArenaUsed);
                module->ArenaUsed += rounded;
            }
        }

        s_arenaLock.Release(flags);
        return result;
    }

    /// <summary>The module's runtime cannot continue (out of arena, a throw, a failed cast):
    /// the call into the module is abandoned and returns -EFAULT (ModuleGuard.Abort), as for a
    /// fault in its code. Only a failure outside any guarded call stops the kernel.</summary>
    [UnmanagedCallersOnly]
    private static void Fail(nint handle, byte* text, nuint length)
    {
        ModuleLoader.Module* module = ModuleLoader.FromHandle(handle);
        Log.Write("modules: ");
        if (module != null) Log.Write(ModuleLoader.NameOf(module));
        Log.Write(": runtime failure: ");
        if (text != null) Log.Write(new ReadOnlySpan<byte>(text, (int)Math.Min(length, (nuint)256)));
        Log.WriteLine();
        ModuleGuard.Abort();
        Panic.Fail("a loadable module failed outside a call into it", null);
    }

    [UnmanagedCallersOnly]
    private static int ClaimPciDevice(nint handle, ushort vendor, ushort device)
    {
        ModuleLoader.Module* module = ModuleLoader.FromHandle(handle);
        if (module == null) return (int)-Errno.EINVAL;
        int free = -1;
        for (int i = 0; i < ModuleLoader.MaxClaims && free < 0; i++)
        {
            if (!s_claims[Index(handle, i)].Held) free = i;
        }

        if (free < 0) return (int)-Errno.ENOSPC;
        PciDevice? function = null;
        for (int i = 0; i < PciDrivers.DeviceCount && function == null; i++)
        {
            PciDevice? candidate = PciDrivers.Device(i);
            if (candidate != null && candidate.VendorId == vendor && candidate.DeviceId == device && candidate.Driver == null) function = candidate;
        }

        if (function == null) return PciDrivers.Find(vendor, device) == null ? (int)-Errno.ENODEV : (int)-Errno.EBUSY;
        ModuleClaim claim = s_claims[Index(handle, free)];
        claim.Aim(function);
        int bound = PciDrivers.Register(claim);
        if (bound != 1)
        {
            if (bound >= 0) PciDrivers.Unregister(claim);
            claim.Target = null;
            return (int)-Errno.EBUSY;
        }

        claim.Held = true;
        return free;
    }

    /// <summary>Maps a memory BAR of a claimed function (at most 16 MiB of it) uncached and
    /// turns on memory decoding.</summary>
    [UnmanagedCallersOnly]
    private static byte* MapPciBar(nint handle, int claimIndex, int bar, ulong* size)
    {
        ModuleLoader.Module* module = ModuleLoader.FromHandle(handle);
        if (module == null || (uint)claimIndex >= ModuleLoader.MaxClaims || (uint)bar > 5) return null;
        ModuleClaim claim = s_claims[Index(handle, claimIndex)];
        if (!claim.Held || claim.Target == null) return null;
        int slot = -1;
        for (int i = 0; i < ModuleLoader.MaxBars && slot < 0; i++)
        {
            if (module->BarAddress[i] == 0) slot = i;
        }

        ulong physical = claim.Target.MemoryBar(bar);
        ulong bytes = BarBytes(claim.Target.Address, bar);
        if (slot < 0 || physical == 0 || bytes == 0 || bytes > (16UL << 20) || (physical & 4095) != 0) return null;
        bytes = (bytes + 4095) & ~4095UL;
        if (module->BarUsed + bytes > ModuleLoader.BarLimit) return null;
        claim.Target.EnableMemoryAndBusMastering();
        // In the module's own slot (not the kernel's device window, whose addresses are never
        // reused): the page tables are there already and the addresses come back on unload.
        ulong window = ModuleLoader.Base((int)handle - 1) + ModuleLoader.BarOffset + module->BarUsed;
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        for (ulong offset = 0; offset < bytes; offset += 4096)
        {
            if (KernelMemory.Mapper.Map(KernelMemory.KernelSpace, window + offset, physical + offset, PageSize.Size4KiB,
                    PageFlags.Writable | PageFlags.NoExecute, CacheMode.Uncached) == VmmError.None) continue;
            for (ulong undo = 0; undo < offset; undo += 4096) KernelMemory.Mapper.Unmap(KernelMemory.KernelSpace, window + undo, PageSize.Size4KiB, out _);
            Hal.Cpu.RestoreInterrupts(interrupts);
            return null;
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
        module->BarUsed += bytes + 4096; // a guard page after each
        module->BarAddress[slot] = window;
        module->BarBytes[slot] = bytes;
        if (size != null) *size = bytes;
        return (byte*)window;
    }

    /// <summary>A memory BAR's size, by the PCI sizing rule: write all ones, read back the
    /// writable address bits, restore (decoding off meanwhile, so the probe address is never decoded).</summary>
    private static ulong BarBytes(PciAddress at, int bar)
    {
        byte offset = (byte)(PciBus.Bar0 + (bar * 4));
        uint command = PciBus.Read32(at, PciBus.Command);
        PciBus.Write32(at, PciBus.Command, command & ~(uint)PciBus.MemorySpace);
        uint original = PciBus.Read32(at, offset);
        PciBus.Write32(at, offset, 0xFFFF_FFFF);
        uint mask = PciBus.Read32(at, offset);
        PciBus.Write32(at, offset, original);
        ulong bytes = 0;
        if ((original & 1) == 0)
        {
            bool wide = ((original >> 1) & 3) == 2;
            ulong high = 0xFFFF_FFFF;
            if (wide)
            {
                uint originalHigh = PciBus.Read32(at, (byte)(offset + 4));
                PciBus.Write32(at, (byte)(offset + 4), 0xFFFF_FFFF);
                high = PciBus.Read32(at, (byte)(offset + 4));
                PciBus.Write32(at, (byte)(offset + 4), originalHigh);
            }

            ulong combined = (high << 32) | (mask & 0xFFFF_FFF0);
            if ((mask & 0xFFFF_FFF0) != 0) bytes = ~combined + 1;
        }

        PciBus.Write32(at, PciBus.Command, command);
        return bytes;
    }

    [UnmanagedCallersOnly]
    private static int RegisterDevice(nint handle, byte* name, nuint length,
        delegate* unmanaged<byte*, nuint, long, long> read, delegate* unmanaged<byte*, nuint, long, long> write)
    {
        if (ModuleLoader.FromHandle(handle) == null || name == null || length == 0 || length > 31) return (int)-Errno.EINVAL;
        return ModuleDevices.Add((int)handle - 1, new ReadOnlySpan<byte>(name, (int)length), read, write);
    }

    /// <summary>Unmaps the module's BAR windows and gives its PCI functions back to the registry.</summary>
    internal static void ReleaseHardware(ModuleLoader.Module* module)
    {
        for (int i = 0; i < ModuleLoader.MaxBars; i++)
        {
            if (module->BarAddress[i] == 0) continue;
            KernelMemory.UnmapWindow((byte*)module->BarAddress[i], module->BarBytes[i]);
            module->BarAddress[i] = 0;
        }

        if (s_claims == null) return;
        nint handle = ModuleLoader.HandleOf(module);
        for (int i = 0; i < ModuleLoader.MaxClaims; i++)
        {
            ModuleClaim claim = s_claims[Index(handle, i)];
            if (!claim.Held) continue;
            if (claim.InterruptConnected && claim.Target != null) claim.Target.FreeInterrupt(&OnInterrupt, claim);
            claim.InterruptConnected = false;
            claim.Interrupt = null;
            PciDrivers.Unregister(claim);
            claim.Held = false;
            claim.Target = null;
        }
    }

    private static int Index(nint handle, int claim) => ((int)(handle - 1) * ModuleLoader.MaxClaims) + claim;
}
