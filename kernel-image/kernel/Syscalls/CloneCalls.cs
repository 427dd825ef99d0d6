using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// clone(flags, stack, parent_tid, child_tid, tls) in its fork form — what glibc's fork()
/// makes: SIGCHLD | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, no new stack — served by
/// <see cref="Process.Fork"/>. CLONE_CHILD_SETTID stores the child's pid in the child's memory
/// before it runs; CLONE_PARENT_SETTID in the parent's. CLONE_CHILD_CLEARTID needs nothing: the
/// child has its own address space, and Linux's clearing write on exit lands in that space
/// just before it goes. With CLONE_THREAD (and CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND,
/// as pthread_create passes them) it makes a thread (Process.Threads.cs). Anything else
/// (CLONE_VM without CLONE_THREAD, vfork-style sharing, another exit signal) is ENOSYS.
/// </summary>
internal static unsafe class CloneCalls
{
    private const ulong SigChld = 17, ExitSignalMask = 0xFF;
    private const ulong ParentSetTid = 0x0010_0000, ChildClearTid = 0x0020_0000, ChildSetTid = 0x0100_0000;

    // The thread flags (include/uapi/linux/sched.h).
    private const ulong CloneVm = 0x100, CloneFs = 0x200, CloneFiles = 0x400, CloneSighand = 0x800, CloneThread = 0x1_0000,
        CloneSysvsem = 0x4_0000, CloneSettls = 0x8_0000, CloneDetached = 0x40_0000;
    private const ulong ThreadFlags = CloneVm | CloneFs | CloneFiles | CloneSighand | CloneThread;

    internal static long Clone(Process* process, ulong flags, ulong stack, ulong parentTid, ulong childTid, ulong tls)
    {
        if ((flags & CloneThread) != 0)
        {
            // A thread: Linux requires CLONE_SIGHAND with CLONE_THREAD and CLONE_VM with
            // CLONE_SIGHAND (EINVAL); a thread that shares less than everything is not served.
            if ((flags & CloneSighand) == 0 || (flags & CloneVm) == 0) return -Errno.EINVAL;
            ulong known = ThreadFlags | CloneSysvsem | CloneSettls | ParentSetTid | ChildSetTid | ChildClearTid | CloneDetached;
            if ((flags & ThreadFlags) != ThreadFlags || (flags & ~known) != 0 || (flags & ExitSignalMask) != 0) return -Errno.ENOSYS;
            return Process.CreateThread(process, stack, (flags & CloneSettls) != 0, tls,
                (flags & ParentSetTid) != 0 ? parentTid : 0, (flags & ChildSetTid) != 0 ? childTid : 0,
                (flags & ChildClearTid) != 0 ? childTid : 0);
        }

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
