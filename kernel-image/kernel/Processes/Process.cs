using Aurora.Kernel.Tasks;
using Aurora.Vmm;

namespace Aurora.Kernel.Processes;

/// <summary>One user process: its address space, its (single) thread, the program break and
/// the anonymous-mapping cursor, its exit status, and a copy of what it wrote to standard
/// output and error (the console shows it too; tests read the copy).</summary>
internal unsafe partial struct Process
{
    internal const int NameCapacity = 32;
    internal const int OutputCapacity = 4096;

    public ulong Id;
    public AddressSpace Space;

    /// <summary>The virtual memory areas of <see cref="Space"/> (Process.Memory.cs).</summary>
    public UserRegions Regions;
    public KernelThread* Thread;

    /// <summary>The process's other threads (clone with CLONE_THREAD; Process.Threads.cs), linked
    /// through KernelThread.NextInGroup, and how many; an exit_group, fatal signal or execve
    /// sets <see cref="GroupExiting"/> and waits on <see cref="ThreadsEnded"/> until they are gone.</summary>
    public KernelThread* OtherThreads;
    public int OtherThreadCount;
    public bool GroupExiting;
    public WaitQueue ThreadsEnded;

    /// <summary>The address-space lock (docs/architecture.md, "Locks"): the regions, page
    /// tables, break and mapping cursor change under it once two threads share them.</summary>
    public KernelMutex SpaceLock;

    public ulong Entry;
    public ulong InitialStackPointer;
    /// <summary>Where a handler without SA_RESTORER returns (Hal.UserAbi.SignalTrampoline,
    /// mapped by BuildStack); 0 where the architecture has none.</summary>
    public ulong SignalTrampoline;

    /// <summary>brk: the break starts at the first page above the program's segments.</summary>
    public ulong BreakStart;
    public ulong Break;

    /// <summary>Where the next anonymous mmap without a fixed address goes.</summary>
    public ulong MappingCursor;

    /// <summary>Linux wait status: exit code in bits 8-15, or the terminating signal in bits 0-6.</summary>
    public int WaitStatus;

    /// <summary>The process that forked this one, while it lives; null for processes the kernel
    /// started (it waits for them itself) and for orphans.</summary>
    public Process* Parent;
    public Process* FirstChild;
    public Process* NextSibling;

    /// <summary>The parent died first (and no subreaper adopted it), or the parent does not
    /// wait for its children (SIGCHLD ignored, SA_NOCLDWAIT): the reaper frees this process
    /// when it ends. getppid answers 1 for it, as Linux's reparenting to init would.</summary>
    public bool Orphan;

    /// <summary>prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants become this process's
    /// children instead of init's (not inherited by fork, as Linux).</summary>
    public bool ChildSubreaper;

    /// <summary>wait4 sleeps here; a child's exit wakes it.</summary>
    public WaitQueue ChildExited;

    /// <summary>Signals (Process.Signals.cs): one bit per signal, bit n-1 for signal n.</summary>
    public ulong PendingSignals;

    /// <summary>The signal mask is each thread's own (KernelThread.SignalMask): the calling
    /// thread's when it belongs to this process, else the first thread's (kill, /proc).</summary>
    public ulong BlockedSignals
    {
        get
        {
            KernelThread* thread = MaskThread();
            return thread == null ? 0 : thread->SignalMask;
        }
        set
        {
            KernelThread* thread = MaskThread();
            if (thread != null) thread->SignalMask = value;
        }
    }

    private KernelThread* MaskThread()
    {
        KernelThread* self = Scheduler.Current;
        return self != null && self->Process == System.Runtime.CompilerServices.Unsafe.AsPointer(ref this) ? self : Thread;
    }

    /// <summary>The mask to put back after a call that waits under a mask of its own (ppoll,
    /// pselect6, rt_sigsuspend): restored on return, or, when a handler interrupts the call, saved in the
    /// handler's frame so rt_sigreturn restores it (Linux's saved_sigmask).</summary>
    public ref ulong SavedSignalMask => ref MaskThread()->SavedSignalMask;
    public ref bool HasSavedSignalMask => ref MaskThread()->Return.HasSavedSignalMask;

    /// <summary>Pid of the last process that sent a signal (siginfo si_pid).</summary>
    public ulong LastSender;

    /// <summary>siginfo's si_code and si_value of each pending signal that a timer (SI_KERNEL)
    /// or rt_sigqueueinfo set; 0 (SI_USER) for kill. Delivery consumes them.</summary>
    public fixed int SignalCode[SignalCount];
    public fixed ulong SignalValue[SignalCount];

    /// <summary>A signal the process's own fault raised for its handler (Linux force_sig_fault):
    /// the signal, siginfo's si_code and si_addr; 0 when none is pending.</summary>
    public ref int FaultSignal => ref MaskThread()->FaultSignal;
    public ref int FaultCode => ref MaskThread()->FaultCode;
    public ref ulong FaultAddress => ref MaskThread()->FaultAddress;

    /// <summary>The last page fault touched a mapped object past its last page (Process.Memory.cs):
    /// SIGBUS instead of SIGSEGV.</summary>
    public bool BusError;

    /// <summary>The last page fault needed a frame and user memory had none left (only the
    /// kernel's reserve, KernelMemory.UserReserveFrames): the process is killed with SIGKILL.</summary>
    public bool OutOfMemory;

    /// <summary>rt_sigaction state per signal: handler (0 default, 1 ignore), flags, restorer, mask.</summary>
    public fixed ulong SignalHandler[SignalCount];
    public fixed ulong SignalFlags[SignalCount];
    public fixed ulong SignalRestorer[SignalCount];
    public fixed ulong SignalHandlerMask[SignalCount];

    /// <summary>The process's handle in the capability space (Ipc/Capabilities.cs): its
    /// tokens, IPC ids and system-call filter.</summary>
    public int CapsHandle;

    /// <summary>A system-call filter may be installed for this process (set before each install,
    /// inherited by fork with the filter, never cleared): the dispatcher asks the capability
    /// space only then (issue 17: every call paid for the lookup).</summary>
    public bool SyscallFilterInstalled;

    internal const int MaxSharedMappings = 16;

    /// <summary>Attached shared-memory segments: user address, page count and the capability
    /// space's segment handle (shmdt finds the segment by address).</summary>
    public fixed ulong SharedAddress[MaxSharedMappings];
    public fixed ulong SharedPages[MaxSharedMappings];
    public fixed ulong SharedSegment[MaxSharedMappings];

    /// <summary>The id the segment was attached by (bit 63: read-only), for fork.</summary>
    public fixed ulong SharedId[MaxSharedMappings];

    /// <summary>Real, effective, saved and filesystem user and group ids and the supplementary
    /// groups (Credentials.cs): root by default, inherited by fork, kept by execve.</summary>
    public Credentials Credentials;

    /// <summary>The children's CPU time added at wait, and alarm/setitimer (Process.Timers.cs).</summary>
    public ProcessTimers Timers;

    /// <summary>sigaltstack's stack (Process.SignalWaits.cs).</summary>
    public ref SignalStack AlternateStack => ref MaskThread()->AlternateStack;

    /// <summary>The signals rt_sigtimedwait waits for: they end the wait though blocked.</summary>
    public ref ulong SignalWaitSet => ref MaskThread()->SignalWaitSet;

    /// <summary>The user stack pointer at the system call being served (sigaltstack asks
    /// whether the caller runs on the alternate stack).</summary>
    public ref ulong UserStackAtCall => ref MaskThread()->UserStackAtCall;

    /// <summary>prctl's PR_SET_PDEATHSIG and PR_SET_DUMPABLE 0 (dumpable is the default), the
    /// nice value (setpriority). set_robust_list's head is the thread's (KernelThread.RobustListHead).</summary>
    public int DeathSignal;
    public bool NotDumpable;
    public int Nice;

    /// <summary>membarrier's registrations (MembarrierCalls): the REGISTER_* commands this
    /// address space has made; a fork's child and a new image start with none.</summary>
    public int MembarrierRegistrations;

    /// <summary>System V IPC (keys: ambient authority) is refused with EPERM
    /// (Ipc/SysvIpc.CheckAmbientAccess); for a sandbox (issue 15): inherited by fork, kept by
    /// execve, never cleared.</summary>
    public bool AmbientIpcDenied;

    /// <summary>The ending process's capability holdings are gone (set under the capabilities
    /// lock in its exit): a cap_grant from then on answers ESRCH, or the grant would stay on
    /// the freed handle for the next process that gets it.</summary>
    public bool CapabilitiesForgotten;

    /// <summary>Promises, filesystem view, network rules and domain (Sandbox/SandboxState.cs):
    /// shared with the children by fork, sealed by execve, released at exit.</summary>
    public Sandbox.SandboxState Sandbox;

    /// <summary>This process's SEM_UNDO adjustments (Ipc/SysvSemaphores.cs), applied at exit;
    /// a forked child starts without any, as on Linux.</summary>
    public void* SemaphoreUndo;

    /// <summary>Link in the list of every process (kill looks pids up there).</summary>
    public Process* NextProcess;

    /// <summary>A forked child's first user state (the parent's at the fork), until it runs.</summary>
    public Hal.UserContext* ForkContext;

    /// <summary>Job control (Process.Groups.cs): the process group and session (0 for the
    /// processes the kernel starts, as Linux's init starts in session 0), the controlling
    /// terminal (Terminals/), and whether the process has called execve since fork (setpgid
    /// on a child that has answers EACCES).</summary>
    public ulong GroupId;
    public ulong SessionId;
    public Terminals.Terminal* ControllingTerminal;
    public bool Executed;

    /// <summary>Stopped by a stop signal (Process.Stop.cs): its thread sleeps on
    /// <see cref="Resumed"/> until SIGCONT or SIGKILL. The last stop signal, and whether the
    /// stop or the continue is still to be reported to the parent's wait4.</summary>
    public bool Stopped;
    public int StopSignal;
    public bool StopUnreported;
    public bool ContinueUnreported;
    public WaitQueue Resumed;

    /// <summary>Descriptors (Files/DescriptorTable.cs): every kind of open file, by number.</summary>
    public Files.DescriptorTable Descriptors;

    /// <summary>Where relative paths start (Files/PathResolver.cs).</summary>
    public Files.WorkingDirectory WorkingDirectory;

    /// <summary>umask(2): permission bits taken away from files, directories and nodes this
    /// process creates (Linux's fs_struct umask; 022 for the first process, copied by fork).</summary>
    public uint FileCreationMask;

    /// <summary>The program's path and execve strings, for /proc (ProgramInfo.cs).</summary>
    public ProgramInfo* Program;

    /// <summary>Timer tick at which the process was made (fork or start): /proc's starttime.</summary>
    public ulong StartTick;

    public fixed byte Name[NameCapacity];
    public fixed byte Output[OutputCapacity];
    public int OutputLength;

    public void Capture(System.ReadOnlySpan<byte> text)
    {
        for (int i = 0; i < text.Length && OutputLength < OutputCapacity; i++) Output[OutputLength++] = text[i];
    }

    public readonly System.ReadOnlySpan<byte> NameText
    {
        get
        {
            fixed (byte* name = Name)
            {
                int length = 0;
                while (length < NameCapacity && name[length] != 0) length++;
                return new System.ReadOnlySpan<byte>(name, length);
            }
        }
    }
}
