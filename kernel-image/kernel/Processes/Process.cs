using Aurora.Kernel.Tasks;
using Aurora.Vmm;

namespace Aurora.Kernel.Processes;

/// <summary>One user process: its address space, its (single) thread, the program break and
/// the anonymous-mapping cursor, its exit status, and a copy of what it wrote to standard
/// output and error (the console shows it too; tests read the copy).</summary>
internal unsafe partial struct Process
{
    internal const int NameCapacity = 32;
    internal const int OutputCapacity = 2048;

    public ulong Id;
    public AddressSpace Space;

    /// <summary>The virtual memory areas of <see cref="Space"/> (Process.Memory.cs).</summary>
    public UserRegions Regions;
    public KernelThread* Thread;

    public ulong Entry;
    public ulong InitialStackPointer;

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

    /// <summary>The parent died first: the reaper frees this process when it ends.</summary>
    public bool Orphan;

    /// <summary>wait4 sleeps here; a child's exit wakes it.</summary>
    public WaitQueue ChildExited;

    /// <summary>Signals (Process.Signals.cs): one bit per signal, bit n-1 for signal n.</summary>
    public ulong PendingSignals;
    public ulong BlockedSignals;

    /// <summary>Pid of the last process that sent a signal (siginfo si_pid).</summary>
    public ulong LastSender;

    /// <summary>A signal the process's own fault raised for its handler (Linux force_sig_fault):
    /// the signal, siginfo's si_code and si_addr; 0 when none is pending.</summary>
    public int FaultSignal;
    public int FaultCode;
    public ulong FaultAddress;

    /// <summary>rt_sigaction state per signal: handler (0 default, 1 ignore), flags, restorer, mask.</summary>
    public fixed ulong SignalHandler[SignalCount];
    public fixed ulong SignalFlags[SignalCount];
    public fixed ulong SignalRestorer[SignalCount];
    public fixed ulong SignalHandlerMask[SignalCount];

    /// <summary>The process's handle in the capability space (Ipc/Capabilities.cs): its
    /// tokens, IPC ids and system-call filter.</summary>
    public int CapsHandle;

    internal const int MaxSharedMappings = 16;

    /// <summary>Attached shared-memory segments: user address, page count and the capability
    /// space's segment handle (shmdt finds the segment by address).</summary>
    public fixed ulong SharedAddress[MaxSharedMappings];
    public fixed ulong SharedPages[MaxSharedMappings];
    public fixed ulong SharedSegment[MaxSharedMappings];

    /// <summary>The id the segment was attached by (bit 63: read-only), for fork.</summary>
    public fixed ulong SharedId[MaxSharedMappings];

    /// <summary>Link in the list of every process (kill looks pids up there).</summary>
    public Process* NextProcess;

    /// <summary>A forked child's first user state (the parent's at the fork), until it runs.</summary>
    public Hal.UserContext* ForkContext;

    /// <summary>Descriptors (Files/DescriptorTable.cs): every kind of open file, by number.</summary>
    public Files.DescriptorTable Descriptors;

    /// <summary>Where relative paths start (Files/PathResolver.cs).</summary>
    public Files.WorkingDirectory WorkingDirectory;

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
