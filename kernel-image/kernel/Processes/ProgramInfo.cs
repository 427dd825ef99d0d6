using System;
using Aurora.Kernel.Memory;

namespace Aurora.Kernel.Processes;

/// <summary>
/// What a process runs, as /proc shows it (Linux's mm->exe_file, arg_start..arg_end,
/// env_start..env_end): the program's absolute path (/proc/PID/exe) and a copy of the
/// argument and environment strings execve was given, each NUL-terminated, arguments first
/// (/proc/PID/cmdline, /proc/PID/environ). Linux reads the strings out of the process's
/// memory; a copy taken at execve is the same unless the program rewrites its argv, and can be
/// read without touching another address space. One block on the kernel heap, shared by fork
/// (a reference count) until either side execs. Every reference change and every read from
/// another process happens under the process-table lock; <see cref="Process.Program"/> is
/// replaced under it too, so a reader never sees a block being freed.
/// </summary>
internal unsafe struct ProgramInfo
{
    public int References;
    public int PathLength;
    /// <summary>Bytes of the argument strings (NULs included); the environment follows them.</summary>
    public int ArgumentBytes;
    public int TotalBytes;

    /// <summary>The path, then the strings, right after this header.</summary>
    public readonly ReadOnlySpan<byte> Path
    {
        get { fixed (ProgramInfo* self = &this) return new ReadOnlySpan<byte>((byte*)(self + 1), PathLength); }
    }

    public readonly ReadOnlySpan<byte> Arguments
    {
        get { fixed (ProgramInfo* self = &this) return new ReadOnlySpan<byte>((byte*)(self + 1) + PathLength, ArgumentBytes); }
    }

    public readonly ReadOnlySpan<byte> Environment
    {
        get { fixed (ProgramInfo* self = &this) return new ReadOnlySpan<byte>((byte*)(self + 1) + PathLength + ArgumentBytes, TotalBytes - ArgumentBytes); }
    }

    /// <summary>At most this much of the strings is kept: execve takes up to 2 MiB of them
    /// (Linux's ARG_MAX), and a copy that size per process would let a tree of processes fill
    /// the kernel heap. /proc/PID/cmdline and environ show the first 32 KiB (they stop inside
    /// a string past that).</summary>
    internal const int KeptStringBytes = 32 * 1024;

    /// <summary>A new block with one reference, or null when the heap is out.</summary>
    internal static ProgramInfo* Create(ReadOnlySpan<byte> path, ReadOnlySpan<byte> strings, int argumentBytes)
    {
        if (strings.Length > KeptStringBytes) strings = strings.Slice(0, KeptStringBytes);
        if (argumentBytes > strings.Length) argumentBytes = strings.Length;
        var info = (ProgramInfo*)KernelMemory.Allocate((nuint)(sizeof(ProgramInfo) + path.Length + strings.Length));
        if (info == null) return null;
        info->References = 1;
        info->PathLength = path.Length;
        info->ArgumentBytes = argumentBytes;
        info->TotalBytes = strings.Length;
        byte* data = (byte*)(info + 1);
        path.CopyTo(new Span<byte>(data, path.Length));
        strings.CopyTo(new Span<byte>(data + path.Length, strings.Length));
        return info;
    }

    /// <summary>Another reference (fork). Under the process-table lock.</summary>
    internal static void Retain(ProgramInfo* info)
    {
        if (info != null) info->References++;
    }

    /// <summary>Drops <paramref name="process"/>'s reference and gives it <paramref name="next"/>
    /// (null at the end of its life); frees the old block with its last reference.</summary>
    internal static void Replace(Process* process, ProgramInfo* next)
    {
        bool table = Process.LockTable();
        ProgramInfo* old = process->Program;
        process->Program = next;
        bool last = old != null && --old->References == 0;
        Process.UnlockTable(table);
        if (last) KernelMemory.Free(old);
    }
}
