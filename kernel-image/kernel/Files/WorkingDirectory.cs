using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Files;

/// <summary>
/// A process's working directory (Linux's fs_struct pwd): its canonical absolute path in an
/// immutable block on the heap with a reference count; none means "/". fork shares the block,
/// chdir puts a new one in place, exit drops it. The threads of a process share it (CLONE_FS),
/// so a call reading it while another thread's chdir replaces it keeps the block it read
/// (<see cref="Path"/>, through <see cref="CallReferences"/>): before, chdir freed the old path
/// under a getcwd copying it to user memory (which may fault and sleep) or a walk starting
/// from it. Lock: the pointer and the counts change with interrupts off (one processor).
/// </summary>
internal unsafe struct WorkingDirectory
{
    /// <summary>The block: count and length, the bytes after them.</summary>
    private struct SharedPath
    {
        public int References;
        public int Length;
    }

    private SharedPath* _current;

    /// <summary>The path, valid until the calling system call ends: when another thread could
    /// replace it meanwhile (the process has other threads, or it is another process's, read
    /// through /proc) the call holds the block.</summary>
    public readonly ReadOnlySpan<byte> Path
    {
        get
        {
            bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
            SharedPath* path = _current;
            if (path != null && CallReferences.MustHold(System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.CompilerServices.Unsafe.AsRef(in this))) &&
                !CallReferences.IsPathHeld(Scheduler.Current, path))
            {
                path->References++;
                CallReferences.HoldPath(Scheduler.Current, path);
            }

            Hal.Cpu.RestoreInterrupts(interrupts);
            return path == null ? "/"u8 : new ReadOnlySpan<byte>(path + 1, path->Length);
        }
    }

    /// <summary>The path for a reader that holds the process-table lock (procfs reading another
    /// process's): interrupts are off while it is held, so no chdir can free the block before
    /// the reader has copied it, and no call reference is taken (a path may cross many
    /// processes' /proc/PID/cwd in one call).</summary>
    public readonly ReadOnlySpan<byte> PathUnderTableLock =>
        _current == null ? "/"u8 : new ReadOnlySpan<byte>(_current + 1, _current->Length);

    /// <summary>Makes <paramref name="path"/> (canonical) the working directory; false when the
    /// heap is out (the old one stays).</summary>
    public bool Set(ReadOnlySpan<byte> path)
    {
        SharedPath* block = null;
        if (path.Length != 1)
        {
            block = (SharedPath*)KernelMemory.Allocate((nuint)(sizeof(SharedPath) + path.Length));
            if (block == null) return false;
            block->References = 1;
            block->Length = path.Length;
            path.CopyTo(new Span<byte>(block + 1, path.Length));
        }

        Replace(block);
        return true;
    }

    /// <summary>fork: the child shares the parent's block.</summary>
    public bool CopyFrom(in WorkingDirectory parent)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        SharedPath* block = parent._current;
        if (block != null) block->References++;
        Hal.Cpu.RestoreInterrupts(interrupts);
        Replace(block);
        return true;
    }

    public void Release() => Replace(null);

    /// <summary>Puts the caller's reference to <paramref name="block"/> in place and drops the
    /// old one's (/proc and other threads read the pointer with interrupts off).</summary>
    private void Replace(SharedPath* block)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        SharedPath* old = _current;
        _current = block;
        Hal.Cpu.RestoreInterrupts(interrupts);
        Drop(old);
    }

    /// <summary>Drops one reference to a block (<see cref="CallReferences"/> too); the last frees it.</summary>
    internal static void Drop(void* block)
    {
        if (block == null) return;
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        int left = --((SharedPath*)block)->References;
        Hal.Cpu.RestoreInterrupts(interrupts);
        if (left == 0) KernelMemory.Free(block);
    }
}
