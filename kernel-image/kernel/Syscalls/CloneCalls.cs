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
/// (CLONE_VM without CLONE_THREAD but for vfork's own form, another exit signal) is ENOSYS.
/// clone3 decodes its structure and serves the same.
/// </summary>
internal static unsafe class CloneCalls
{
    private const ulong SigChld = 17, ExitSignalMask = 0xFF;
    private const ulong ParentSetTid = 0x0010_0000, ChildClearTid = 0x0020_0000, ChildSetTid = 0x0100_0000;

    // The thread flags (include/uapi/linux/sched.h).
    private const ulong CloneVm = 0x100, CloneFs = 0x200, CloneFiles = 0x400, CloneSighand = 0x800, CloneThread = 0x1_0000,
        CloneSysvsem = 0x4_0000, CloneSettls = 0x8_0000, CloneDetached = 0x40_0000, CloneVfork = 0x4000;
    private const ulong ThreadFlags = CloneVm | CloneFs | CloneFiles | CloneSighand | CloneThread;

    /// <summary>The combinations Linux refuses before anything is made (kernel_clone and
    /// copy_process): EINVAL whether or not this kernel serves the flags, so a program probing
    /// them gets Linux's answer and not ENOSYS.</summary>
    private static bool LinuxRefuses(ulong flags, bool fromClone3)
    {
        const ulong CloneNewNs = 0x2_0000, CloneNewUser = 0x1000_0000, ClonePidfd = 0x1000;
        if ((flags & (CloneNewNs | CloneFs)) == (CloneNewNs | CloneFs)) return true;
        if ((flags & (CloneNewUser | CloneFs)) == (CloneNewUser | CloneFs)) return true;
        if ((flags & CloneThread) != 0 && (flags & CloneSighand) == 0) return true;
        if ((flags & CloneSighand) != 0 && (flags & CloneVm) == 0) return true;
        // clone(2) passes the pidfd through parent_tid: both at once cannot be told apart.
        if (!fromClone3 && (flags & ClonePidfd) != 0 && (flags & (CloneDetached | ParentSetTid)) != 0) return true;
        return false;
    }

    internal static long Clone(Process* process, ulong flags, ulong stack, ulong parentTid, ulong childTid, ulong tls, bool fromClone3 = false)
    {
        // clone(2)'s flags are 32 bits (the upper half is clone3's); Linux drops the rest.
        if (LinuxRefuses(fromClone3 ? flags : flags & 0xFFFF_FFFF, fromClone3)) return -Errno.EINVAL;
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

        // vfork(2) as clone: asm-generic (arm64) has no vfork call; glibc's vfork there is
        // clone(CLONE_VM | CLONE_VFORK | SIGCHLD, sp) (aarch64/vfork.S: the caller's own stack
        // pointer). Served as x86-64's vfork is (Vfork): a fork, whose child may only exec or
        // _exit either way, on its copy of the caller's stack (busybox init starts every
        // command so; it was ENOSYS, "can't fork").
        if (flags == (CloneVm | CloneVfork | SigChld)) return Vfork(process);
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

    // clone3's struct clone_args (include/uapi/linux/sched.h): 64 bytes in its first version,
    // 80 with set_tid, 88 with cgroup; a larger structure from a newer libc is accepted when
    // the bytes this kernel does not know are zero (copy_struct_from_user), up to a page.
    private const ulong ArgsSizeVer0 = 64, ArgsSizeVer2 = 88, ArgsSizeLimit = 4096;
    private const ulong MaxPidNamespaceLevel = 32, SignalLimit = 64;
    private const ulong LegacyFlags = 0xFFFF_FFFF, CloneClearSighand = 0x1_0000_0000, CloneIntoCgroup = 0x2_0000_0000,
        CloneParent = 0x8000, CloneNewTime = 0x80;

    /// <summary>clone3(args, size): clone with its arguments in a structure (glibc 2.34+ makes
    /// its threads this way and falls back to clone only on ENOSYS). Linux's checks in its
    /// order: the size (E2BIG above a page or with unknown non-zero tail bytes, EINVAL below
    /// the first version), the copy (EFAULT), set_tid, exit_signal, cgroup and the flags
    /// (EINVAL); then the same service as clone, with the stack pointer at stack + stack_size.
    /// set_tid (choosing the new id) and CLONE_INTO_CGROUP are not served (ENOSYS).</summary>
    internal static long Clone3(Process* process, ulong address, ulong size)
    {
        if (size > ArgsSizeLimit) return -Errno.E2BIG;
        if (size < ArgsSizeVer0) return -Errno.EINVAL;
        ulong* args = stackalloc ulong[11];
        new Span<byte>(args, 88).Clear();
        if (size > ArgsSizeVer2)
        {
            // The tail a newer structure adds must be zero; read a chunk at a time.
            byte* chunk = stackalloc byte[256];
            for (ulong at = ArgsSizeVer2; at < size;)
            {
                int length = (int)Math.Min(256UL, size - at);
                if (!UserMemory.CopyFrom(process->Space, address + at, new Span<byte>(chunk, length))) return -Errno.EFAULT;
                for (int i = 0; i < length; i++) if (chunk[i] != 0) return -Errno.E2BIG;
                at += (ulong)length;
            }
        }

        if (!UserMemory.CopyFrom(process->Space, address, new Span<byte>(args, (int)Math.Min(size, ArgsSizeVer2)))) return -Errno.EFAULT;
        ulong flags = args[0], childTid = args[2], parentTid = args[3], exitSignal = args[4],
            stack = args[5], stackSize = args[6], tls = args[7], setTid = args[8], setTidSize = args[9], cgroup = args[10];
        if (setTidSize > MaxPidNamespaceLevel || (setTid == 0) != (setTidSize == 0)) return -Errno.EINVAL;
        if ((exitSignal & ~ExitSignalMask) != 0 || exitSignal > SignalLimit) return -Errno.EINVAL;
        if ((flags & CloneIntoCgroup) != 0 && (cgroup > int.MaxValue || size < ArgsSizeVer2)) return -Errno.EINVAL;
        // clone3_args_valid.
        if ((flags & ~(LegacyFlags | CloneClearSighand | CloneIntoCgroup)) != 0) return -Errno.EINVAL;
        if ((flags & (CloneDetached | (ExitSignalMask & ~CloneNewTime))) != 0) return -Errno.EINVAL;
        if ((flags & (CloneSighand | CloneClearSighand)) == (CloneSighand | CloneClearSighand)) return -Errno.EINVAL;
        if ((flags & (CloneThread | CloneParent)) != 0 && exitSignal != 0) return -Errno.EINVAL;
        if (stack == 0 ? stackSize != 0 : stackSize == 0 || stackSize > UserMemory.UserLimit || stack > UserMemory.UserLimit - stackSize)
            return -Errno.EINVAL;
        if (setTidSize != 0 || (flags & (CloneIntoCgroup | CloneClearSighand | CloneNewTime)) != 0) return -Errno.ENOSYS;
        return Clone(process, flags | exitSignal, stack == 0 ? 0 : stack + stackSize, parentTid, childTid, tls, fromClone3: true);
    }

    /// <summary>vfork(): a fork. Linux lends the child the parent's memory and suspends the
    /// parent until the child calls execve or exits; a child may only do those (POSIX), so a
    /// copy-on-write copy gives it the same result, and the parent running on meanwhile changes
    /// nothing such a child can see. glibc's vfork() (busybox init, posix_spawn) uses
    /// this call, not clone.</summary>
    internal static long Vfork(Process* process) => Process.Fork(process);
}
