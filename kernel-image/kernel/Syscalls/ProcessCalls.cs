using Aurora.Kernel.Hal;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Syscalls;

/// <summary>exit, exit_group, arch_prctl, getrusage, prctl, set_robust_list, get_robust_list. (getpid, gettid and set_tid_address answer the pid
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

    /// <summary>exit: ends the calling thread (the process with its last thread).</summary>
    internal static long ExitThread(ulong code)
    {
        Process.ExitThread((int)((code & 0xFF) << 8));
        return 0;
    }

    private const int RusageSelf = 0, RusageChildren = -1, RusageThread = 1;

    /// <summary>getrusage(who, usage): struct rusage (two timevals, then 14 longs): the user
    /// and system time the scheduler charged (the reaped children's for RUSAGE_CHILDREN),
    /// ru_nvcsw (the thread blocked or slept) and ru_nivcsw (it was preempted or yielded). The
    /// memory and I/O counts are 0 (not kept).</summary>
    internal static long ResourceUsage(Process* process, int who, ulong usage)
    {
        if (who != RusageSelf && who != RusageChildren && who != RusageThread) return -Errno.EINVAL;
        ulong* fields = stackalloc ulong[18];
        new System.Span<ulong>(fields, 18).Clear();
        ulong user, system;
        if (who != RusageChildren)
        {
            KernelThread* thread = process->Thread;
            fields[16] = thread->VoluntarySwitches;
            fields[17] = thread->InvoluntarySwitches;
            user = Process.UserTicks(process);
            system = Process.SystemTicks(process);
        }
        else
        {
            user = process->Timers.ChildUserTicks;
            system = process->Timers.ChildSystemTicks;
        }

        ulong microsPerTick = Scheduler.TickNanoseconds / 1000;
        fields[0] = user * microsPerTick / 1_000_000; fields[1] = user * microsPerTick % 1_000_000;
        fields[2] = system * microsPerTick / 1_000_000; fields[3] = system * microsPerTick % 1_000_000;
        return UserMemory.CopyTo(process->Space, usage, new System.ReadOnlySpan<byte>(fields, 18 * 8)) ? 0 : -Errno.EFAULT;
    }

    // prctl options (Linux include/uapi/linux/prctl.h).
    private const int PrSetPdeathsig = 1, PrGetPdeathsig = 2, PrGetDumpable = 3, PrSetDumpable = 4,
        PrSetName = 15, PrGetName = 16, PrSetChildSubreaper = 36, PrGetChildSubreaper = 37;

    /// <summary>The name prctl reads and writes: TASK_COMM_LEN bytes with the NUL.</summary>
    private const int CommLength = 16;

    /// <summary>prctl(option, arg2, ...): the process name, the parent-death signal,
    /// dumpability and the child-subreaper mark. Other options are EINVAL (Linux's answer for one it does not know).</summary>
    internal static long Prctl(Process* process, int option, ulong argument)
    {
        switch (option)
        {
            case PrSetPdeathsig:
                if (argument > Process.SignalCount) return -Errno.EINVAL;
                process->DeathSignal = (int)argument;
                return 0;
            case PrGetPdeathsig:
                int signal = process->DeathSignal;
                return UserMemory.CopyTo(process->Space, argument, new System.ReadOnlySpan<byte>(&signal, 4)) ? 0 : -Errno.EFAULT;
            case PrGetDumpable:
                return process->NotDumpable ? 0 : 1;
            case PrSetDumpable:
                if (argument > 1) return -Errno.EINVAL; // SUID_DUMP_DISABLE or SUID_DUMP_USER
                process->NotDumpable = argument == 0;
                return 0;
            case PrSetChildSubreaper:
                process->ChildSubreaper = argument != 0;
                return 0;
            case PrGetChildSubreaper:
                int subreaper = process->ChildSubreaper ? 1 : 0;
                return UserMemory.CopyTo(process->Space, argument, new System.ReadOnlySpan<byte>(&subreaper, 4)) ? 0 : -Errno.EFAULT;
            case PrSetName:
            {
                // Up to 15 bytes up to the NUL; the rest of the name is cut off, as Linux's.
                byte* name = stackalloc byte[CommLength];
                int length = 0;
                for (; length < CommLength - 1; length++)
                {
                    if (!UserMemory.CopyFrom(process->Space, argument + (ulong)length, new System.Span<byte>(name + length, 1))) return -Errno.EFAULT;
                    if (name[length] == 0) break;
                }

                for (int i = 0; i < Process.NameCapacity; i++) process->Name[i] = i < length ? name[i] : (byte)0;
                return 0;
            }
            case PrGetName:
            {
                byte* name = stackalloc byte[CommLength];
                for (int i = 0; i < CommLength; i++) name[i] = i < CommLength - 1 ? process->Name[i] : (byte)0;
                return UserMemory.CopyTo(process->Space, argument, new System.ReadOnlySpan<byte>(name, CommLength)) ? 0 : -Errno.EFAULT;
            }
            default:
                return -Errno.EINVAL;
        }
    }

    /// <summary>set_robust_list(head, len): the calling thread's list, walked when it ends
    /// (Process.RobustList.cs); a length other than struct robust_list_head's is EINVAL. The
    /// head is not read now (Linux stores it unchecked).</summary>
    internal static long SetRobustList(Process* process, ulong head, ulong length)
    {
        if (length != Process.RobustListHeadSize) return -Errno.EINVAL;
        Scheduler.Current->RobustListHead = head;
        return 0;
    }

    /// <summary>get_robust_list(tid, head*, len*): tid 0 is the caller; any thread of any
    /// process by its id (Linux find_task_by_vpid), unknown ones ESRCH.</summary>
    internal static long GetRobustList(Process* process, int tid, ulong headAddress, ulong lengthAddress)
    {
        ulong* values = stackalloc ulong[2];
        values[1] = Process.RobustListHeadSize; // Linux answers sizeof(*head) whatever was set
        bool table = Process.LockTable();
        KernelThread* target = tid == 0 ? Scheduler.Current : tid < 0 ? null : Process.FindThreadById(tid, out _);
        if (target != null) values[0] = target->RobustListHead;
        Process.UnlockTable(table);
        if (target == null) return -Errno.ESRCH;
        if (!UserMemory.CopyTo(process->Space, lengthAddress, new System.ReadOnlySpan<byte>(&values[1], 8)) ||
            !UserMemory.CopyTo(process->Space, headAddress, new System.ReadOnlySpan<byte>(&values[0], 8)))
            return -Errno.EFAULT;
        return 0;
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
