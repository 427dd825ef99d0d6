using Aurora.Kernel.Hal;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Syscalls;

/// <summary>exit, exit_group, arch_prctl, getrusage. (getpid, gettid and set_tid_address answer the pid
/// in the table: one thread per process so far, so the tid is the pid.)</summary>
internal static unsafe class ProcessCalls
{
    private const ulong ArchSetFs = 0x1002, ArchGetFs = 0x1003;

    /// <summary>exit / exit_group: the low 8 bits of the code become the exit status.</summary>
    internal static long Exit(ulong code)
    {
        Process.Exit((int)((code & 0xFF) << 8));
        return 0;
    }

    private const int RusageSelf = 0, RusageChildren = -1, RusageThread = 1;

    /// <summary>getrusage(who, usage): struct rusage (two timevals, then 14 longs). Filled in:
    /// ru_nvcsw (the thread blocked or slept) and ru_nivcsw (it was preempted or yielded), the
    /// figures that show whether a wait slept once or polled; the rest is 0, and so is
    /// RUSAGE_CHILDREN (children's usage is not kept).</summary>
    internal static long ResourceUsage(Process* process, int who, ulong usage)
    {
        if (who != RusageSelf && who != RusageChildren && who != RusageThread) return -Errno.EINVAL;
        ulong* fields = stackalloc ulong[18];
        new System.Span<ulong>(fields, 18).Clear();
        if (who != RusageChildren)
        {
            KernelThread* thread = process->Thread;
            fields[16] = thread->VoluntarySwitches;
            fields[17] = thread->InvoluntarySwitches;
        }

        return UserMemory.CopyTo(process->Space, usage, new System.ReadOnlySpan<byte>(fields, 18 * 8)) ? 0 : -Errno.EFAULT;
    }

    /// <summary>arch_prctl(ARCH_SET_FS / ARCH_GET_FS): the thread pointer the libc's TLS uses.</summary>
    internal static long ArchPrctl(ulong code, ulong address)
    {
        KernelThread* thread = Scheduler.Current;
        switch (code)
        {
            case ArchSetFs:
                if (address >= UserMemory.UserLimit) return -Errno.EPERM;
                bool interrupts = Cpu.SaveAndDisableInterrupts();
                thread->ThreadPointer = address;
                UserMode.SetThreadPointer(address);
                Cpu.RestoreInterrupts(interrupts);
                return 0;
            case ArchGetFs:
                ulong value = thread->ThreadPointer;
                return UserMemory.CopyTo(((Process*)thread->Process)->Space, address, new System.ReadOnlySpan<byte>(&value, 8)) ? 0 : -Errno.EFAULT;
            default:
                return -Errno.EINVAL;
        }
    }
}
