using System;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Who the system is: uname, sysinfo, getrandom (KernelRandom: RDRAND when the processor has
/// it). The caller's ids are CredentialCalls'.
/// </summary>
internal static unsafe class SystemCalls
{
    private const int FieldLength = 65; // __NEW_UTS_LEN + 1

    /// <summary>uname(struct utsname*): six NUL-terminated fields of 65 bytes.</summary>
    internal static long Uname(Process* process, ulong address)
    {
        byte* fields = stackalloc byte[6 * FieldLength];
        new Span<byte>(fields, 6 * FieldLength).Clear();
        Put(fields, 0, "Aurora");
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        CopyName(ref s_hostName, fields + 1 * FieldLength, "aurora");
        CopyName(ref s_domainName, fields + 5 * FieldLength, "(none)");
        Cpu.RestoreInterrupts(interrupts);
        Put(fields, 2, BuildManifest.Version);
        Put(fields, 3, "#1 Aurora ");
        Put(fields, 3, BuildManifest.Commit, 10);
        Put(fields, 4, Cpu.MachineName());
        return UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(fields, 6 * FieldLength)) ? 0 : -Errno.EFAULT;
    }

    /// <summary>A name sethostname or setdomainname set (Linux's utsname nodename and
    /// domainname; one system-wide, no UTS namespaces): its bytes and whether it was set.</summary>
    private struct Name
    {
        public fixed byte Bytes[FieldLength];
        public bool Set;
    }

    private static Name s_hostName, s_domainName;

    private static void CopyName(ref Name name, byte* field, string initial)
    {
        if (!name.Set)
        {
            for (int i = 0; i < initial.Length; i++) field[i] = (byte)initial[i];
            return;
        }

        for (int i = 0; i < FieldLength; i++) field[i] = name.Bytes[i];
    }

    /// <summary>sethostname(name, len) / setdomainname(name, len): EPERM for a caller that is
    /// not root (CAP_SYS_ADMIN), EINVAL for a length above 64 (__NEW_UTS_LEN), EFAULT; the
    /// name is the bytes given (a NUL among them ends it, as uname reads it).</summary>
    internal static long SetName(Process* process, ulong address, ulong length, bool domain)
    {
        if (process->Credentials.EffectiveUid != 0) return -Errno.EPERM;
        if ((long)length < 0 || length > FieldLength - 1) return -Errno.EINVAL;
        byte* copy = stackalloc byte[FieldLength];
        new Span<byte>(copy, FieldLength).Clear();
        if (!UserMemory.CopyFrom(process->Space, address, new Span<byte>(copy, (int)length))) return -Errno.EFAULT;
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        ref Name name = ref domain ? ref s_domainName : ref s_hostName;
        for (int i = 0; i < FieldLength; i++) name.Bytes[i] = copy[i];
        name.Set = true;
        Cpu.RestoreInterrupts(interrupts);
        return 0;
    }

    private static void Put(byte* fields, int index, string text, int at = 0)
    {
        byte* field = fields + index * FieldLength;
        for (int i = 0; i < text.Length && at + i < FieldLength - 1; i++) field[at + i] = (byte)text[i];
    }

    /// <summary>sysinfo(struct sysinfo*): uptime (whole seconds, rounded up as Linux), memory
    /// from the frame allocator in bytes (mem_unit 1), the number of processes. No swap, no
    /// load average (0), no shared or buffer memory counted.</summary>
    internal static long SystemInformation(Process* process, ulong address)
    {
        const int Size = 112;
        byte* info = stackalloc byte[Size];
        new Span<byte>(info, Size).Clear();
        long uptime = TimeCalls.MonotonicNanoseconds();
        *(long*)info = uptime / 1_000_000_000 + (uptime % 1_000_000_000 != 0 ? 1 : 0);
        *(ulong*)(info + 32) = Memory.KernelMemory.Frames.TotalBytes;  // totalram
        *(ulong*)(info + 40) = Memory.KernelMemory.Frames.FreeBytes;   // freeram
        *(ushort*)(info + 80) = (ushort)Process.CountLive();          // procs
        *(uint*)(info + 104) = 1;                                      // mem_unit
        return UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(info, Size)) ? 0 : -Errno.EFAULT;
    }

    private const uint GrndNonblock = 1, GrndRandom = 2, GrndInsecure = 4;

    /// <summary>The most one getrandom call returns (Linux: MAX_RW_COUNT, INT_MAX rounded down
    /// to a page).</summary>
    private const ulong MaxCount = 0x7FFFF000;

    /// <summary>getrandom(buffer, length, flags): never blocks (the generator is ready from
    /// boot). Unknown flags, or GRND_INSECURE with GRND_RANDOM, are EINVAL.</summary>
    internal static long GetRandom(Process* process, ulong buffer, ulong length, uint flags)
    {
        if ((flags & ~(GrndNonblock | GrndRandom | GrndInsecure)) != 0) return -Errno.EINVAL;
        if ((flags & (GrndInsecure | GrndRandom)) == (GrndInsecure | GrndRandom)) return -Errno.EINVAL;
        if (length > MaxCount) length = MaxCount;
        byte* chunk = stackalloc byte[256];
        ulong done = 0;
        while (done < length)
        {
            int n = (int)Math.Min(256UL, length - done);
            var bytes = new Span<byte>(chunk, n);
            KernelRandom.Fill(bytes);
            bool copied = UserMemory.CopyTo(process->Space, buffer + done, bytes);
            bytes.Clear();
            if (!copied) return done > 0 ? (long)done : -Errno.EFAULT;
            done += (ulong)n;
            if (done < length && Process.HasDeliverableSignal(process) && done >= 256) break; // as Linux: a signal cuts a long read short
        }

        return (long)done;
    }
}
