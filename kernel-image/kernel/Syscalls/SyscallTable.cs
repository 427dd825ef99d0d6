using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// The system-call table (SPEC PROC-3): Linux x86-64 numbers (arch/x86/entry/syscalls/
/// syscall_64.tbl), so static programs built against a real libc run unchanged. Arguments
/// arrive as the ABI passes them (rdi, rsi, rdx, r10, r8, r9); a negative result is -errno.
/// Anything not listed is ENOSYS. One file per family: FileCalls (open, read, write, stat,
/// dup, fcntl, the *at calls, chdir, …: every descriptor through its open file description),
/// OutputCalls (readv, writev, preadv, pwritev), AttributeCalls (access, chmod, chown, umask,
/// utimensat, truncate, statfs), LinkCalls (link, symlink, mknod), TransferCalls (sendfile),
/// MemoryCalls (brk, mmap, munmap, mprotect), MappingCalls (mremap, msync, mincore, madvise), ProcessCalls (exit, arch_prctl) and
/// SocketCalls (IPv4 TCP/UDP sockets), IpcCalls (token-named message queues and shared memory, Aurora's capability calls 1000-1005),
/// LimitCalls (getrlimit, setrlimit, prlimit64), SandboxCalls (pledge, unveil, netrule: Aurora's 1014-1016, docs/sandbox.md),
/// PipeCalls (pipe, pipe2), TimeCalls (the clocks, sleeps, times), SystemCalls (uname, sysinfo, getrandom),
/// CredentialCalls (the uid/gid calls), SchedulingCalls (priorities, affinity),
/// Process.Timers.cs (alarm, itimers), Process.SignalWaits.cs (sigsuspend, sigtimedwait, sigaltstack),
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
        if (process != null) process->UserStackAtCall = userStack;
        if (number == RtSigreturn && process != null && Admits(process, RtSigreturn))
            Process.SignalReturn(process, userStack);
        long result = Dispatch(number, arguments[0], arguments[1], arguments[2], arguments[3], arguments[4], arguments[5]);
        Files.CallReferences.ReleaseAll(); // the descriptions the call looked up in a shared table
        return result;
    }

    /// <summary>The calls that read or change the regions and page tables as a whole (fork
    /// copies them): served under the address-space lock.</summary>
    private static bool ChangesAddressSpace(ulong number) =>
        number is Brk or Mmap or Munmap or Mprotect or Mremap or Msync or Mincore or Madvise or Shmat or Shmdt or Fork or Vfork or Clone or
            Mlock or Mlock2 or Mlockall or Clone3;

    // Every call passes here: its locals are assigned before use, so zeroing its large frame
    // on entry was pure cost (issue 17).
    [System.Runtime.CompilerServices.SkipLocalsInit]
    internal static long Dispatch(ulong number, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5)
    {
        Process* process = Process.Current;
        if (process == null) return -Errno.ENOSYS;
        if (ChangesAddressSpace(number) && !process->SpaceLock.IsHeldByCurrentThread)
        {
            // The address-space lock (docs/architecture.md, "Locks"): threads share the regions.
            process->SpaceLock.Acquire();
            long result = Dispatch(number, a0, a1, a2, a3, a4, a5);
            process->SpaceLock.Release();
            return result;
        }

        Count++;
        if (!Admits(process, number)) return Sandbox.Audit.Filtered(process, number);
        return number switch
        {
            Read => FileCalls.Read(process, a0, a1, a2),
            Write => FileCalls.Write(process, a0, a1, a2),
            Open => FileCalls.Open(process, a0, a1, a2),
            Openat => FileCalls.OpenAt(process, (long)a0, a1, a2, a3),
            Creat => FileCalls.Open(process, a0, FileCalls.CreatFlags, a1),
            Fadvise64 => FileCalls.Fadvise(process, a0, a1, a2, a3),
            Getxattr => ExtendedAttributeCalls.Get(process, a0, a1, follow: true),
            Lgetxattr => ExtendedAttributeCalls.Get(process, a0, a1, follow: false),
            Fgetxattr => ExtendedAttributeCalls.FGet(process, a0, a1),
            Listxattr => ExtendedAttributeCalls.List(process, a0, follow: true),
            Llistxattr => ExtendedAttributeCalls.List(process, a0, follow: false),
            Flistxattr => ExtendedAttributeCalls.FList(process, a0),
            Setxattr => ExtendedAttributeCalls.Set(process, a0, a1, a3, a4, follow: true),
            Lsetxattr => ExtendedAttributeCalls.Set(process, a0, a1, a3, a4, follow: false),
            Fsetxattr => ExtendedAttributeCalls.FSet(process, a0, a1, a3, a4),
            Removexattr => ExtendedAttributeCalls.Remove(process, a0, a1, follow: true),
            Lremovexattr => ExtendedAttributeCalls.Remove(process, a0, a1, follow: false),
            Fremovexattr => ExtendedAttributeCalls.FRemove(process, a0, a1),
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
            Pread64 => FileCalls.ReadAt(process, a0, a1, a2, (long)a3),
            Pwrite64 => FileCalls.WriteAt(process, a0, a1, a2, (long)a3),
            Preadv => OutputCalls.Preadv(process, a0, a1, a2, a3),
            Pwritev => OutputCalls.Pwritev(process, a0, a1, a2, a3),
            Sendfile => TransferCalls.SendFile(process, a0, a1, a2, a3),
            Access => AttributeCalls.Access(process, a0, a1),
            Faccessat => AttributeCalls.AccessAt(process, (long)a0, a1, a2, 0),
            Faccessat2 => AttributeCalls.AccessAt(process, (long)a0, a1, a2, a3),
            Chmod => AttributeCalls.Chmod(process, a0, a1),
            Fchmod => AttributeCalls.Fchmod(process, a0, a1),
            Fchmodat => AttributeCalls.ChmodAt(process, (long)a0, a1, a2),
            Chown => AttributeCalls.Chown(process, a0, a1, a2),
            Fchown => AttributeCalls.Fchown(process, a0, a1, a2),
            Lchown => AttributeCalls.Lchown(process, a0, a1, a2),
            Fchownat => AttributeCalls.ChownAt(process, (long)a0, a1, a2, a3, a4),
            Umask => AttributeCalls.Umask(process, a0),
            Utimensat => AttributeCalls.UtimensAt(process, (long)a0, a1, a2, a3),
            Utimes => AttributeCalls.Utimes(process, a0, a1),
            Utime => AttributeCalls.Utime(process, a0, a1),
            Truncate => AttributeCalls.Truncate(process, a0, a1),
            Ftruncate => AttributeCalls.Ftruncate(process, a0, a1),
            Statfs => AttributeCalls.StatFs(process, a0, a1),
            Fstatfs => AttributeCalls.FStatFs(process, a0, a1),
            Flock => LockCalls.Flock(process, a0, a1),
            Link => LinkCalls.Link(process, a0, a1),
            Linkat => LinkCalls.LinkAt(process, (long)a0, a1, (long)a2, a3, a4),
            Symlink => LinkCalls.Symlink(process, a0, a1),
            Symlinkat => LinkCalls.SymlinkAt(process, a0, (long)a1, a2),
            Mknod => LinkCalls.Mknod(process, a0, a1, a2),
            Mknodat => LinkCalls.MknodAt(process, (long)a0, a1, a2, a3),
            Readlink => ReadLinkCalls.ReadLink(process, a0, a1, a2),
            Readlinkat => ReadLinkCalls.ReadLinkAt(process, (long)a0, a1, a2, a3),
            Mount => MountCalls.Mount(process, a0, a1, a2, a3, a4),
            Umount2 => MountCalls.Unmount(process, a0, a1),
            Brk => MemoryCalls.Brk(process, a0),
            Mmap => MemoryCalls.Mmap(process, a0, a1, a2, a3, a4, a5),
            Munmap => MemoryCalls.Munmap(process, a0, a1),
            Mprotect => MemoryCalls.Mprotect(process, a0, a1, a2),
            Mremap => MappingCalls.Mremap(process, a0, a1, a2, a3, a4),
            Msync => MappingCalls.Msync(process, a0, a1, a2),
            Mincore => MappingCalls.Mincore(process, a0, a1, a2),
            Mlock => MemoryLockCalls.Lock(process, a0, a1, 0),
            Mlock2 => MemoryLockCalls.Lock(process, a0, a1, a2),
            Munlock => MemoryLockCalls.Unlock(process, a0, a1),
            Mlockall => MemoryLockCalls.LockAll(process, a0),
            Munlockall => MemoryLockCalls.UnlockAll(),
            Madvise => MappingCalls.Madvise(process, a0, a1, a2),
            Getpid => (long)process->Id,
            Gettid => Process.CurrentThreadId(process),
            SchedYield => YieldProcessor(),
            Nanosleep => TimeCalls.Sleep(process, a0, a1),
            ClockNanosleep => TimeCalls.ClockSleep(process, (int)a0, a1, a2, a3),
            ClockSettime => TimeCalls.SetTime(process, (int)a0, a1),
            Times => TimeCalls.Times(process, a0),
            Pause => Process.Pause(process),
            Alarm => Process.Alarm(process, (uint)a0),
            Getitimer => Process.GetIntervalTimer(process, (int)a0, a1),
            Setitimer => Process.SetIntervalTimer(process, (int)a0, a1, a2),
            RtSigpending => Process.SignalPending(process, a0, a1),
            RtSigtimedwait => Process.SignalTimedWait(process, a0, a1, a2, a3),
            RtSigsuspend => Process.SignalSuspend(process, a0, a1),
            RtSigqueueinfo => Process.QueueSignal(process, (int)a0, (int)a1, a2),
            Sigaltstack => Process.SignalStackCall(process, a0, a1),
            Sysinfo => SystemCalls.SystemInformation(process, a0),
            Sethostname => SystemCalls.SetName(process, a0, a1, domain: false),
            Setdomainname => SystemCalls.SetName(process, a0, a1, domain: true),
            InitModule => ModuleCalls.InitModule(process, a0, a1, a2),
            DeleteModule => ModuleCalls.DeleteModule(process, a0, a1),
            FinitModule => ModuleCalls.FinitModule(process, a0, a1, a2),
            Prctl => ProcessCalls.Prctl(process, (int)a0, a1),
            SetRobustList => ProcessCalls.SetRobustList(process, a0, a1),
            GetRobustList => ProcessCalls.GetRobustList(process, (int)a0, a1, a2),
            Getpriority => SchedulingCalls.GetPriority(process, (int)a0, (uint)a1),
            Setpriority => SchedulingCalls.SetPriority(process, (int)a0, (uint)a1, (int)a2),
            SchedGetaffinity => SchedulingCalls.GetAffinity(process, (int)a0, a1, a2),
            SchedSetaffinity => SchedulingCalls.SetAffinity(process, (int)a0, a1, a2),
            SchedGetscheduler => SchedulingCalls.GetScheduler(process, (int)a0),
            SchedGetparam => SchedulingCalls.GetParameters(process, (int)a0, a1),
            Getcpu => SchedulingCalls.GetCpu(process, a0, a1),
            Socket => SocketCalls.Socket(process, a0, a1, a2),
            Connect => SocketCalls.Connect(process, a0, a1, a2),
            Accept => SocketCalls.Accept(process, a0, a1, a2),
            Sendto => SocketCalls.Send(process, a0, a1, a2, a3, a4, a5),
            Recvfrom => SocketCalls.Receive(process, a0, a1, a2, a3, a4, a5),
            Bind => SocketCalls.Bind(process, a0, a1, a2),
            Listen => SocketCalls.Listen(process, a0, a1),
            Accept4 => SocketCalls.Accept4(process, a0, a1, a2, a3),
            Sendmsg => SocketCalls.SendMessage(process, a0, a1, a2),
            Recvmsg => SocketCalls.ReceiveMessage(process, a0, a1, a2),
            Shutdown => SocketCalls.Shutdown(process, a0, a1),
            Getsockname => SocketCalls.GetSocketName(process, a0, a1, a2),
            Getpeername => SocketCalls.GetPeerName(process, a0, a1, a2),
            Setsockopt => SocketCalls.SetOption(process, a0, a1, a2, a3, a4),
            Getsockopt => SocketCalls.GetOption(process, a0, a1, a2, a3, a4),
            Socketpair => SocketCalls.SocketPair(process, a0, a1, a2, a3),
            // System V IPC with Linux keys (int arguments are truncated as Linux's are).
            Msgget => SysvIpcCalls.MessageGet(process, (int)a0, (int)a1),
            Msgsnd => SysvIpcCalls.MessageSend(process, (int)a0, a1, a2, (int)a3),
            Msgrcv => SysvIpcCalls.MessageReceive(process, (int)a0, a1, a2, (long)a3, (int)a4),
            Msgctl => SysvIpcCalls.MessageControl(process, (int)a0, (int)a1, a2),
            Shmget => SysvIpcCalls.SegmentGet(process, (int)a0, a1, (int)a2),
            Shmat => SysvIpcCalls.SegmentAttach(process, (int)a0, a1, (int)a2),
            Shmdt => SysvIpcCalls.SegmentDetach(process, a0),
            Shmctl => SysvIpcCalls.SegmentControl(process, (int)a0, (int)a1, a2),
            Semget => SysvIpcCalls.SemaphoreGet(process, (int)a0, (int)a1, (int)a2),
            Semop => SysvIpcCalls.SemaphoreOperate(process, (int)a0, a1, (uint)a2, 0),
            Semtimedop => SysvIpcCalls.SemaphoreOperate(process, (int)a0, a1, (uint)a2, a3),
            Semctl => SysvIpcCalls.SemaphoreControl(process, (int)a0, (int)a1, (int)a2, a3),
            Poll => PollCalls.Poll(process, a0, (uint)a1, (int)a2),
            Ppoll => PollCalls.PollTimed(process, a0, (uint)a1, a2, a3, a4),
            Select => PollCalls.Select(process, (int)a0, a1, a2, a3, a4),
            Pselect6 => PollCalls.SelectTimed(process, (int)a0, a1, a2, a3, a4, a5),
            EpollCreate => EpollCalls.Create(process, (int)a0),
            EpollCreate1 => EpollCalls.Create1(process, (uint)a0),
            EpollCtl => EpollCalls.Control(process, (int)a0, (int)a1, (int)a2, a3),
            EpollWait => EpollCalls.Wait(process, (int)a0, a1, (int)a2, (int)a3),
            EpollPwait => EpollCalls.WaitMasked(process, (int)a0, a1, (int)a2, (int)a3, a4, a5),
            EpollPwait2 => EpollCalls.WaitMaskedPrecise(process, (int)a0, a1, (int)a2, a3, a4, a5),
            // Token-named IPC (SPEC IPC-1) under Aurora's own numbers.
            CapMsgget => IpcCalls.MessageGet(process, a0, a1),
            CapMsgsnd => IpcCalls.MessageSend(process, a0, a1, a2, a3),
            CapMsgrcv => IpcCalls.MessageReceive(process, a0, a1, a2, (long)a3, a4),
            CapMsgctl => IpcCalls.MessageControl(process, a0, a1, a2),
            CapShmget => IpcCalls.SegmentGet(process, a0, a1, a2),
            CapShmat => IpcCalls.Attach(process, a0, a1, a2),
            CapShmdt => IpcCalls.Detach(process, a0),
            CapShmctl => IpcCalls.SegmentControl(process, a0, a1, a2),
            CapMint => IpcCalls.Mint(process, a0),
            CapGrant => IpcCalls.Grant(process, a0, (long)a1, a2),
            CapRevoke => IpcCalls.Revoke(process, a0),
            CapRelease => IpcCalls.Release(process, a0),
            CapToken => IpcCalls.ExportToken(process, a0, a1),
            SyscallFilter => IpcCalls.InstallFilter(process, a0),
            Pledge => SandboxCalls.Pledge(process, a0, a1),
            Unveil => SandboxCalls.Unveil(process, a0, a1),
            Netrule => SandboxCalls.AddNetworkRule(process, a0),
            // resource is an unsigned int and pid a pid_t (int): the upper halves are ignored.
            Getrlimit => LimitCalls.Get(process, (uint)a0, a1),
            Setrlimit => LimitCalls.Set(process, (uint)a0, a1),
            Prlimit64 => LimitCalls.PrLimit(process, (int)a0, (uint)a1, a2, a3),
            Getrusage => ProcessCalls.ResourceUsage(process, (int)a0, a1),
            Getppid => process->Parent != null ? (long)process->Parent->Id : 0,
            Uname => SystemCalls.Uname(process, a0),
            Getuid => process->Credentials.RealUid,
            Geteuid => process->Credentials.EffectiveUid,
            Getgid => process->Credentials.RealGid,
            Getegid => process->Credentials.EffectiveGid,
            Getresuid => CredentialCalls.GetResIds(process, a0, a1, a2, groups: false),
            Getresgid => CredentialCalls.GetResIds(process, a0, a1, a2, groups: true),
            // uid_t and gid_t are 32 bits: the upper halves are ignored.
            Setuid => process->Credentials.SetUid((uint)a0),
            Setgid => process->Credentials.SetGid((uint)a0),
            Setreuid => process->Credentials.SetReUid((uint)a0, (uint)a1),
            Setregid => process->Credentials.SetReGid((uint)a0, (uint)a1),
            Setresuid => process->Credentials.SetResUid((uint)a0, (uint)a1, (uint)a2),
            Setresgid => process->Credentials.SetResGid((uint)a0, (uint)a1, (uint)a2),
            Setfsuid => process->Credentials.SetFsUid((uint)a0),
            Setfsgid => process->Credentials.SetFsGid((uint)a0),
            Getgroups => CredentialCalls.GetGroups(process, (int)a0, a1),
            Setgroups => CredentialCalls.SetGroups(process, (int)a0, a1),
            Getrandom => SystemCalls.GetRandom(process, a0, a1, (uint)a2),
            ClockGettime => TimeCalls.GetTime(process, (int)a0, a1),
            ClockGetres => TimeCalls.GetResolution(process, (int)a0, a1),
            Gettimeofday => TimeCalls.GetTimeOfDay(process, a0, a1),
            Time => TimeCalls.Time(process, a0),
            Fork => Process.Fork(process),
            Vfork => CloneCalls.Vfork(process),
            Clone => CloneCalls.Clone(process, a0, a1, a2, a3, a4),
            Clone3 => CloneCalls.Clone3(process, a0, a1),
            Membarrier => SchedulingCalls.Membarrier(process, (int)a0, (uint)a1),
            Rseq => SchedulingCalls.Rseq(),
            // pid_t and int arguments are 32 bits: glibc leaves the upper half of the register
            // zero, so -1 arrives as 0xffffffff (it made every shell's wait4(-1) ECHILD).
            Wait4 => Process.WaitForChild(process, (int)a0, a1, (uint)a2),
            Waitid => Process.WaitForChildInfo(process, (int)a0, (int)a1, a2, (uint)a3),
            Execve => Process.Execute(process, a0, a1, a2),
            RtSigaction => Process.SignalAction(process, a0, a1, a2, a3),
            RtSigprocmask => Process.SignalMask(process, a0, a1, a2, a3),
            Kill => Process.Kill(process, (int)a0, (uint)a1),
            Tkill => Process.KillThread(process, anyGroup: true, 0, (int)a0, (uint)a1),
            Tgkill => Process.KillThread(process, anyGroup: false, (int)a0, (int)a1, (uint)a2),
            Getpgid => Process.GetGroup(process, (long)a0),
            Getpgrp => Process.GetGroup(process, 0),
            Setpgid => Process.SetGroup(process, (long)a0, (long)a1),
            Getsid => Process.GetSession(process, (long)a0),
            Setsid => Process.CreateSession(process),
            SetTidAddress => Process.SetClearTidAddress(process, a0),
            Futex => FutexCalls.Call(process, a0, (int)a1, (uint)a2, a3, a4, (uint)a5),
            ArchPrctl => ProcessCalls.ArchPrctl(a0, a1),
            ExitGroup => ProcessCalls.Exit(a0),
            Exit => ProcessCalls.ExitThread(a0),
            _ => -Errno.ENOSYS,
        };
    }
}
