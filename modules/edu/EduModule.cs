using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Aurora.Kernel.Modules;

namespace Aurora.Modules.Edu;

/// <summary>
/// A driver for QEMU's "edu" teaching device (PCI 1234:11e8, docs/specs/edu.txt in QEMU): it
/// checks the device is alive, and serves /dev/edu: write a number n (decimal), read back a line
/// computed by the device. Built twice from this source for the module tests: version 1 reads
/// n! from the factorial unit by polling; version 2 (EDU_V2) waits for the unit's completion
/// interrupt and adds the liveness register's answer (~n) and its counts.
/// </summary>
public static unsafe class EduModule
{
#if EDU_V2
    private const string Version = "2";
#elif EDU_BROKEN
    private const string Version = "broken";
#elif EDU_FAULT
    private const string Version = "fault";
#elif EDU_THROW
    private const string Version = "throw";
#else
    private const string Version = "1";
#endif
    private const ushort VendorId = 0x1234, DeviceId = 0x11e8;
    private const int IdRegister = 0x00, LivenessRegister = 0x04, FactorialRegister = 0x08, StatusRegister = 0x20,
        InterruptStatus = 0x24, InterruptAcknowledge = 0x64;
    private const uint StatusComputing = 1, StatusInterruptOnFactorial = 0x80;

    private static byte* s_registers;
    private static uint s_input;
    private static uint s_interrupts;
    // An object from the module's arena (exercises the runtime's allocation, statics of
    // reference type and their write barrier inside a module).
    private static Statistics s_statistics = null!;

    private sealed class Statistics
    {
        public uint Reads;
    }

    [UnmanagedCallersOnly(EntryPoint = "aurora_module_init")]
    private static int Init(KernelInterface* kernel, ModuleDescriptor* self)
    {
        if (!ModuleRuntime.Start(kernel, self)) return -8; // ENOEXEC
        self->Exit = &Exit;
        int device = kernel->ClaimPciDevice(kernel->Module, VendorId, DeviceId);
        if (device < 0) return device;
        ulong size;
        s_registers = kernel->MapPciBar(kernel->Module, device, 0, &size);
        if (s_registers == null || size < 0x100) return -5; // EIO
        uint id = Read(IdRegister);
        if ((id & 0xffff) != 0x00ed) return -19; // ENODEV: not the edu device we know
        Write(LivenessRegister, 0x12345678);
        if (Read(LivenessRegister) != ~0x12345678u) return -5;
        s_statistics = new Statistics();
#if EDU_V2
        // Version 2 waits for the factorial unit's completion interrupt instead of only polling.
        int connected = kernel->RequestInterrupt(kernel->Module, device, &OnInterrupt, null);
        if (connected < 0) return connected;
#endif
        byte* name = stackalloc byte[3] { (byte)'e', (byte)'d', (byte)'u' };
        int result = kernel->RegisterDevice(kernel->Module, name, 3, &DeviceRead, &DeviceWrite);
        if (result < 0) return result;
#if EDU_THROW
        // The test of an init whose runtime fails: an index out of range (a throw, which the
        // module's runtime reports to the kernel's Fail).
        ModuleRuntime.Log("edu: throwing version indexing out of range");
        int[] small = new int[2];
        small[OutOfRange()] = 1;
#endif
#if EDU_FAULT
        // The test of an init that faults: a write through a wild pointer.
        ModuleRuntime.Log("edu: faulting version writing to a wild pointer");
        Poke((uint*)0x10, 1);
#endif
#if EDU_BROKEN
        // The test of a failing init: everything above (the claim, the mapping, the device,
        // the arena) must be gone after this.
        ModuleRuntime.Log("edu: broken version failing its init");
        return -5; // EIO
#else
        ModuleRuntime.Log("edu: version " + Version + " bound to the edu device");
        return 0;
#endif
    }

    /// <summary>The edu's interrupt: acknowledge what it raised; nonzero when it was ours.</summary>
    [UnmanagedCallersOnly]
    private static int OnInterrupt(void* context)
    {
        uint status = Read(InterruptStatus);
        if (status == 0) return 0;
        Write(InterruptAcknowledge, status);
        s_interrupts++;
        return 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint Interrupts() => s_interrupts;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int OutOfRange() => 5;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Poke(uint* address, uint value) => *address = value;

    [UnmanagedCallersOnly]
    private static void Exit()
    {
        ModuleRuntime.Log("edu: version " + Version + " unloading");
    }

    // Not inlined, so every register access is a real load or store (the device changes them).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint Read(int register) => *(uint*)(s_registers + register);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Write(int register, uint value) => *(uint*)(s_registers + register) = value;

    [UnmanagedCallersOnly]
    private static long DeviceWrite(byte* buffer, nuint count, long offset)
    {
        uint value = 0;
        nuint i = 0;
        for (; i < count && buffer[i] >= (byte)'0' && buffer[i] <= (byte)'9'; i++)
        {
            if (value > 100000) return -22; // EINVAL: the factorial unit takes 32 bits
            value = value * 10 + (uint)(buffer[i] - '0');
        }
        if (i == 0) return -22;
        s_input = value;
        return (long)count;
    }

    [UnmanagedCallersOnly]
    private static long DeviceRead(byte* buffer, nuint count, long offset)
    {
#if EDU_V2
        uint before = Interrupts();
        Write(StatusRegister, StatusInterruptOnFactorial);
#endif
        Write(FactorialRegister, s_input);
        for (int spins = 0; (Read(StatusRegister) & StatusComputing) != 0; spins++)
            if (spins > 100_000_000) return -5;
#if EDU_V2
        // The interrupt follows completion at once; a generous deadline for a loaded host.
        ulong deadline = ModuleRuntime.Kernel->Milliseconds() + 5000;
        while (Interrupts() == before && ModuleRuntime.Kernel->Milliseconds() < deadline) { }
        Write(StatusRegister, 0);
#endif
        uint factorial = Read(FactorialRegister);
        s_statistics.Reads++;
        byte* line = stackalloc byte[96];
        int length = 0;
        length = Append(line, length, "edu v" + Version + ": ");
        length = AppendNumber(line, length, s_input);
        length = Append(line, length, "! = ");
        length = AppendNumber(line, length, factorial);
#if EDU_V2
        Write(LivenessRegister, s_input);
        length = Append(line, length, ", ~n = ");
        length = AppendNumber(line, length, Read(LivenessRegister));
        length = Append(line, length, ", reads ");
        length = AppendNumber(line, length, s_statistics.Reads);
        length = Append(line, length, ", interrupts ");
        length = AppendNumber(line, length, Interrupts());
#endif
        line[length++] = (byte)'\n';
        if (offset < 0) return -22;
        if (offset >= length) return 0;
        long copied = 0;
        for (long at = offset; at < length && copied < (long)count; at++) buffer[copied++] = line[at];
        return copied;
    }

    private static int Append(byte* line, int at, string text)
    {
        for (int i = 0; i < text.Length; i++) line[at++] = (byte)text[i];
        return at;
    }

    private static int AppendNumber(byte* line, int at, uint value)
    {
        byte* digits = stackalloc byte[10];
        int n = 0;
        do { digits[n++] = (byte)('0' + value % 10); value /= 10; } while (value != 0);
        while (n > 0) line[at++] = digits[--n];
        return at;
    }
}
