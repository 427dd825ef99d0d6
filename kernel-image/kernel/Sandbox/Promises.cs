using System;
using Aurora.Caps;
using Aurora.Kernel.Syscalls;

namespace Aurora.Kernel.Sandbox;

/// <summary>
/// Promises (pledge-like groups of system calls, after OpenBSD's pledge(2)): a process that
/// pledges keeps only the calls of the groups it names. A pledge is turned into a syscall
/// filter (Aurora.Caps <see cref="SyscallFilter"/>, narrowed, inherited, checked before every
/// call: a call outside the groups is EPERM), and the mask is kept for the few checks that
/// depend on arguments (open's flags, a socket's family, terminal ioctls): see
/// <see cref="SandboxState.Requires"/>. Unlike OpenBSD a violation is an error, not the end
/// of the process. A pledge can only drop promises (EPERM to add one back), and it survives
/// fork and execve (no execpromises).
/// </summary>
internal static class Promises
{
    internal const ulong Stdio = 1 << 0, Rpath = 1 << 1, Wpath = 1 << 2, Cpath = 1 << 3, Dpath = 1 << 4, Fattr = 1 << 5,
        Proc = 1 << 6, Exec = 1 << 7, Inet = 1 << 8, Unix = 1 << 9, Ipc = 1 << 10, SysvIpc = 1 << 11, Tty = 1 << 12,
        Id = 1 << 13, Settime = 1 << 14;

    /// <summary>Every promise: what an unpledged process holds.</summary>
    internal const ulong All = (1 << 15) - 1;

    private static ReadOnlySpan<byte> NameOf(int bit) => bit switch
    {
        0 => "stdio"u8, 1 => "rpath"u8, 2 => "wpath"u8, 3 => "cpath"u8, 4 => "dpath"u8, 5 => "fattr"u8, 6 => "proc"u8,
        7 => "exec"u8, 8 => "inet"u8, 9 => "unix"u8, 10 => "ipc"u8, 11 => "sysvipc"u8, 12 => "tty"u8, 13 => "id"u8,
        14 => "settime"u8, _ => default,
    };

    /// <summary>The mask a space-separated list of promise names means; false for an unknown name.</summary>
    internal static bool TryParse(ReadOnlySpan<byte> text, out ulong mask)
    {
        mask = 0;
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && text[i] == (byte)' ') i++;
            int end = i;
            while (end < text.Length && text[end] != (byte)' ') end++;
            if (end == i) break;
            ReadOnlySpan<byte> name = text.Slice(i, end - i);
            int found = -1;
            for (int bit = 0; bit < 15 && found < 0; bit++) if (name.SequenceEqual(NameOf(bit))) found = bit;
            if (found < 0) return false;
            mask |= 1UL << found;
            i = end;
        }

        return true;
    }

    /// <summary>The ioctl requests that only read or set a descriptor's own mode, which any
    /// pledged process keeps: FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, TCGETS (isatty),
    /// TIOCGWINSZ, TIOCGPGRP (asm-generic/ioctls.h). Every other one needs tty.</summary>
    internal static bool AllowsIoctlWithoutTty(ulong request) =>
        (uint)request is 0x541B or 0x5421 or 0x5451 or 0x5450 or 0x5401 or 0x5413 or 0x540F;

    /// <summary>The filter that leaves exactly the calls of <paramref name="mask"/>'s groups.</summary>
    internal static unsafe void BuildFilter(ulong mask, SyscallFilterSpec* spec)
    {
        for (ulong n = 0; n < CapsLimits.FilterSyscallCount; n++)
            if ((GroupOf(n) & mask) != 0) spec->Set((int)n);
    }

    /// <summary>The promises any one of which allows call <paramref name="n"/>: <see cref="All"/>
    /// for the calls every process keeps (ending, returning from a handler, narrowing further),
    /// 0 for the calls no promise allows (mount, umount2, anything unlisted).</summary>
    internal static ulong GroupOf(ulong n) => n switch
    {
        SyscallTable.Exit or SyscallTable.ExitGroup or SyscallTable.RtSigreturn or SyscallTable.Pledge or
            SyscallTable.Unveil or SyscallTable.Netrule or SyscallTable.SyscallFilter => All,
        SyscallTable.Read or SyscallTable.Write or SyscallTable.Close or SyscallTable.Lseek or SyscallTable.Fstat or
            SyscallTable.Pread64 or SyscallTable.Pwrite64 or SyscallTable.Readv or SyscallTable.Writev or
            SyscallTable.Preadv or SyscallTable.Pwritev or SyscallTable.Dup or SyscallTable.Dup2 or SyscallTable.Dup3 or
            SyscallTable.Fcntl or SyscallTable.Pipe or SyscallTable.Pipe2 or SyscallTable.Eventfd or SyscallTable.Eventfd2 or SyscallTable.Poll or SyscallTable.Select or
            SyscallTable.Ppoll or SyscallTable.Pselect6 or SyscallTable.Mmap or SyscallTable.Munmap or
            SyscallTable.Mprotect or SyscallTable.Mremap or SyscallTable.Msync or SyscallTable.Mincore or
            SyscallTable.Madvise or SyscallTable.Brk => Stdio,
        SyscallTable.RtSigaction or SyscallTable.RtSigprocmask or SyscallTable.RtSigpending or
            SyscallTable.RtSigtimedwait or SyscallTable.Signalfd or SyscallTable.Signalfd4 or SyscallTable.RtSigsuspend or SyscallTable.Sigaltstack or SyscallTable.Pause or
            SyscallTable.Nanosleep or SyscallTable.ClockNanosleep or SyscallTable.ClockGettime or
            SyscallTable.ClockGetres or SyscallTable.Gettimeofday or SyscallTable.Time or SyscallTable.Times or
            SyscallTable.Getrusage or SyscallTable.Alarm or SyscallTable.Getitimer or SyscallTable.Setitimer or
            SyscallTable.TimerfdCreate or SyscallTable.TimerfdSettime or SyscallTable.TimerfdGettime => Stdio,
        SyscallTable.Getpid or SyscallTable.Getppid or SyscallTable.Gettid or SyscallTable.Getuid or
            SyscallTable.Geteuid or SyscallTable.Getgid or SyscallTable.Getegid or SyscallTable.Getresuid or
            SyscallTable.Getresgid or SyscallTable.Getgroups or SyscallTable.Getpgrp or SyscallTable.Getpgid or
            SyscallTable.Getsid or SyscallTable.Umask or SyscallTable.Getcwd or SyscallTable.SchedYield or
            SyscallTable.Uname or SyscallTable.Sysinfo or SyscallTable.Getrandom or SyscallTable.Futex or
            SyscallTable.SetTidAddress or SyscallTable.SetRobustList or SyscallTable.GetRobustList or
            SyscallTable.ArchPrctl or SyscallTable.Getrlimit or SyscallTable.Setrlimit or SyscallTable.Prlimit64 or
            SyscallTable.Getcpu or SyscallTable.SchedGetaffinity or SyscallTable.Getpriority or SyscallTable.Ioctl or
            SyscallTable.Ftruncate or SyscallTable.Fstatfs or SyscallTable.Sendfile or SyscallTable.Flock or
            SyscallTable.Getdents64 => Stdio,
        // Signals: the sandbox decides who may be reached (SandboxState.MayReach).
        SyscallTable.Kill or SyscallTable.Tkill or SyscallTable.Tgkill or SyscallTable.RtSigqueueinfo => Stdio,
        // open's flags say which of the three it needs (SandboxState.CheckPath).
        SyscallTable.Open or SyscallTable.Openat => Rpath | Wpath | Cpath,
        SyscallTable.Stat or SyscallTable.Lstat or SyscallTable.Newfstatat or SyscallTable.Access or
            SyscallTable.Faccessat or SyscallTable.Faccessat2 or SyscallTable.Readlink or SyscallTable.Readlinkat or
            SyscallTable.Chdir or SyscallTable.Fchdir or SyscallTable.Statfs => Rpath,
        SyscallTable.Truncate => Wpath,
        SyscallTable.Mkdir or SyscallTable.Mkdirat or SyscallTable.Rmdir or SyscallTable.Unlink or
            SyscallTable.Unlinkat or SyscallTable.Rename or SyscallTable.Renameat or SyscallTable.Renameat2 or
            SyscallTable.Link or SyscallTable.Linkat or SyscallTable.Symlink or SyscallTable.Symlinkat => Cpath,
        SyscallTable.Mknod or SyscallTable.Mknodat => Dpath,
        SyscallTable.Chmod or SyscallTable.Fchmod or SyscallTable.Fchmodat or SyscallTable.Chown or
            SyscallTable.Fchown or SyscallTable.Lchown or SyscallTable.Fchownat or SyscallTable.Utime or
            SyscallTable.Utimes or SyscallTable.Utimensat => Fattr,
        SyscallTable.Fork or SyscallTable.Vfork or SyscallTable.Clone or SyscallTable.Wait4 or SyscallTable.Waitid or
            SyscallTable.Setpgid or SyscallTable.Setsid or SyscallTable.Setpriority or SyscallTable.SchedSetaffinity or
            SyscallTable.Prctl => Proc,
        SyscallTable.Execve => Exec,
        // The family is checked at socket() (SandboxState.CheckSocketFamily).
        SyscallTable.Socket or SyscallTable.Connect or SyscallTable.Bind or SyscallTable.Listen or
            SyscallTable.Accept or SyscallTable.Accept4 or SyscallTable.Sendto or SyscallTable.Recvfrom or
            SyscallTable.Sendmsg or SyscallTable.Recvmsg or SyscallTable.Shutdown or SyscallTable.Getsockname or
            SyscallTable.Getpeername or SyscallTable.Setsockopt or SyscallTable.Getsockopt => Inet | Unix,
        >= SyscallTable.CapMint and <= SyscallTable.CapShmctl => Ipc,
        SyscallTable.Shmget or SyscallTable.Shmat or SyscallTable.Shmctl or SyscallTable.Shmdt or
            SyscallTable.Semget or SyscallTable.Semop or SyscallTable.Semctl or SyscallTable.Semtimedop or
            SyscallTable.Msgget or SyscallTable.Msgsnd or SyscallTable.Msgrcv or SyscallTable.Msgctl => SysvIpc,
        SyscallTable.Setuid or SyscallTable.Setgid or SyscallTable.Setreuid or SyscallTable.Setregid or
            SyscallTable.Setresuid or SyscallTable.Setresgid or SyscallTable.Setgroups or SyscallTable.Setfsuid or
            SyscallTable.Setfsgid => Id,
        SyscallTable.ClockSettime or SyscallTable.Sethostname or SyscallTable.Setdomainname => Settime,
        _ => 0,
    };
}
