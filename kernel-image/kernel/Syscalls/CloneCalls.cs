using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// clone(flags, stack, parent_tid, child_tid, tls) in its fork form — what glibc's fork()
/// makes: SIGCHLD | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, no new stack — served by
/// <see cref="Process.Fork"/>. CLONE_CHILD_SETTID stores the child's pid in the child's memory
/// before it runs; CLONE_PARENT_SETTID in the parent's. CLONE_CHILD_CLEARTID needs nothing: the
/// child has its own address space, and Linux's clearing write on exit lands in that space
/// just before it goes. Anything else (threads: CLONE_VM, CLONE_THREAD…; vfork; a new stack;
/// another exit signal) is ENOSYS until processes have threads (issue 12).
/// </summary>
internal static unsafe class CloneCalls
{
    private const ulong SigChld = 17, ExitSignalMask = 0xFF;
    private const ulong ParentSetTid = 0x0010_0000, ChildClearTid = 0x0020_0000, ChildSetTid = 0x0100_0000;

    internal static long Clone(Process* process, ulong flags, ulong stack, ulong parentTid, ulong childTid)
    {
        if ((flags & ExitSignalMask) != SigChld || (flags & ~(ExitSignalMask | ParentSetTid | ChildClearTid | ChildSetTid)) != 0 || stack != 0)
            return -Errno.ENOSYS;
        long pid = Process.Fork(process, (flags & ChildSetTid) != 0 ? childTid : 0);
        if (pid > 0 && (flags & ParentSetTid) != 0)
        {
            int tid = (int)pid;
            UserMemory.CopyTo(process->Space, parentTid, new ReadOnlySpan<byte>(&tid, 4));
        }

        return pid;
    }

    /// <summary>vfork(): a fork. Linux lends the child the parent's memory and suspends the
    /// parent until the child calls execve or exits; a child may only do those (POSIX), so a
    /// copy-on-write copy gives it the same result, and the parent running on meanwhile changes
    /// nothing such a child can see. glibc's vfork() (busybox init, posix_spawn) uses
    /// this call, not clone.</summary>
    internal static long Vfork(Process* process) => Process.Fork(process);
}
