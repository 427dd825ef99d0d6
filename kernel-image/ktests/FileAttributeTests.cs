using Aurora.Kernel.Files;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// The file system calls of issue 11 item 3, each proven by a musl program that gives the same
/// answers on Linux and prints "N wrong": attributes and names (userland/file_attrs.c),
/// positioned, vector and sendfile I/O (userland/file_io.c), FIFOs and record locks
/// (userland/file_locks.c).
/// </summary>
internal static class FileAttributeTests
{
    /// <summary>umask, access/faccessat/faccessat2, chmod and chown families, utimensat/utimes/
    /// utime, truncate/ftruncate, statfs/fstatfs, lstat, symlink(at), link(at), mknod(at),
    /// RENAME_NOREPLACE; every frame and heap block back afterwards.</summary>
    internal static void AttributesAndNamesFollowLinux()
    {
        int status = ProcessTests.RunProgram("file_attrs.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("file_attrs: 0 wrong"), "an attribute or name call gave a different answer than Linux");
        Check(status == 0, "the program failed");
    }

    /// <summary>pread64/pwrite64, readv/writev, preadv/pwritev, sendfile into files and pipes,
    /// O_APPEND and F_SETFL.</summary>
    internal static void PositionedAndVectorIoFollowLinux()
    {
        int before = PipeFile.Live;
        int status = ProcessTests.RunProgram("file_io.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("file_io: 0 wrong"), "an I/O call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        Check(PipeFile.Live == before, "a pipe outlived its last descriptor");
    }

    /// <summary>fcntl record locks (conflicts, splits and merges, release on close and exit,
    /// F_SETLKW waking, EINTR, EDEADLK), flock, and FIFOs with Linux's open rules; no lock
    /// record or pipe outlives the program.</summary>
    internal static void LocksAndFifosFollowLinux()
    {
        int pipes = PipeFile.Live, locks = RecordLocks.Live;
        int status = ProcessTests.RunProgram("file_locks.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("file_locks: 0 wrong"), "a lock or FIFO call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        Check(PipeFile.Live == pipes, "a FIFO's pipe outlived its last descriptor");
        Check(RecordLocks.Live == locks, "a lock outlived its owner");
    }
}
