using Aurora.Caps;

namespace Aurora.Kernel.Processes;

/// <summary>
/// Resource limits (Linux RLIMIT_*, getrlimit/setrlimit/prlimit64 in Syscalls/LimitCalls.cs) and
/// the accounts they are counted against, so that one user cannot take a whole system-wide table
/// from everyone else (security issue 9, finding 7).
/// </summary>
/// <remarks>
/// <para><b>Accounts.</b> Linux counts processes (RLIMIT_NPROC) per real user. Aurora has one
/// user, root, so an account here is a <em>process tree</em>: every process the kernel starts
/// (a test program, init) opens a new account, and everything it forks, and they fork, stays in
/// it; execve keeps it. Root is not exempt (Linux exempts it; here it would make the limits
/// mean nothing). The account's number is also its account in the capability space
/// (<see cref="CapabilitySpace{TMemory, TRandom}.SetAccount"/>), which charges tokens, queues and
/// segments to it; this table counts its processes (zombies included, as Linux does, until
/// reaped) and its sockets. An account number is reused only when nothing is charged to it.</para>
/// <para><b>Limits</b> are per process (indexed by its capability handle, which it keeps for
/// life): a process the kernel starts gets the defaults, a forked child its parent's copy.
/// RLIMIT_NPROC: fork fails with EAGAIN when the caller's account already has that many
/// processes. RLIMIT_NOFILE: no descriptor of any kind at or above it (EMFILE: open, socket,
/// accept, dup, fcntl F_DUPFD; dup2/dup3 to a number at or above it is EBADF); it cannot be raised
/// above <see cref="DescriptorLimit"/> (EPERM, as Linux's nr_open). RLIMIT_AS: mmap, brk and
/// mremap that would take the regions past it fail (ENOMEM; brk keeps the old break;
/// Process.AddressSpaceAllows). The others are stored and reported. Raising a hard limit
/// needs privilege in Linux (CAP_SYS_RESOURCE); every Aurora process is root, so it is
/// allowed, except in a sandbox (Syscalls/LimitCalls.cs: EPERM; docs/sandbox.md).</para>
/// <para>Lock: the capability space's lock orders account reuse against its charges; the counts
/// themselves change with interrupts off (one processor).</para>
/// </remarks>
internal static unsafe class ResourceLimits
{
    // Linux include/uapi/asm-generic/resource.h.
    internal const int Cpu = 0, FileSize = 1, Data = 2, Stack = 3, Core = 4, ResidentSet = 5, Processes = 6,
        OpenFiles = 7, LockedMemory = 8, AddressSpace = 9, Locks = 10, PendingSignals = 11, MessageQueueBytes = 12,
        Nice = 13, RealtimePriority = 14, RealtimeTime = 15;

    /// <summary>RLIM_NLIMITS.</summary>
    internal const int Count = 16;

    /// <summary>RLIM_INFINITY.</summary>
    internal const ulong Infinity = ulong.MaxValue;

    /// <summary>Default RLIMIT_NPROC: a quarter of the process handles, so four trees at their
    /// limit still leave room.</summary>
    internal const ulong DefaultProcessesPerAccount = CapsLimits.MaxProcesses / 4;

    /// <summary>One more than the highest descriptor a process can have (the descriptor table's
    /// capacity, 1,048,576, Linux's nr_open): RLIMIT_NOFILE's ceiling.</summary>
    internal const ulong DescriptorLimit = Files.DescriptorTable.Capacity;

    /// <summary>RLIMIT_NOFILE's default, soft and hard (Linux's soft default; a program that
    /// needs more raises it, as on Linux).</summary>
    internal const ulong DefaultOpenFiles = 1024;

    /// <summary>Sockets one account may have open: a quarter of the network stack's table, which
    /// is sized by memory (Net/NetworkStack.SocketCapacity: one socket per page, 16,384 per tree
    /// with 256 MiB), so one tree cannot take every slot. Beyond it socket/accept give ENOBUFS.</summary>
    internal static int SocketsPerAccount => Net.NetworkStack.SocketCapacity / 4;

    private struct Tables
    {
        public fixed ulong Soft[CapsLimits.MaxProcesses * Count];
        public fixed ulong Hard[CapsLimits.MaxProcesses * Count];
        public fixed int AccountOf[CapsLimits.MaxProcesses];
        public fixed int AccountProcesses[CapsLimits.MaxAccounts];
        public fixed int AccountSockets[CapsLimits.MaxAccounts];
    }

    private static Tables s_tables;

    /// <summary>The defaults of a process the kernel starts (Linux's where they mean something here).</summary>
    private static void SetDefaults(int handle)
    {
        for (int r = 0; r < Count; r++) Set(handle, r, Infinity, Infinity);
        Set(handle, Stack, 8UL << 20, Infinity);
        Set(handle, Core, 0, Infinity);
        Set(handle, Processes, DefaultProcessesPerAccount, DefaultProcessesPerAccount);
        Set(handle, OpenFiles, DefaultOpenFiles, DefaultOpenFiles);
        Set(handle, LockedMemory, 8UL << 20, 8UL << 20);
        Set(handle, PendingSignals, DefaultProcessesPerAccount, DefaultProcessesPerAccount);
        Set(handle, MessageQueueBytes, 819200, 819200);
        Set(handle, Nice, 0, 0);
        Set(handle, RealtimePriority, 0, 0);
    }

    private static void Set(int handle, int resource, ulong soft, ulong hard)
    {
        s_tables.Soft[handle * Count + resource] = soft;
        s_tables.Hard[handle * Count + resource] = hard;
    }

    internal static ulong SoftLimit(int handle, int resource) => s_tables.Soft[handle * Count + resource];

    internal static ulong HardLimit(int handle, int resource) => s_tables.Hard[handle * Count + resource];

    /// <summary>Sets a limit, Linux do_prlimit's rules: EINVAL for soft above hard, EPERM for
    /// RLIMIT_NOFILE above <see cref="DescriptorLimit"/>. The caller checked the resource.</summary>
    internal static long Change(int handle, int resource, ulong soft, ulong hard)
    {
        if (soft > hard) return -Syscalls.Errno.EINVAL;
        if (resource == OpenFiles && hard > DescriptorLimit) return -Syscalls.Errno.EPERM;
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        Set(handle, resource, soft, hard);
        Hal.Cpu.RestoreInterrupts(interrupts);
        return 0;
    }

    /// <summary>The account of the process with capability handle <paramref name="handle"/>.</summary>
    internal static int AccountOf(int handle) => s_tables.AccountOf[handle];

    /// <summary>Processes in an account now (zombies included).</summary>
    internal static int ProcessCount(int account) => s_tables.AccountProcesses[account];

    /// <summary>Sockets an account has open now.</summary>
    internal static int SocketCount(int account) => s_tables.AccountSockets[account];

    /// <summary>
    /// Puts a new process (handle <paramref name="handle"/>) into an account, interrupts off and
    /// the capability lock held. <paramref name="parent"/> &lt; 0: a process the kernel starts,
    /// in a fresh account (one with nothing charged), with default limits; false when every
    /// account is in use. Otherwise a forked child: the parent's account and a copy of its
    /// limits; false when the account already has the parent's RLIMIT_NPROC processes.
    /// </summary>
    internal static bool Join(int handle, int parent, ref CapabilitySpace<Memory.HeapCapsMemory, Memory.KernelRandomSource> caps)
    {
        int account = -1;
        if (parent < 0)
        {
            for (int a = 0; a < CapsLimits.MaxAccounts && account < 0; a++)
            {
                if (s_tables.AccountProcesses[a] == 0 && s_tables.AccountSockets[a] == 0 && caps.UsageOf(a).IsEmpty) account = a;
            }

            if (account < 0) return false;
            SetDefaults(handle);
        }
        else
        {
            account = s_tables.AccountOf[parent];
            if ((ulong)s_tables.AccountProcesses[account] >= SoftLimit(parent, Processes)) return false;
            for (int r = 0; r < Count; r++) Set(handle, r, SoftLimit(parent, r), HardLimit(parent, r));
        }

        s_tables.AccountOf[handle] = account;
        s_tables.AccountProcesses[account]++;
        return true;
    }

    /// <summary>The process with this handle has been reaped. Interrupts off.</summary>
    internal static void Leave(int handle) => s_tables.AccountProcesses[s_tables.AccountOf[handle]]--;

    /// <summary>Counts a new socket of the process against its account; false (ENOBUFS) when the
    /// account has <see cref="SocketsPerAccount"/> open.</summary>
    internal static bool ChargeSocket(int handle)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        int account = s_tables.AccountOf[handle];
        bool ok = s_tables.AccountSockets[account] < SocketsPerAccount;
        if (ok) s_tables.AccountSockets[account]++;
        Hal.Cpu.RestoreInterrupts(interrupts);
        return ok;
    }

    internal static void UnchargeSocket(int handle) => UnchargeAccountSocket(s_tables.AccountOf[handle]);

    /// <summary>A socket charged to <paramref name="account"/> has closed (its last holder
    /// may be another process than the one that opened it).</summary>
    internal static void UnchargeAccountSocket(int account)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        s_tables.AccountSockets[account]--;
        Hal.Cpu.RestoreInterrupts(interrupts);
    }
}
