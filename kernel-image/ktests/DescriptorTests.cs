using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// The descriptor table and open file descriptions (Files/), proven by musl programs that give
/// the same answers on Linux (each prints "N wrong"; userland/fd_*.c).
/// </summary>
internal static class DescriptorTests
{
    /// <summary>Lowest free number, close(0) + open gives 0, dup/dup2/dup3/fcntl, offsets and
    /// status flags shared by dup and fork, O_CLOEXEC across execve, RLIMIT_NOFILE (EMFILE),
    /// and Linux's errno for bad descriptors, access modes, pointers and flags.</summary>
    internal static void TableFollowsLinux()
    {
        int status = ProcessTests.RunProgram("fd_table.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("fd_table: 0 wrong"), "a descriptor call gave a different answer than Linux");
        Check(status == 0, "the program failed");
    }

    /// <summary>openat, mkdirat, unlinkat, renameat, newfstatat relative to a directory
    /// descriptor and to the working directory (chdir, fchdir, getcwd, ".."), inherited by fork.</summary>
    internal static void PathsStartAtDirfdAndWorkingDirectory()
    {
        int status = ProcessTests.RunProgram("fd_paths.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("fd_paths: 0 wrong"), "a path call gave a different answer than Linux");
        Check(status == 0, "the program failed");
    }

    /// <summary>A socket is an ordinary descriptor: dup'ed, inherited by fork, used by the child
    /// after the parent closed its copies, and closed (its port freed) by the last holder.</summary>
    internal static void SocketIsSharedAcrossForkAndClosedByTheLastHolder()
    {
        int status = ProcessTests.RunProgram("fd_socket.elf", checkMemory: false);
        Check(ProcessTests.OutputHas("fd_socket: 0 wrong"), "a socket descriptor call gave a different answer than Linux");
        Check(status == 0, "the program failed");
    }
}
