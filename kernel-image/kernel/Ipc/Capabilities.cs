using Aurora.Caps;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Ipc;

/// <summary>
/// The kernel's one capability space (SPEC IPC-1, SEC-5): <c>Aurora.Caps</c> with tokens from
/// <see cref="KernelRandom"/>, behind a sleeping lock (IPC calls are preemptible system calls).
/// Every process gets a capability handle (0-255) for its life; the space keeps its holdings
/// (tokens, ids), its queues and segments, and its system-call filter.
/// </summary>
internal static unsafe class Capabilities
{
    private static CapabilitySpace<HeapCapsMemory, KernelRandomSource> s_space;
    private static KernelMutex s_lock;

    private struct HandleMap
    {
        public fixed ulong Used[CapsLimits.MaxProcesses / 64];
    }

    private static HandleMap s_handles;

    internal static ref CapabilitySpace<HeapCapsMemory, KernelRandomSource> Space => ref s_space;

    /// <summary>Message queues changed: sleepers in msgsnd/msgrcv look again. One queue for all
    /// message queues (the capability space keeps its queues to itself); a waker wakes every
    /// waiter, and each checks its own queue. Any context.</summary>
    private static WaitQueue s_queueEvents;

    internal static ref WaitQueue QueueEvents => ref s_queueEvents;

    /// <summary>Wakes msgsnd/msgrcv sleepers after a send, a receive, or anything that may
    /// remove a queue or change its limits (msgctl, revoke, release, a process's exit).</summary>
    internal static void QueuesChanged() => s_queueEvents.WakeAll();

    internal static void Initialize()
    {
        s_space = new CapabilitySpace<HeapCapsMemory, KernelRandomSource>(default, default);
        if (s_space.Initialize() != CapsError.None) Panic.Fail("capability space set-up failed");
    }

    internal static void Lock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Acquire();
        s_space.Now = (long)(Hal.Timer.Ticks() / 1000);
    }

    internal static void Unlock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Release();
    }

    /// <summary>A free capability handle for a process the kernel starts, in a new account (its
    /// own process tree, Processes/ResourceLimits.cs) with default limits; -1 when the handles or
    /// the accounts are all taken.</summary>
    internal static int AllocateHandle() => AllocateHandle(-1);

    /// <summary>A free capability handle for a child forked by the process with handle
    /// <paramref name="parent"/>: in the parent's account with a copy of its limits. -1 (fork's
    /// EAGAIN) when the handles are all taken or the account already has the parent's
    /// RLIMIT_NPROC processes.</summary>
    internal static int AllocateHandle(int parent)
    {
        // The capability lock keeps account charges still while a free account is chosen.
        Lock();
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        int found = -1;
        for (int i = 0; i < CapsLimits.MaxProcesses && found < 0; i++)
        {
            if ((s_handles.Used[i >> 6] & (1UL << (i & 63))) == 0) found = i;
        }

        if (found >= 0 && Processes.ResourceLimits.Join(found, parent, ref s_space))
        {
            s_handles.Used[found >> 6] |= 1UL << (found & 63);
        }
        else
        {
            found = -1;
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
        if (found >= 0 && s_space.SetAccount(found, Processes.ResourceLimits.AccountOf(found)) != CapsError.None)
            Panic.Fail("capability account out of range");
        Unlock();
        return found;
    }

    /// <summary>The process with this handle is gone (reaped, or never started).</summary>
    internal static void FreeHandle(int handle)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        s_handles.Used[handle >> 6] &= ~(1UL << (handle & 63));
        Processes.ResourceLimits.Leave(handle);
        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>The filter check before every system call: one shift and mask, no lock (a
    /// filter only changes by the process itself, in a system call).</summary>
    internal static bool Allows(int handle, ulong number) => s_space.Allows(handle, number);
}
