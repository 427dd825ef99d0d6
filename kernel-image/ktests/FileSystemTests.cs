using System;
using Aurora.Vfs;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// File systems in the kernel's tree (Files/FileSystem.cs), proven by musl programs that give
/// the same answers on Linux (each prints "N wrong"; userland/rofs.c).
/// </summary>
internal static unsafe class FileSystemTests
{
    /// <summary>The test build's initramfs.cpio (tools/aurora.sh, stage_test_initramfs: GNU cpio
    /// archives of kernel-image/initramfs/rootfs and test shapes, a second archive appended) was
    /// unpacked into the tmpfs at "/" before the programs went to /bin: the reference image's
    /// /etc, both names of a hard-linked file with its data, a relative symbolic link that
    /// resolves, the permission bits, and the appended archive's file in place of the first's.
    /// It is not mounted as an image.</summary>
    internal static void InitramfsIsUnpackedIntoRoot()
    {
        byte* bytes = stackalloc byte[256];
        var buffer = new Span<byte>(bytes, 256);
        ReadOnlySpan<byte> passwd = Read("/etc/passwd"u8, buffer);
        Check(passwd.Length > 11 && passwd.Slice(0, 11).SequenceEqual("root:x:0:0:"u8), "/etc/passwd has not root's line");
        CheckEqual(FileMode.Regular | 0x1A4u, ModeOf("/etc/passwd"u8, follow: true), "mode of /etc/passwd");
        CheckEqual(FileMode.Directory | 0x1EDu, ModeOf("/etc"u8, follow: true), "mode of /etc");
        Check(Read("/test/hard1"u8, buffer).SequenceEqual("one file, two names\n"u8), "the first name of a hard-linked file lost its data");
        Check(Read("/test/hard2"u8, buffer).SequenceEqual("one file, two names\n"u8), "the second name of a hard-linked file lost its data");
        CheckEqual(FileMode.SymbolicLink | 0x1FFu, ModeOf("/test/link"u8, follow: false), "mode of the symbolic link");
        Check(Read("/test/link"u8, buffer).SequenceEqual("aurora\n"u8), "/test/link does not lead to /etc/hostname");
        CheckEqual(FileMode.Regular | 0x180u, ModeOf("/test/private"u8, follow: true), "mode of a 0600 file");
        Check(Read("/test/replaced"u8, buffer).SequenceEqual("second archive\n"u8), "the appended archive did not replace the file");
        CheckEqual(FileMode.Regular | 0x1EDu, ModeOf("/test/replaced"u8, follow: true), "mode of the replaced file");
        Check(ModeOf("/bin/hello.elf"u8, follow: true) == (FileMode.Regular | 0x1EDu), "the programs are not in /bin beside it");
        CheckEqual(0u, ModeOf("/initramfs"u8, follow: false), "the initramfs was also mounted");
    }

    /// <summary>The mode at <paramref name="path"/>, 0 if nothing is there.</summary>
    private static uint ModeOf(ReadOnlySpan<byte> path, bool follow)
    {
        Files.FileSystem.Lock();
        VfsError error = follow ? Files.FileSystem.Vfs.Stat(path, out FileStatus status) : Files.FileSystem.Vfs.LinkStatus(path, out status);
        Files.FileSystem.Unlock();
        return error == VfsError.None ? status.Mode : 0;
    }

    /// <summary>The start of the file at <paramref name="path"/> in <paramref name="buffer"/>
    /// (empty if there is none).</summary>
    private static ReadOnlySpan<byte> Read(ReadOnlySpan<byte> path, Span<byte> buffer)
    {
        FileTable files = default;
        long count = 0;
        Files.FileSystem.Lock();
        long fd = Files.FileSystem.Vfs.Open(ref files, path, OpenFlags.ReadOnly, 0);
        if (fd >= 0) count = Files.FileSystem.Vfs.Read(ref files, (int)fd, buffer);
        Files.FileSystem.Vfs.CloseAll(ref files);
        Files.FileSystem.Unlock();
        return buffer.Slice(0, count > 0 ? (int)count : 0);
    }

    /// <summary>A second file system beside tmpfs through the same interface: the test build's
    /// boot module ro.cpio (a newc cpio image of userland/rofs/, signed) is mounted read-only at
    /// /ro. The program lists it, reads, stats, follows its symbolic link, walks ".." back into
    /// tmpfs, and gets EROFS for every change and EXDEV for renames across the mount; then it
    /// runs again (the kernel runs on) and leaks nothing.</summary>
    internal static void ReadOnlyImageIsMountedBesideTmpfs()
    {
        // ro.cpio, busybox-suite.cpio (the busybox suite's command lines, BusyboxTests) and, on
        // x86_64, debian-suite.cpio (the Debian programs suite's, DynamicElfTests): every cpio
        // boot module but the initramfs.
        CheckEqual(Hal.Cpu.ElfMachine() == 183 ? 2 : 3, Files.FileSystem.Images, "cpio images mounted at boot");
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

    /// <summary>Trees of 250-byte names 14 deep in /tmp (paths of 3.5 KiB), a file at the
    /// bottom, torn down again, twice (userland/deep_paths.c): every heap block the kernel took
    /// comes back and no block it held before goes.</summary>
    internal static void DeepTreesOfLongNamesGiveBackEveryBlock()
    {
        int status = ProcessTests.RunProgram("deep_paths.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("deep_paths: 0 wrong"), "a path call gave a different answer than Linux");
        Check(status == 0, "the program failed");
    }
}
