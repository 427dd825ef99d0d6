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
/// PipeCalls (pipe, pipe2), EventFdCalls (eventfd, eventfd2), TimerFdCalls (timerfd_*), SignalFdCalls (signalfd, signalfd4), TimeCalls (the clocks, sleeps, times), SystemCalls (uname, sysinfo, getrandom),
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
    /// itself, asks here first and, denied, falls through to the switch of <see cref="Enter"/> for its EPERM.</summary>
    internal static bool Admits(Process* process, ulong number) => Ipc.Capabilities.Allows(process->CapsHandle, number);


    /// <summary>The calls that read or change the regions and page tables as a whole (fork
    /// copies them): served under the address-space lock. Numbers below 64 (on x86-64 brk,
    /// mmap, munmap, mprotect, mremap, msync, mincore, madvise, shmat, clone, fork, vfork) are
    /// one bit test; the rest, and every number of an ABI that puts them higher (arm64's), go
    /// through the whole list.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool ChangesAddressSpace(ulong number) =>
        number < 64 ? ((AddressSpaceCallsBelow64 >> (int)number) & 1) != 0 : IsAddressSpaceCall(number);

    private static bool IsAddressSpaceCall(ulong number) =>
        number is Brk or Mmap or Munmap or Mprotect or Mremap or Msync or Mincore or Madvise or Shmat or Shmdt or Fork or Vfork or Clone or
            Mlock or Mlock2 or Mlockall or Clone3;

    /// <summary>rt_sigreturn or a call under the address-space lock: one test for the others.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool NeedsPreparation(ulong number) =>
        number < 64 ? (((AddressSpaceCallsBelow64 | RtSigreturnBelow64) >> (int)number) & 1) != 0 : number == RtSigreturn || IsAddressSpaceCall(number);

    // Each call's bit when its number is below 64, else nothing (a constant expression on every ABI).
    private const ulong AddressSpaceCallsBelow64 =
        (Brk < 64 ? 1UL << (int)(Brk & 63) : 0) | (Mmap < 64 ? 1UL << (int)(Mmap & 63) : 0) | (Munmap < 64 ? 1UL << (int)(Munmap & 63) : 0) |
        (Mprotect < 64 ? 1UL << (int)(Mprotect & 63) : 0) | (Mremap < 64 ? 1UL << (int)(Mremap & 63) : 0) | (Msync < 64 ? 1UL << (int)(Msync & 63) : 0) |
        (Mincore < 64 ? 1UL << (int)(Mincore & 63) : 0) | (Madvise < 64 ? 1UL << (int)(Madvise & 63) : 0) | (Shmat < 64 ? 1UL << (int)(Shmat & 63) : 0) |
        (Shmdt < 64 ? 1UL << (int)(Shmdt & 63) : 0) | (Fork < 64 ? 1UL << (int)(Fork & 63) : 0) | (Vfork < 64 ? 1UL << (int)(Vfork & 63) : 0) |
        (Clone < 64 ? 1UL << (int)(Clone & 63) : 0) | (Mlock < 64 ? 1UL << (int)(Mlock & 63) : 0) | (Mlock2 < 64 ? 1UL << (int)(Mlock2 & 63) : 0) |
        (Mlockall < 64 ? 1UL << (int)(Mlockall & 63) : 0) | (Clone3 < 64 ? 1UL << (int)(Clone3 & 63) : 0);

    private const ulong RtSigreturnBelow64 = RtSigreturn < 64 ? 1UL << (int)(RtSigreturn & 63) : 0;

    /// <summary>Every system call from user mode (Hal.UserMode.SetSystemCallHandler). rt_sigreturn
    /// passes the filter like every call and then replaces the whole register frame (it does not
    /// return here); denied, the switch answers EPERM. <paramref name="args"/> points at the six
    /// saved argument registers (rdi, rsi, rdx, r10, r8, r9).</summary>
    // One function for the whole call (issue 17): the thread and its process are looked up once
    // (each Process.Current and each per-thread field through the process looked them up again),
    // and an entry function in front of the switch cost a frame of its own. Its locals are
    // assigned before use, so zeroing the large frame on entry was pure cost. The arguments stay
    // where the entry saved them and each case reads the ones it takes.
    [System.Runtime.CompilerServices.SkipLocalsInit]
    internal static long Enter(ulong number, ulong* args, ulong userStack)
    {
        Tasks.KernelThread* self = Tasks.Scheduler.Current;
        Process* process = self == null ? null : (Process*)self->Process;
        if (process == null) return -Errno.ENOSYS;
        self->UserStackAtCall = userStack;
        if (NeedsPreparation(number))
        {
            if (number == RtSigreturn && Admits(process, RtSigreturn))
                Process.SignalReturn(process, userStack);
            if (ChangesAddressSpace(number) && !process->SpaceLock.IsHeldByCurrentThread)
            {
                // The address-space lock (docs/architecture.md, "Locks"): threads share the regions.
                // The call runs again from the top, under the lock.
                process->SpaceLock.Acquire();
                long result = Enter(number, args, userStack);
                process->SpaceLock.Release();
                return result;
            }
        }

        Count++;
        // The filter (SEC-5) is asked only by a process that has one: Process.SyscallFilterInstalled
        // is set before any filter is installed and inherited by fork, as the filter is.
        if (process->SyscallFilterInstalled && !Admits(process, number)) return Sandbox.Audit.Filtered(process, number);
        return number switch
        {
            Read => FileCalls.Read(process, args[0], args[1], args[2]),
            Write => FileCalls.Write(process, args[0], args[1], args[2]),
            Open => FileCalls.Open(process, args[0], args[1], args[2]),
            Openat => FileCalls.OpenAt(process, (long)args[0], args[1], args[2], args[3]),
            Creat => FileCalls.Open(process, args[0], FileCalls.CreatFlags, args[1]),
            Fadvise64 => FileCalls.Fadvise(process, args[0], args[1], args[2], args[3]),
            Getxattr => ExtendedAttributeCalls.Get(process, args[0], args[1], follow: true),
            Lgetxattr => ExtendedAttributeCalls.Get(process, args[0], args[1], follow: false),
            Fgetxattr => ExtendedAttributeCalls.FGet(process, args[0], args[1]),
            Listxattr => ExtendedAttributeCalls.List(process, args[0], follow: true),
            Llistxattr => ExtendedAttributeCalls.List(process, args[0], follow: false),
            Flistxattr => ExtendedAttributeCalls.FList(process, args[0]),
            Setxattr => ExtendedAttributeCalls.Set(process, args[0], args[1], args[3], args[4], follow: true),
            Lsetxattr => ExtendedAttributeCalls.Set(process, args[0], args[1], args[3], args[4], follow: false),
            Fsetxattr => ExtendedAttributeCalls.FSet(process, args[0], args[1], args[3], args[4]),
            Removexattr => ExtendedAttributeCalls.Remove(process, args[0], args[1], follow: true),
            Lremovexattr => ExtendedAttributeCalls.Remove(process, args[0], args[1], follow: false),
            Fremovexattr => ExtendedAttributeCalls.FRemove(process, args[0], args[1]),
            Close => FileCalls.Close(process, args[0]),
            Stat => FileCalls.Stat(process, args[0], args[1]),
            Lstat => FileCalls.StatAt(process, Files.PathResolver.AtFdcwd, args[0], args[1], 0x100),
            Fstat => FileCalls.FStat(process, args[0], args[1]),
            Newfstatat => FileCalls.StatAt(process, (long)args[0], args[1], args[2], args[3]),
            Lseek => FileCalls.Seek(process, args[0], args[1], args[2]),
            Mkdir => FileCalls.Mkdir(process, args[0], args[1]),
            Rmdir => FileCalls.Rmdir(process, args[0]),
            Unlink => FileCalls.Unlink(process, args[0]),
            Rename => FileCalls.Rename(process, args[0], args[1]),
            Getdents64 => FileCalls.GetDirectoryEntries(process, args[0], args[1], args[2]),
            Writev => OutputCalls.Writev(process, args[0], args[1], args[2]),
            Ioctl => FileCalls.Ioctl(process, args[0], args[1], args[2]),
            Readv => OutputCalls.Readv(process, args[0], args[1], args[2]),
            Dup => FileCalls.Duplicate(process, args[0]),
            Dup2 => FileCalls.Duplicate2(process, args[0], args[1]),
            Dup3 => FileCalls.Duplicate3(process, args[0], args[1], args[2]),
            Fcntl => FileCalls.Control(process, args[0], args[1], args[2]),
            Pipe => PipeCalls.Pipe(process, args[0], 0),
            Pipe2 => PipeCalls.Pipe(process, args[0], (uint)args[1]),
            Getcwd => FileCalls.GetWorkingDirectory(process, args[0], args[1]),
            Chdir => FileCalls.ChangeDirectory(process, args[0]),
            Fchdir => FileCalls.ChangeDirectoryTo(process, args[0]),
            Mkdirat => FileCalls.MakeDirectoryAt(process, (long)args[0], args[1], args[2]),
            Unlinkat => FileCalls.UnlinkAt(process, (long)args[0], args[1], args[2]),
            Renameat => FileCalls.RenameAt(process, (long)args[0], args[1], (long)args[2], args[3], 0),
            Renameat2 => FileCalls.RenameAt(process, (long)args[0], args[1], (long)args[2], args[3], args[4]),
            Pread64 => FileCalls.ReadAt(process, args[0], args[1], args[2], (long)args[3]),
            Pwrite64 => FileCalls.WriteAt(process, args[0], args[1], args[2], (long)args[3]),
            Preadv => OutputCalls.Preadv(process, args[0], args[1], args[2], args[3]),
            Pwritev => OutputCalls.Pwritev(process, args[0], args[1], args[2], args[3]),
            Sendfile => TransferCalls.SendFile(process, args[0], args[1], args[2], args[3]),
            Access => AttributeCalls.Access(process, args[0], args[1]),
            Faccessat => AttributeCalls.AccessAt(process, (long)args[0], args[1], args[2], 0),
            Faccessat2 => AttributeCalls.AccessAt(process, (long)args[0], args[1], args[2], args[3]),
            Chmod => AttributeCalls.Chmod(process, args[0], args[1]),
            Fchmod => AttributeCalls.Fchmod(process, args[0], args[1]),
            Fchmodat => AttributeCalls.ChmodAt(process, (long)args[0], args[1], args[2]),
            Chown => AttributeCalls.Chown(process, args[0], args[1], args[2]),
            Fchown => AttributeCalls.Fchown(process, args[0], args[1], args[2]),
            Lchown => AttributeCalls.Lchown(process, args[0], args[1], args[2]),
            Fchownat => AttributeCalls.ChownAt(process, (long)args[0], args[1], args[2], args[3], args[4]),
            Umask => AttributeCalls.Umask(process, args[0]),
            Utimensat => AttributeCalls.UtimensAt(process, (long)args[0], args[1], args[2], args[3]),
            Utimes => AttributeCalls.Utimes(process, args[0], args[1]),
            Utime => AttributeCalls.Utime(process, args[0], args[1]),
            Truncate => AttributeCalls.Truncate(process, args[0], args[1]),
            Ftruncate => AttributeCalls.Ftruncate(process, args[0], args[1]),
            Fsync or Fdatasync => SyncCalls.SyncFile(process, args[0]),
            Sync => SyncCalls.Sync(),
            Syncfs => SyncCalls.SyncFileSystem(process, args[0]),
            Statfs => AttributeCalls.StatFs(process, args[0], args[1]),
            Fstatfs => AttributeCalls.FStatFs(process, args[0], args[1]),
            Flock => LockCalls.Flock(process, args[0], args[1]),
            Link => LinkCalls.Link(process, args[0], args[1]),
            Linkat => LinkCalls.LinkAt(process, (long)args[0], args[1], (long)args[2], args[3], args[4]),
            Symlink => LinkCalls.Symlink(process, args[0], args[1]),
            Symlinkat => LinkCalls.SymlinkAt(process, args[0], (long)args[1], args[2]),
            Mknod => LinkCalls.Mknod(process, args[0], args[1], args[2]),
            Mknodat => LinkCalls.MknodAt(process, (long)args[0], args[1], args[2], args[3]),
            Readlink => ReadLinkCalls.ReadLink(process, args[0], args[1], args[2]),
            Readlinkat => ReadLinkCalls.ReadLinkAt(process, (long)args[0], args[1], args[2], args[3]),
            Mount => MountCalls.Mount(process, args[0], args[1], args[2], args[3], args[4]),
            Umount2 => MountCalls.Unmount(process, args[0], args[1]),
            Brk => MemoryCalls.Brk(process, args[0]),
            Mmap => MemoryCalls.Mmap(process, args[0], args[1], args[2], args[3], args[4], args[5]),
            Munmap => MemoryCalls.Munmap(process, args[0], args[1]),
            Mprotect => MemoryCalls.Mprotect(process, args[0], args[1], args[2]),
            Mremap => MappingCalls.Mremap(process, args[0], args[1], args[2], args[3], args[4]),
            Msync => MappingCalls.Msync(process, args[0], args[1], args[2]),
            Mincore => MappingCalls.Mincore(process, args[0], args[1], args[2]),
            Mlock => MemoryLockCalls.Lock(process, args[0], args[1], 0),
            Mlock2 => MemoryLockCalls.Lock(process, args[0], args[1], args[2]),
            Munlock => MemoryLockCalls.Unlock(process, args[0], args[1]),
            Mlockall => MemoryLockCalls.LockAll(process, args[0]),
            Munlockall => MemoryLockCalls.UnlockAll(),
            Madvise => MappingCalls.Madvise(process, args[0], args[1], args[2]),
            Getpid => (long)process->Id,
            Gettid => Process.CurrentThreadId(process),
            SchedYield => YieldProcessor(),
            Nanosleep => TimeCalls.Sleep(process, args[0], args[1]),
            ClockNanosleep => TimeCalls.ClockSleep(process, (int)args[0], args[1], args[2], args[3]),
            ClockSettime => TimeCalls.SetTime(process, (int)args[0], args[1]),
            Times => TimeCalls.Times(process, args[0]),
            Pause => Process.Pause(process),
            Alarm => Process.Alarm(process, (uint)args[0]),
            Getitimer => Process.GetIntervalTimer(process, (int)args[0], args[1]),
            Setitimer => Process.SetIntervalTimer(process, (int)args[0], args[1], args[2]),
            RtSigpending => Process.SignalPending(process, args[0], args[1]),
            RtSigtimedwait => Process.SignalTimedWait(process, args[0], args[1], args[2], args[3]),
            RtSigsuspend => Process.SignalSuspend(process, args[0], args[1]),
            RtSigqueueinfo => Process.QueueSignal(process, (int)args[0], (int)args[1], args[2]),
            Sigaltstack => Process.SignalStackCall(process, args[0], args[1]),
            Sysinfo => SystemCalls.SystemInformation(process, args[0]),
            Syslog => KernelLog.Syslog(process, (int)args[0], args[1], (int)args[2]),
            Sethostname => SystemCalls.SetName(process, args[0], args[1], domain: false),
            Setdomainname => SystemCalls.SetName(process, args[0], args[1], domain: true),
            InitModule => ModuleCalls.InitModule(process, args[0], args[1], args[2]),
            DeleteModule => ModuleCalls.DeleteModule(process, args[0], args[1]),
            FinitModule => ModuleCalls.FinitModule(process, args[0], args[1], args[2]),
            Prctl => ProcessCalls.Prctl(process, (int)args[0], args[1]),
            SetRobustList => ProcessCalls.SetRobustList(process, args[0], args[1]),
            GetRobustList => ProcessCalls.GetRobustList(process, (int)args[0], args[1], args[2]),
            Getpriority => SchedulingCalls.GetPriority(process, (int)args[0], (uint)args[1]),
            Setpriority => SchedulingCalls.SetPriority(process, (int)args[0], (uint)args[1], (int)args[2]),
            SchedGetaffinity => SchedulingCalls.GetAffinity(process, (int)args[0], args[1], args[2]),
            SchedSetaffinity => SchedulingCalls.SetAffinity(process, (int)args[0], args[1], args[2]),
            SchedGetscheduler => SchedulingCalls.GetScheduler(process, (int)args[0]),
            SchedGetparam => SchedulingCalls.GetParameters(process, (int)args[0], args[1]),
            Getcpu => SchedulingCalls.GetCpu(process, args[0], args[1]),
            Socket => SocketCalls.Socket(process, args[0], args[1], args[2]),
            Connect => SocketCalls.Connect(process, args[0], args[1], args[2]),
            Accept => SocketCalls.Accept(process, args[0], args[1], args[2]),
            Sendto => SocketCalls.Send(process, args[0], args[1], args[2], args[3], args[4], args[5]),
            Recvfrom => SocketCalls.Receive(process, args[0], args[1], args[2], args[3], args[4], args[5]),
            Bind => SocketCalls.Bind(process, args[0], args[1], args[2]),
            Listen => SocketCalls.Listen(process, args[0], args[1]),
            Accept4 => SocketCalls.Accept4(process, args[0], args[1], args[2], args[3]),
            Sendmsg => SocketCalls.SendMessage(process, args[0], args[1], args[2]),
            Recvmsg => SocketCalls.ReceiveMessage(process, args[0], args[1], args[2]),
            Shutdown => SocketCalls.Shutdown(process, args[0], args[1]),
            Getsockname => SocketCalls.GetSocketName(process, args[0], args[1], args[2]),
            Getpeername => SocketCalls.GetPeerName(process, args[0], args[1], args[2]),
            Setsockopt => SocketCalls.SetOption(process, args[0], args[1], args[2], args[3], args[4]),
            Getsockopt => SocketCalls.GetOption(process, args[0], args[1], args[2], args[3], args[4]),
            Socketpair => SocketCalls.SocketPair(process, args[0], args[1], args[2], args[3]),
            // System V IPC with Linux keys (int arguments are truncated as Linux's are).
            Msgget => SysvIpcCalls.MessageGet(process, (int)args[0], (int)args[1]),
            Msgsnd => SysvIpcCalls.MessageSend(process, (int)args[0], args[1], args[2], (int)args[3]),
            Msgrcv => SysvIpcCalls.MessageReceive(process, (int)args[0], args[1], args[2], (long)args[3], (int)args[4]),
            Msgctl => SysvIpcCalls.MessageControl(process, (int)args[0], (int)args[1], args[2]),
            Shmget => SysvIpcCalls.SegmentGet(process, (int)args[0], args[1], (int)args[2]),
            Shmat => SysvIpcCalls.SegmentAttach(process, (int)args[0], args[1], (int)args[2]),
            Shmdt => SysvIpcCalls.SegmentDetach(process, args[0]),
            Shmctl => SysvIpcCalls.SegmentControl(process, (int)args[0], (int)args[1], args[2]),
            Semget => SysvIpcCalls.SemaphoreGet(process, (int)args[0], (int)args[1], (int)args[2]),
            Semop => SysvIpcCalls.SemaphoreOperate(process, (int)args[0], args[1], (uint)args[2], 0),
            Semtimedop => SysvIpcCalls.SemaphoreOperate(process, (int)args[0], args[1], (uint)args[2], args[3]),
            Semctl => SysvIpcCalls.SemaphoreControl(process, (int)args[0], (int)args[1], (int)args[2], args[3]),
            Poll => PollCalls.Poll(process, args[0], (uint)args[1], (int)args[2]),
            Ppoll => PollCalls.PollTimed(process, args[0], (uint)args[1], args[2], args[3], args[4]),
            Select => PollCalls.Select(process, (int)args[0], args[1], args[2], args[3], args[4]),
            Pselect6 => PollCalls.SelectTimed(process, (int)args[0], args[1], args[2], args[3], args[4], args[5]),
            Eventfd => EventFdCalls.Create(process, (uint)args[0], 0),
            Eventfd2 => EventFdCalls.Create(process, (uint)args[0], (uint)args[1]),
            TimerfdCreate => TimerFdCalls.Create(process, (int)args[0], (uint)args[1]),
            TimerfdSettime => TimerFdCalls.Set(process, (int)args[0], (uint)args[1], args[2], args[3]),
            TimerfdGettime => TimerFdCalls.Get(process, (int)args[0], args[1]),
            Signalfd => SignalFdCalls.Create(process, (int)args[0], args[1], args[2], 0),
            Signalfd4 => SignalFdCalls.Create(process, (int)args[0], args[1], args[2], (uint)args[3]),
            EpollCreate => EpollCalls.Create(process, (int)args[0]),
            EpollCreate1 => EpollCalls.Create1(process, (uint)args[0]),
            EpollCtl => EpollCalls.Control(process, (int)args[0], (int)args[1], (int)args[2], args[3]),
            EpollWait => EpollCalls.Wait(process, (int)args[0], args[1], (int)args[2], (int)args[3]),
            EpollPwait => EpollCalls.WaitMasked(process, (int)args[0], args[1], (int)args[2], (int)args[3], args[4], args[5]),
            EpollPwait2 => EpollCalls.WaitMaskedPrecise(process, (int)args[0], args[1], (int)args[2], args[3], args[4], args[5]),
            // Token-named IPC (SPEC IPC-1) under Aurora's own numbers.
            CapMsgget => IpcCalls.MessageGet(process, args[0], args[1]),
            CapMsgsnd => IpcCalls.MessageSend(process, args[0], args[1], args[2], args[3]),
            CapMsgrcv => IpcCalls.MessageReceive(process, args[0], args[1], args[2], (long)args[3], args[4]),
            CapMsgctl => IpcCalls.MessageControl(process, args[0], args[1], args[2]),
            CapShmget => IpcCalls.SegmentGet(process, args[0], args[1], args[2]),
            CapShmat => IpcCalls.Attach(process, args[0], args[1], args[2]),
            CapShmdt => IpcCalls.Detach(process, args[0]),
            CapShmctl => IpcCalls.SegmentControl(process, args[0], args[1], args[2]),
            CapMint => IpcCalls.Mint(process, args[0]),
            CapGrant => IpcCalls.Grant(process, args[0], (long)args[1], args[2]),
            CapRevoke => IpcCalls.Revoke(process, args[0]),
            CapRelease => IpcCalls.Release(process, args[0]),
            CapToken => IpcCalls.ExportToken(process, args[0], args[1]),
            SyscallFilter => IpcCalls.InstallFilter(process, args[0]),
            Pledge => SandboxCalls.Pledge(process, args[0], args[1]),
            Unveil => SandboxCalls.Unveil(process, args[0], args[1]),
            Netrule => SandboxCalls.AddNetworkRule(process, args[0]),
            // resource is an unsigned int and pid a pid_t (int): the upper halves are ignored.
            Getrlimit => LimitCalls.Get(process, (uint)args[0], args[1]),
            Setrlimit => LimitCalls.Set(process, (uint)args[0], args[1]),
            Prlimit64 => LimitCalls.PrLimit(process, (int)args[0], (uint)args[1], args[2], args[3]),
            Getrusage => ProcessCalls.ResourceUsage(process, (int)args[0], args[1]),
            Getppid => Process.ParentId(process),
            Uname => SystemCalls.Uname(process, args[0]),
            Getuid => process->Credentials.RealUid,
            Geteuid => process->Credentials.EffectiveUid,
            Getgid => process->Credentials.RealGid,
            Getegid => process->Credentials.EffectiveGid,
            Getresuid => CredentialCalls.GetResIds(process, args[0], args[1], args[2], groups: false),
            Getresgid => CredentialCalls.GetResIds(process, args[0], args[1], args[2], groups: true),
            // uid_t and gid_t are 32 bits: the upper halves are ignored.
            Setuid => process->Credentials.SetUid((uint)args[0]),
            Setgid => process->Credentials.SetGid((uint)args[0]),
            Setreuid => process->Credentials.SetReUid((uint)args[0], (uint)args[1]),
            Setregid => process->Credentials.SetReGid((uint)args[0], (uint)args[1]),
            Setresuid => process->Credentials.SetResUid((uint)args[0], (uint)args[1], (uint)args[2]),
            Setresgid => process->Credentials.SetResGid((uint)args[0], (uint)args[1], (uint)args[2]),
            Setfsuid => process->Credentials.SetFsUid((uint)args[0]),
            Setfsgid => process->Credentials.SetFsGid((uint)args[0]),
            Getgroups => CredentialCalls.GetGroups(process, (int)args[0], args[1]),
            Setgroups => CredentialCalls.SetGroups(process, (int)args[0], args[1]),
            Getrandom => SystemCalls.GetRandom(process, args[0], args[1], (uint)args[2]),
            ClockGettime => TimeCalls.GetTime(process, (int)args[0], args[1]),
            ClockGetres => TimeCalls.GetResolution(process, (int)args[0], args[1]),
            Gettimeofday => TimeCalls.GetTimeOfDay(process, args[0], args[1]),
            Time => TimeCalls.Time(process, args[0]),
            Fork => Process.Fork(process),
            Vfork => CloneCalls.Vfork(process),
            Clone => CloneCalls.Clone(process, args[0], args[1], args[2], args[3], args[4]),
            Clone3 => CloneCalls.Clone3(process, args[0], args[1]),
            Membarrier => SchedulingCalls.Membarrier(process, (int)args[0], (uint)args[1]),
            Rseq => SchedulingCalls.Rseq(),
            // pid_t and int arguments are 32 bits: glibc leaves the upper half of the register
            // zero, so -1 arrives as 0xffffffff (it made every shell's wait4(-1) ECHILD).
            Wait4 => Process.WaitForChild(process, (int)args[0], args[1], (uint)args[2]),
            Waitid => Process.WaitForChildInfo(process, (int)args[0], (int)args[1], args[2], (uint)args[3]),
            Execve => Process.Execute(process, args[0], args[1], args[2]),
            RtSigaction => Process.SignalAction(process, args[0], args[1], args[2], args[3]),
            RtSigprocmask => Process.SignalMask(process, args[0], args[1], args[2], args[3]),
            Kill => Process.Kill(process, (int)args[0], (uint)args[1]),
            Tkill => Process.KillThread(process, anyGroup: true, 0, (int)args[0], (uint)args[1]),
            Tgkill => Process.KillThread(process, anyGroup: false, (int)args[0], (int)args[1], (uint)args[2]),
            Getpgid => Process.GetGroup(process, (long)args[0]),
            Getpgrp => Process.GetGroup(process, 0),
            Setpgid => Process.SetGroup(process, (long)args[0], (long)args[1]),
            Getsid => Process.GetSession(process, (long)args[0]),
            Setsid => Process.CreateSession(process),
            SetTidAddress => Process.SetClearTidAddress(process, args[0]),
            Futex => FutexCalls.Call(process, args[0], (int)args[1], (uint)args[2], args[3], args[4], (uint)args[5]),
            ArchPrctl => ProcessCalls.ArchPrctl(args[0], args[1]),
            ExitGroup => ProcessCalls.Exit(args[0]),
            Exit => ProcessCalls.ExitThread(args[0]),
            _ => -Errno.ENOSYS,
        };
    }
}
