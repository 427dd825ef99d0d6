using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Files;

/// <summary>
/// The references a system call holds on the open file descriptions it looked up (Linux's
/// fdget/fdput). A description found through a descriptor must outlive the call that uses it
/// even when another thread closes the descriptor meanwhile (or dup2s over it): without a
/// reference of the call's own, the close dropped the last one and the call went on in freed
/// heap memory. <see cref="DescriptorTable.Get"/> takes such a reference whenever someone else
/// can change the table (another thread shares it, or the table is another process's, read
/// through /proc); the thread keeps it here, and <see cref="ReleaseAll"/> drops it when the call
/// ends (SyscallTable.Enter), when execve enters the new image, and when the thread ends. A
/// process with one thread pays nothing: nobody else can close its descriptors, as Linux's
/// fdget skips the reference when the table is not shared.
/// A call looks up a bounded number of descriptors (two at most today: sendfile, epoll_ctl, a
/// dirfd with a file); loops over many (poll, select, SCM_RIGHTS) take their own reference with
/// <see cref="DescriptorTable.Acquire"/> instead.
/// </summary>
internal static unsafe class CallReferences
{
    /// <summary>The most descriptions one call holds this way; more is a kernel bug.</summary>
    internal const int Capacity = 8;

    /// <summary>Keeps the caller's (already taken) reference until the call ends.</summary>
    internal static void Hold(KernelThread* thread, OpenFileDescription* description)
    {
        if (thread->CallFileCount == Capacity) Panic.Fail("a system call looked up more descriptors than CallReferences holds");
        thread->CallFiles[thread->CallFileCount++] = (ulong)description;
    }

    /// <summary>Drops every reference the calling thread's call holds (a close may sleep: call
    /// with interrupts on, outside any lock).</summary>
    internal static void ReleaseAll()
    {
        KernelThread* thread = Scheduler.Current;
        if (thread == null || thread->CallFileCount == 0) return;
        // Only this thread touches its list. Each reference leaves it before it is dropped: a
        // release may sleep (a close), and the thread may be ended meanwhile.
        while (thread->CallFileCount > 0)
        {
            int last = --thread->CallFileCount;
            OpenFileDescription.Release((OpenFileDescription*)thread->CallFiles[last]);
        }

        // As after a close: an AF_UNIX socket may now be held only by messages in flight.
        Syscalls.SocketCalls.AfterClose();
    }
}
