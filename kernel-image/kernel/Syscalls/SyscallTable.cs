using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// The system-call table (SPEC PROC-3): Linux x86-64 numbers (arch/x86/entry/syscalls/
/// syscall_64.tbl), so static programs built against a real libc run unchanged. Arguments
/// arrive as the ABI passes them (rdi, rsi, rdx, r10, r8, r9); a negative result is -errno.
/// Anything not listed is ENOSYS. One file per family: FileCalls (open, read, write, stat,
/// dup, fcntl, the *at calls, chdir, …: every descriptor through its open file description),
/// OutputCalls (readv, writev),
/// MemoryCalls (brk, mmap, munmap, mprotect), ProcessCalls (exit, arch_prctl) and
/// SocketCalls (IPv4 TCP/UDP sockets), IpcCalls (token-named message queues and shared memory, Aurora's capability calls 1000-1005),
/// LimitCalls (getrlimit, setrlimit, prlimit64),
/// PipeCalls (pipe, pipe2), TimeCalls (the clocks), SystemCalls (uname, the uid/gid calls, getrandom),
/// Process.Fork.cs (fork, wait4), Process.Exec.cs (execve), Process.Signals.cs (signals;
/// rt_sigreturn is taken by the architecture's entry, which owns the register frame, after
/// <see cref="Admits"/> — the same filter check as every other call).
/// </summary>
internal static unsafe partial class SyscallTable
{
    // The call numbers (SyscallTable.Read, .Openat, .CapMint, ...) are generated from
    // arch/x86_64/abi/syscalls.tbl into SyscallNumbers.g.cs (tools/abi.sh): one source.

    /// <summary>Syscalls served since boot.</summary>
    internal static ulong Count;

    /// <summary>nanosleep(req, rem): at least the time asked, rounded up to ticks. A signal
    /// that arrives meanwhile ends it with EINTR and the time left in rem (when rem is given),
    /// as on Linux (which does not restart nanosleep for SA_RESTART handlers either).</summary>
    private static long Sleep(Process* process, ulong request, ulong remaining)
    {
        long* time = stackalloc long[2];
        if (!UserMemory.CopyFrom(process->Space, request, new System.Span<byte>(time, 16))) return -Errno.EFAULT;
        if (time[0] < 0 || time[1] < 0 || time[1] >= 1_000_000_000) return -Errno.EINVAL;
        // Seconds beyond what the tick counter can reach are as good as forever.
        const long MaxSeconds = 1L << 40;
        ulong milliseconds = ((ulong)System.Math.Min(time[0], MaxSeconds) * 1000) + (((ulong)time[1] + 999_999) / 1_000_000);
        if (milliseconds == 0) return 0;
        ulong deadline = Hal.Timer.Ticks() + milliseconds;
        while (true)
        {
            // Prepared before the signal check: a kill between the check and the sleep ends
            // the sleep at once instead of being noticed when it is over.
            Tasks.Scheduler.PrepareWait(interruptible: true);
            ulong now = Hal.Timer.Ticks();
            if (now >= deadline)
            {
                Tasks.Scheduler.EndWait();
                return 0;
            }

            if (Process.HasDeliverableSignal(process))
            {
                Tasks.Scheduler.EndWait();
                ulong left = deadline - now;
                time[0] = (long)(left / 1000);
                time[1] = (long)(left % 1000) * 1_000_000;
                if (remaining != 0 && !UserMemory.CopyTo(process->Space, remaining, new System.ReadOnlySpan<byte>(time, 16)))
                    return -Errno.EFAULT;
                return -Errno.EINTR;
            }

            // One wait for the whole time: the timer wakes it, or a signal does (kill).
            Tasks.WaitQueue.SleepPrepared(deadline - now);
        }
    }

    private static long YieldProcessor()
    {
        Tasks.Scheduler.YieldToOthers();
        return 0;
    }

    /// <summary>SPEC SEC-5: whether the process's filter (Aurora.Caps) lets it make this call. A
    /// denied call returns EPERM without doing anything, as a seccomp filter returning
    /// SECCOMP_RET_ERRNO(EPERM) makes it; rt_sigreturn, which the architecture's entry takes
    /// itself, asks here first and, denied, falls through to <see cref="Dispatch"/> for its EPERM.</summary>
    internal static bool Admits(Process* process, ulong number) => Ipc.Capabilities.Allows(process->CapsHandle, number);

    /// <summary>Every system call from user mode (Hal.UserMode.SetSystemCallHandler). rt_sigreturn
    /// passes the filter like every call and then replaces the whole register frame (it does not
    /// return here); denied, Dispatch answers EPERM.</summary>
    internal static long Enter(ulong number, ulong* arguments, ulong userStack)
    {
        Process* process = Process.Current;
        if (number == RtSigreturn && process != null && Admits(process, RtSigreturn))
            Process.SignalReturn(process, userStack);
        return Dispatch(number, arguments[0], arguments[1], arguments[2], arguments[3], arguments[4], arguments[5]);
    }

    internal static long Dispatch(ulong number, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5)
    {
        Process* process = Process.Current;
        if (process == null) return -Errno.ENOSYS;
        Count++;
        if (!Admits(process, number)) return -Errno.EPERM;
        return number switch
        {
            Read => FileCalls.Read(process, a0, a1, a2),
            Write => FileCalls.Write(process, a0, a1, a2),
            Open => FileCalls.Open(process, a0, a1, a2),
            Openat => FileCalls.OpenAt(process, (long)a0, a1, a2, a3),
            Close => FileCalls.Close(process, a0),
            Stat => FileCalls.Stat(process, a0, a1),
            Lstat => FileCalls.StatAt(process, Files.PathResolver.AtFdcwd, a0, a1, 0x100),
            Fstat => FileCalls.FStat(process, a0, a1),
            Newfstatat => FileCalls.StatAt(process, (long)a0, a1, a2, a3),
            Lseek => FileCalls.Seek(process, a0, a1, a2),
            Mkdir => FileCalls.Mkdir(process, a0, a1),
            Rmdir => FileCalls.Rmdir(process, a0),
            Unlink => FileCalls.Unlink(process, a0),
            Rename => FileCalls.Rename(process, a0, a1),
            Getdents64 => FileCalls.GetDirectoryEntries(process, a0, a1, a2),
            Writev => OutputCalls.Writev(process, a0, a1, a2),
            Ioctl => FileCalls.Ioctl(process, a0, a1, a2),
            Readv => OutputCalls.Readv(process, a0, a1, a2),
            Dup => FileCalls.Duplicate(process, a0),
            Dup2 => FileCalls.Duplicate2(process, a0, a1),
            Dup3 => FileCalls.Duplicate3(process, a0, a1, a2),
            Fcntl => FileCalls.Control(process, a0, a1, a2),
            Pipe => PipeCalls.Pipe(process, a0, 0),
            Pipe2 => PipeCalls.Pipe(process, a0, (uint)a1),
            Getcwd => FileCalls.GetWorkingDirectory(process, a0, a1),
            Chdir => FileCalls.ChangeDirectory(process, a0),
            Fchdir => FileCalls.ChangeDirectoryTo(process, a0),
            Mkdirat => FileCalls.MakeDirectoryAt(process, (long)a0, a1, a2),
            Unlinkat => FileCalls.UnlinkAt(process, (long)a0, a1, a2),
            Renameat => FileCalls.RenameAt(process, (long)a0, a1, (long)a2, a3, 0),
            Renameat2 => FileCalls.RenameAt(process, (long)a0, a1, (long)a2, a3, a4),
            Readlink => ReadLinkCalls.ReadLink(process, a0, a1, a2),
            Readlinkat => ReadLinkCalls.ReadLinkAt(process, (long)a0, a1, a2, a3),
            Mount => MountCalls.Mount(process, a0, a1, a2, a3, a4),
            Umount2 => MountCalls.Unmount(process, a0, a1),
            Brk => MemoryCalls.Brk(process, a0),
            Mmap => MemoryCalls.Mmap(process, a0, a1, a2, a3, a4, a5),
            Munmap => MemoryCalls.Munmap(process, a0, a1),
            Mprotect => MemoryCalls.Mprotect(process, a0, a1, a2),
            Getpid or Gettid => (long)process->Id,
            SchedYield => YieldProcessor(),
            Nanosleep => Sleep(process, a0, a1),
            Socket => SocketCalls.Socket(process, a0, a1, a2),
            Connect => SocketCalls.Connect(process, a0, a1, a2),
            Accept => SocketCalls.Accept(process, a0, a1, a2),
            Sendto => SocketCalls.Send(process, a0, a1, a2, a4, a5),
            Recvfrom => SocketCalls.Receive(process, a0, a1, a2, a4, a5),
            Bind => SocketCalls.Bind(process, a0, a1, a2),
            Listen => SocketCalls.Listen(process, a0, a1),
            Msgget => IpcCalls.MessageGet(process, a0, a1),
            Msgsnd => IpcCalls.MessageSend(process, a0, a1, a2, a3),
            Msgrcv => IpcCalls.MessageReceive(process, a0, a1, a2, (long)a3, a4),
            Msgctl => IpcCalls.MessageControl(process, a0, a1, a2),
            Shmget => IpcCalls.SegmentGet(process, a0, a1, a2),
            Shmat => IpcCalls.Attach(process, a0, a1, a2),
            Shmdt => IpcCalls.Detach(process, a0),
            Shmctl => IpcCalls.SegmentControl(process, a0, a1, a2),
            CapMint => IpcCalls.Mint(process, a0),
            CapGrant => IpcCalls.Grant(process, a0, (long)a1, a2),
            CapRevoke => IpcCalls.Revoke(process, a0),
            CapRelease => IpcCalls.Release(process, a0),
            CapToken => IpcCalls.ExportToken(process, a0, a1),
            SyscallFilter => IpcCalls.InstallFilter(process, a0),
            // resource is an unsigned int and pid a pid_t (int): the upper halves are ignored.
            Getrlimit => LimitCalls.Get(process, (uint)a0, a1),
            Setrlimit => LimitCalls.Set(process, (uint)a0, a1),
            Prlimit64 => LimitCalls.PrLimit(process, (int)a0, (uint)a1, a2, a3),
            Getrusage => ProcessCalls.ResourceUsage(process, (int)a0, a1),
            Getppid => process->Parent != null ? (long)process->Parent->Id : 0,
            Uname => SystemCalls.Uname(process, a0),
            Getuid or Geteuid or Getgid or Getegid => 0,
            Getrandom => SystemCalls.GetRandom(process, a0, a1, (uint)a2),
            ClockGettime => TimeCalls.GetTime(process, (int)a0, a1),
            ClockGetres => TimeCalls.GetResolution(process, (int)a0, a1),
            Gettimeofday => TimeCalls.GetTimeOfDay(process, a0, a1),
            Time => TimeCalls.Time(process, a0),
            Fork => Process.Fork(process),
            Vfork => CloneCalls.Vfork(process),
            Clone => CloneCalls.Clone(process, a0, a1, a2, a3),
            Wait4 => Process.WaitForChild(process, (long)a0, a1, a2),
            Execve => Process.Execute(process, a0, a1, a2),
            RtSigaction => Process.SignalAction(process, a0, a1, a2, a3),
            RtSigprocmask => Process.SignalMask(process, a0, a1, a2, a3),
            Kill or Tkill => Process.Kill(process, (long)a0, a1),
            Tgkill => (long)a0 == (long)a1 ? Process.Kill(process, (long)a1, a2) : -Errno.ESRCH,
            SetTidAddress => (long)process->Id,
            ArchPrctl => ProcessCalls.ArchPrctl(a0, a1),
            Exit or ExitGroup => ProcessCalls.Exit(a0),
            _ => -Errno.ENOSYS,
        };
    }
}
