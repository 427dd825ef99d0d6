namespace Aurora.Kernel.Syscalls;

/// <summary>Linux error numbers (include/uapi/asm-generic/errno-base.h, errno.h). A syscall
/// returns the negated value; the C library turns it into errno.</summary>
internal static class Errno
{
    internal const long EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, ECHILD = 10,
        EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EEXIST = 17, ENOTDIR = 20, EISDIR = 21,
        EINVAL = 22, EMFILE = 24, ENOTTY = 25, ENOSPC = 28, ESPIPE = 29, ERANGE = 34, ENAMETOOLONG = 36,
        ENOSYS = 38, ENOTEMPTY = 39;

    /// <summary>Kernel-internal (Linux include/linux/errno.h), never seen by user code: a wait
    /// ended by a signal. On the way back to user mode (Process.BeforeUserReturn) ERESTARTSYS
    /// restarts the call unless a handler without SA_RESTART runs (then EINTR); ERESTARTNOHAND
    /// restarts only when no handler runs (the calls signal(7) never restarts: msgrcv, msgsnd).</summary>
    internal const long ERESTARTSYS = 512, ERESTARTNOHAND = 514;
}
