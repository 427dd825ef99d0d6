using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Files;

/// <summary>
/// The references a system call holds on what it looked up in state other threads can change
/// (Linux's fdget/fdput, and the path_get of the working directory): an open file description
/// found through a descriptor, the working directory's path. Either must outlive the call that
/// uses it even when another thread closes the descriptor (or dup2s over it), or changes
/// directory, meanwhile: without a reference of the call's own, the close or chdir dropped the
/// last one and the call went on in freed heap memory.
/// <see cref="DescriptorTable.Get"/> and <see cref="WorkingDirectory.Path"/> take such a
/// reference whenever someone else can change the state (<see cref="MustHold"/>); the thread
/// keeps it here, and <see cref="ReleaseAll"/> drops it when the call ends (the architecture's
/// system-call exit, which finds it through the thread's <see cref="ReturnWork"/> at no cost to
/// calls that hold nothing), when execve enters the new image, and when the thread ends. A process
/// with one thread pays nothing: nobody else can change its state, as Linux's fdget skips the
/// reference when the table is not shared.
/// A call looks up a bounded number of things (a few at most today: rename's two paths, a dirfd
/// and a file); loops over many descriptors (poll, select, SCM_RIGHTS) take their own reference
/// with <see cref="DescriptorTable.Acquire"/> instead.
/// </summary>
internal static unsafe class CallReferences
{
    /// <summary>The most references one call holds this way; more is a kernel bug.</summary>
    internal const int Capacity = 8;

    /// <summary>Tag of a working-directory block in the list (heap blocks are 16-byte aligned;
    /// a description is untagged).</summary>
    private const ulong PathTag = 1;

    /// <summary>Whether a call reading <paramref name="state"/> (a field of some process) must
    /// hold what it reads: unless it is the caller's own process with no other thread. Kernel
    /// threads outside any process hold nothing (no call ends for them).</summary>
    internal static bool MustHold(void* state)
    {
        KernelThread* thread = Scheduler.Current;
        if (thread == null || thread->Process == null) return false;
        var self = (Processes.Process*)thread->Process;
        bool own = (byte*)state >= (byte*)self && (byte*)state < (byte*)self + sizeof(Processes.Process);
        return !own || self->OtherThreadCount != 0;
    }

    /// <summary>Whether the call already holds a reference to <paramref name="description"/>.</summary>
    internal static bool IsHeld(KernelThread* thread, OpenFileDescription* description) => Contains(thread, (ulong)description);

    /// <summary>Whether the call already holds a reference to the working-directory block.</summary>
    internal static bool IsPathHeld(KernelThread* thread, void* block) => Contains(thread, (ulong)block | PathTag);

    private static bool Contains(KernelThread* thread, ulong entry)
    {
        for (int i = 0; i < thread->CallFileCount; i++)
        {
            if (thread->CallFiles[i] == entry) return true;
        }

        return false;
    }

    /// <summary>Keeps the caller's (already taken) reference to a description until the call ends.</summary>
    internal static void Hold(KernelThread* thread, OpenFileDescription* description) => Add(thread, (ulong)description);

    /// <summary>Keeps the caller's (already taken) reference to a working-directory block.</summary>
    internal static void HoldPath(KernelThread* thread, void* block) => Add(thread, (ulong)block | PathTag);

    private static void Add(KernelThread* thread, ulong entry)
    {
        if (thread->CallFileCount == Capacity) Panic.Fail("a system call held more references than CallReferences has room for");
        thread->CallFiles[thread->CallFileCount++] = entry;
        thread->Return.HoldsCallReferences = true;
    }

    /// <summary>Drops every reference the calling thread's call holds (a close may sleep: call
    /// with interrupts on, outside any lock).</summary>
    internal static void ReleaseAll()
    {
        KernelThread* thread = Scheduler.Current;
        if (thread == null || !thread->Return.HoldsCallReferences) return;
        thread->Return.HoldsCallReferences = false;
        // Only this thread touches its list. Each reference leaves it before it is dropped: a
        // release may sleep (a close), and the thread may be ended meanwhile.
        bool closed = false;
        while (thread->CallFileCount > 0)
        {
            ulong entry = thread->CallFiles[--thread->CallFileCount];
            if ((entry & PathTag) != 0) WorkingDirectory.Drop((void*)(entry & ~PathTag));
            else
            {
                OpenFileDescription.Release((OpenFileDescription*)entry);
                closed = true;
            }
        }

        // As after a close: an AF_UNIX socket may now be held only by messages in flight.
        if (closed) Syscalls.SocketCalls.AfterClose();
    }
}
