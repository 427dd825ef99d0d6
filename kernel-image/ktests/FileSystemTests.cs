using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// File systems in the kernel's tree (Files/FileSystem.cs), proven by musl programs that give
/// the same answers on Linux (each prints "N wrong"; userland/rofs.c).
/// </summary>
internal static class FileSystemTests
{
    /// <summary>A second file system beside tmpfs through the same interface: the test build's
    /// boot module ro.cpio (a newc cpio image of userland/rofs/, signed) is mounted read-only at
    /// /ro. The program lists it, reads, stats, follows its symbolic link, walks ".." back into
    /// tmpfs, and gets EROFS for every change and EXDEV for renames across the mount; then it
    /// runs again (the kernel runs on) and leaks nothing.</summary>
    internal static void ReadOnlyImageIsMountedBesideTmpfs()
    {
        // ro.cpio and busybox-suite.cpio (the busybox suite's command lines, BusyboxTests).
        CheckEqual(2, Files.FileSystem.Images, "cpio images mounted at boot");
        // The first symbolic link the kernel's VFS follows allocates its two link buffers (kept
        // until the VFS is disposed), so the memory check is on the second run.
        int status = ProcessTests.RunProgram("rofs.elf", checkMemory: false);
        Check(ProcessTests.OutputHas("rofs: 0 wrong"), "a call on the read-only mount gave a different answer than Linux");
        Check(status == 0, "the program failed");
        // The kernel and tmpfs run on: the program runs again, with the same answers, and gives
        // back every frame and heap block it used.
        status = ProcessTests.RunProgram("rofs.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("rofs: 0 wrong") && status == 0, "a second run of the program failed");
    }

    /// <summary>getdents64 offsets are stable cursors: 200 files in a tmpfs directory, read with
    /// a 128-byte buffer and unlinked as they come, are all returned in one pass (and again with
    /// opendir/readdir/unlink, as busybox rm -r), the directory is then empty and rmdir works —
    /// Linux's answers (userland/readdir_unlink.c).</summary>
    internal static void ReaddirAndUnlinkEmptiesADirectoryInOnePass()
    {
        int status = ProcessTests.RunProgram("readdir_unlink.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("readdir_unlink: 0 wrong"), "a readdir + unlink loop gave a different answer than Linux");
        Check(status == 0, "the program failed");
    }
}
