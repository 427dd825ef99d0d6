using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Files;

/// <summary>
/// One process's descriptors (Linux's <c>files_struct</c>): descriptor n is entry n, pointing
/// at an <see cref="OpenFileDescription"/> (holding one reference) with its descriptor flags
/// (FD_CLOEXEC). New descriptors take the lowest free number (POSIX). The entries live on the
/// kernel heap and grow by doubling up to <see cref="Capacity"/>; a zeroed table is empty.
/// Lock: the threads of a process share its table (CLONE_FILES), so every change and lookup of
/// an entry runs with interrupts off (one processor: no other thread runs meanwhile), and a
/// description leaves the table before its reference is dropped outside that section (a close
/// may sleep). Without it two threads' opens took the same number, the second overwrote (and
/// closed) the first's description, and a table that grew under a lookup was read after free.
/// A description a call looked up stays alive until the call ends even if another thread
/// closes its descriptor meanwhile: <see cref="Get"/> takes a reference for the call
/// (<see cref="CallReferences"/>, Linux's fdget) whenever another thread could close it.
/// </summary>
internal unsafe struct DescriptorTable
{
    /// <summary>The most descriptors a process can have, and the ceiling of RLIMIT_NOFILE
    /// (Linux's nr_open, 1,048,576). The table grows only as far as the descriptors used; the
    /// default RLIMIT_NOFILE is 1024 (ResourceLimits.DefaultOpenFiles), as Linux's.</summary>
    internal const int Capacity = 1 << 20;

    /// <summary>FD_CLOEXEC, the one descriptor flag (F_GETFD/F_SETFD).</summary>
    internal const int CloseOnExecFlag = 1;

    private struct Entry
    {
        public OpenFileDescription* Description;
        public int Flags;
    }

    private Entry* _entries;
    private int _size;

    /// <summary>Every descriptor below this is open (Linux's <c>next_fd</c>): the search for the
    /// lowest free one starts here, so a program opening thousands of descriptors in a row
    /// does not rescan the taken ones for each (quadratic before: 21,087 sockets took most of
    /// a minute under TCG). Zero in an empty table.</summary>
    private int _firstMaybeFree;

    /// <summary>Descriptors below this may be open (the entries the table has room for).</summary>
    public readonly int Size => _size;

    /// <summary>The description behind <paramref name="fd"/>, or null (EBADF). It stays valid
    /// until the calling system call ends, whatever other threads do with the descriptor: when
    /// the table is shared (the caller's process has other threads) or is not the caller's
    /// (/proc), the call takes a reference of its own, dropped when it ends
    /// (<see cref="CallReferences"/>). Keeping it longer needs
    /// <see cref="OpenFileDescription.Retain"/> (or <see cref="Acquire"/>).</summary>
    public readonly OpenFileDescription* Get(long fd)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        OpenFileDescription* description = Lookup(fd);
        // One reference per description per call: a call that looks the same descriptor up
        // again (a path crossing /proc/PID/fd/N twice) already holds it.
        if (description != null && CallReferences.MustHold(System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.CompilerServices.Unsafe.AsRef(in this))) &&
            !CallReferences.IsHeld(Scheduler.Current, description))
        {
            OpenFileDescription.Retain(description);
            CallReferences.Hold(Scheduler.Current, description);
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
        return description;
    }

    /// <summary>The description behind <paramref name="fd"/>, or null, for a reader that holds
    /// the process-table lock (procfs reading another process's table): interrupts are off
    /// while it is held, so no thread can close the descriptor before the reader is done, and
    /// no call reference is taken (a path may cross /proc/PID/fd/N many times in one call).</summary>
    public readonly OpenFileDescription* PeekUnderTableLock(long fd) => Lookup(fd);

    /// <summary>The description behind <paramref name="fd"/> with a reference the caller
    /// releases (<see cref="OpenFileDescription.Release"/>), or null (EBADF): for a call that
    /// looks up many descriptors (poll, select, SCM_RIGHTS) or keeps one past its end.</summary>
    public readonly OpenFileDescription* Acquire(long fd)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        OpenFileDescription* description = Lookup(fd);
        if (description != null) OpenFileDescription.Retain(description);
        Hal.Cpu.RestoreInterrupts(interrupts);
        return description;
    }

    /// <summary>Whether <paramref name="fd"/> is open (nothing is held).</summary>
    public readonly bool IsOpen(long fd)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        bool open = Lookup(fd) != null;
        Hal.Cpu.RestoreInterrupts(interrupts);
        return open;
    }

    /// <summary>The entry's description; interrupts off.</summary>
    private readonly OpenFileDescription* Lookup(long fd) => fd >= 0 && fd < _size ? _entries[fd].Description : null;

    /// <summary>FD_CLOEXEC or 0; -1 for a descriptor that is not open.</summary>
    public readonly int GetFlags(long fd)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        int flags = Lookup(fd) == null ? -1 : _entries[fd].Flags;
        Hal.Cpu.RestoreInterrupts(interrupts);
        return flags;
    }

    public void SetFlags(long fd, int flags)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        if (Lookup(fd) != null) _entries[fd].Flags = flags & CloseOnExecFlag;
        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>The lowest free descriptor at or above <paramref name="lowest"/> and below
    /// <paramref name="limit"/> (RLIMIT_NOFILE), or -EMFILE.</summary>
    public readonly long LowestFree(long lowest, ulong limit)
    {
        long end = (long)System.Math.Min(limit, (ulong)Capacity);
        for (long fd = System.Math.Max(lowest, _firstMaybeFree); fd < end; fd++)
        {
            if (fd >= _size || _entries[fd].Description == null) return fd;
        }

        return -Syscalls.Errno.EMFILE;
    }

    /// <summary>Puts the caller's reference to <paramref name="description"/> at the lowest
    /// free descriptor (see <see cref="LowestFree"/>). On failure (-EMFILE, -ENOMEM) the
    /// reference stays the caller's.</summary>
    public long Install(OpenFileDescription* description, long lowest, ulong limit, bool closeOnExec)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        long fd = LowestFree(lowest, limit);
        if (fd >= 0) fd = Put(fd, description, closeOnExec, out _); // the slot was free: nothing to release
        Hal.Cpu.RestoreInterrupts(interrupts);
        return fd;
    }

    /// <summary>Puts the caller's reference at <paramref name="fd"/> (below
    /// <see cref="Capacity"/>), closing what was there after the new one is in place (dup2's
    /// order). -ENOMEM (the reference stays the caller's) when the table cannot grow.</summary>
    public long InstallAt(long fd, OpenFileDescription* description, bool closeOnExec)
    {
        if (fd < 0 || fd >= Capacity) return -Syscalls.Errno.EBADF;
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        fd = Put(fd, description, closeOnExec, out OpenFileDescription* old);
        Hal.Cpu.RestoreInterrupts(interrupts);
        if (old != null)
        {
            RecordLocks.ReleaseOnClose(RecordLocks.OwnerOf(ref this), old);
            OpenFileDescription.Release(old);
        }
        return fd;
    }

    /// <summary>The entry change itself; interrupts off. <paramref name="old"/> is what the slot
    /// held, for the caller to release once they are on again.</summary>
    private long Put(long fd, OpenFileDescription* description, bool closeOnExec, out OpenFileDescription* old)
    {
        old = null;
        if (fd >= _size && !Grow((int)fd + 1)) return -Syscalls.Errno.ENOMEM;
        old = _entries[fd].Description;
        _entries[fd].Description = description;
        _entries[fd].Flags = closeOnExec ? CloseOnExecFlag : 0;
        if (fd == _firstMaybeFree) _firstMaybeFree = (int)fd + 1;
        return fd;
    }

    /// <summary>close(2): 0, or -EBADF for a descriptor that is not open.</summary>
    public long Close(long fd)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        OpenFileDescription* description = Lookup(fd);
        if (description != null)
        {
            _entries[fd].Description = null;
            _entries[fd].Flags = 0;
            if (fd < _firstMaybeFree) _firstMaybeFree = (int)fd;
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
        if (description == null) return -Syscalls.Errno.EBADF;
        // POSIX locks belong to this table and go with any close of the file (Linux).
        RecordLocks.ReleaseOnClose(RecordLocks.OwnerOf(ref this), description);
        OpenFileDescription.Release(description);
        // An AF_UNIX socket may now be held only by messages in flight, in a cycle.
        Syscalls.SocketCalls.AfterClose();
        return 0;
    }

    /// <summary>execve: closes every descriptor marked FD_CLOEXEC.</summary>
    public void CloseOnExec()
    {
        for (int fd = 0; fd < _size; fd++)
        {
            if (_entries[fd].Description != null && (_entries[fd].Flags & CloseOnExecFlag) != 0) Close(fd);
        }
    }

    /// <summary>exit: closes every descriptor and frees the table.</summary>
    public void CloseAll()
    {
        for (int fd = 0; fd < _size; fd++)
        {
            if (_entries[fd].Description != null) Close(fd);
        }

        // The table is gone before its memory: /proc reads other processes' tables under the
        // process-table lock, at any point of this.
        Entry* entries = _entries;
        _size = 0;
        _firstMaybeFree = 0;
        _entries = null;
        KernelMemory.Free(entries);
    }

    /// <summary>fork: this (empty) table gets every descriptor of <paramref name="parent"/>,
    /// sharing its descriptions (offsets included) and keeping the descriptor flags. False
    /// when the heap is out (nothing is held then).</summary>
    public bool CopyFrom(in DescriptorTable parent)
    {
        // One step, as every other change and lookup (the parent's other threads may dup2,
        // close or open meanwhile): copied entry by entry with interrupts on, a descriptor
        // replaced between the read of its entry and the copy left the child a description it
        // held no reference to, and the old one a reference nobody dropped (attack.thread_storm
        // seed 0x7: a pipe's read end alive after every process had ended).
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        bool copied = parent._size == 0 || Grow(parent._size);
        for (int fd = 0; copied && fd < parent._size; fd++)
        {
            OpenFileDescription* description = parent._entries[fd].Description;
            if (description == null) continue;
            OpenFileDescription.Retain(description);
            _entries[fd] = parent._entries[fd];
        }

        if (copied) _firstMaybeFree = parent._firstMaybeFree;
        Hal.Cpu.RestoreInterrupts(interrupts);
        return copied;
    }

    private bool Grow(int needed)
    {
        int size = _size == 0 ? 16 : _size;
        while (size < needed) size *= 2;
        if (size > Capacity) size = Capacity;
        var entries = (Entry*)KernelMemory.Allocate((nuint)(size * sizeof(Entry)));
        if (entries == null) return false;
        for (int i = 0; i < size; i++) entries[i] = i < _size ? _entries[i] : default;
        // The new entries are in place before the old ones go (see CloseAll).
        Entry* old = _entries;
        _entries = entries;
        _size = size;
        KernelMemory.Free(old);
        return true;
    }
}
