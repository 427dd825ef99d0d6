using Aurora.Kernel.Memory;
using Aurora.Kernel.Sync;

namespace Aurora.Kernel.Files;

/// <summary>
/// An open file description (Linux's <c>struct file</c>, SerenityOS's
/// <c>OpenFileDescription</c>): what open, socket or accept made — the object, the operations
/// of its kind, the offset and the status flags. Descriptors point at it; dup, fork and
/// SCM-less inheritance share it (offset included), and the last reference closes the object.
/// Lives on the kernel heap. The reference count changes under <see cref="s_lock"/> (fork and
/// exit of two processes that share it may race); the offset of a VFS file changes under the
/// VFS lock; nothing else changes after creation except the status flags (fcntl F_SETFL, by a
/// holder).
/// </summary>
internal unsafe struct OpenFileDescription
{
    // open(2) flags, Linux include/uapi/asm-generic/fcntl.h (x86-64 values).
    internal const int ReadOnly = 0, WriteOnly = 1, ReadWrite = 2, AccessMode = 3, CreateFlag = 0x40, Exclusive = 0x80,
        NoControllingTerminal = 0x100, Truncate = 0x200, Append = 0x400, NonBlocking = 0x800, LargeFile = 0x8000,
        Directory = 0x10000, NoFollow = 0x20000, CloseOnExec = 0x80000;

    /// <summary>The flags fcntl(F_SETFL) may change (Linux SETFL_MASK without O_ASYNC, O_DIRECT
    /// and O_NOATIME, which mean nothing here).</summary>
    internal const int ChangeableFlags = Append | NonBlocking;

    public int References;

    /// <summary>Access mode and status flags as F_GETFL reports them: what open was given,
    /// less the creation flags (O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_CLOEXEC).</summary>
    public int StatusFlags;

    /// <summary>Where the next read or write goes; for a directory, the next entry's index.</summary>
    public long Offset;

    public FileOperations* Operations;

    /// <summary>The kind's own object (a VFS handle, a socket, nothing for the console).</summary>
    public void* Object;

    /// <summary>The epoll watches on this description (EventPollFile.Watch, linked through
    /// it), under the epoll lock; they go when the last reference does.</summary>
    public void* Watches;

    private static SpinLock s_lock;

    public readonly bool CanRead => (StatusFlags & AccessMode) != WriteOnly;

    public readonly bool CanWrite => (StatusFlags & AccessMode) != ReadOnly;

    public readonly bool IsNonBlocking => (StatusFlags & NonBlocking) != 0;

    /// <summary>A new description with one reference (the caller's); null when the heap is out.</summary>
    internal static OpenFileDescription* Create(FileOperations* operations, void* obj, int statusFlags)
    {
        var description = (OpenFileDescription*)KernelMemory.Allocate((nuint)sizeof(OpenFileDescription));
        if (description == null) return null;
        *description = default;
        description->References = 1;
        description->StatusFlags = statusFlags & ~(CreateFlag | Exclusive | NoControllingTerminal | Truncate | CloseOnExec);
        description->Operations = operations;
        description->Object = obj;
        return description;
    }

    internal static void Retain(OpenFileDescription* description)
    {
        bool interrupts = s_lock.Acquire();
        description->References++;
        s_lock.Release(interrupts);
    }

    /// <summary>Drops one reference; the last one closes the object and frees the description.</summary>
    internal static void Release(OpenFileDescription* description)
    {
        bool interrupts = s_lock.Acquire();
        int left = --description->References;
        s_lock.Release(interrupts);
        if (left > 0) return;
        if (left < 0) Panic.Fail("an open file description released more often than held");
        RecordLocks.ReleaseDescription(description); // its flock, if any
        // Epoll watches leave first: their entries are linked on the file's wait queues,
        // which the close below frees.
        if (description->Watches != null) EventPollFile.FileReleased(description);
        if (description->Operations->Close != null) description->Operations->Close(description->Object);
        KernelMemory.Free(description);
    }
}
