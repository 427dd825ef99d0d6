using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>Unpacking newc archives into the tmpfs at "/", as the kernel does with its
/// initramfs: the tree, modes, times, links, replacement by later entries and archives laid
/// one after another.</summary>
public unsafe class CpioUnpackerTests
{
    private static VfsError Unpack(Harness h, byte[] archive, out UnpackCounts counts)
    {
        fixed (byte* image = archive) return CpioUnpacker.Unpack(ref h.Vfs, image, archive.Length, out counts);
    }

    private static string Text(Harness h, string path) => Encoding.UTF8.GetString(h.ReadAll(path));

    private static string ReadLink(Harness h, string path)
    {
        var buffer = new byte[4096];
        long n = h.Vfs.ReadLink(Harness.P(path), buffer);
        Assert.True(n >= 0, $"readlink {path}: {(VfsError)(-n)}");
        return Encoding.UTF8.GetString(buffer, 0, (int)n);
    }

    [Fact]
    public void DirectoriesFilesAndLinksArriveWithTheirModesAndTimes()
    {
        using var h = new Harness();
        byte[] archive = new CpioBuilder()
            .Directory(".", 0x1ED)
            .Directory("./bin", 0x1ED, mtime: 1_700_000_000)
            .File("./bin/busybox", "ELF...", 0x1ED, mtime: 1_600_000_000)
            .Symlink("./bin/sh", "/bin/busybox")
            .Directory("tmp", 0x3FF)                                  // 01777, no "./"
            .File("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")   // parents made
            .File("etc/shadow", "secret", 0x180)                      // 0600
            .Build();
        Assert.Equal(VfsError.None, Unpack(h, archive, out UnpackCounts counts));
        Assert.Equal(3, counts.Directories);
        Assert.Equal(3, counts.Files);
        Assert.Equal(1, counts.SymbolicLinks);
        Assert.Equal(0, counts.Failed);

        FileStatus busybox = h.StatOk("/bin/busybox");
        Assert.Equal(FileMode.Regular | 0x1EDu, busybox.Mode);
        Assert.Equal(1_600_000_000, busybox.ModifyTimeSeconds);
        Assert.Equal("ELF...", Text(h, "/bin/busybox"));
        Assert.Equal("/bin/busybox", ReadLink(h, "/bin/sh"));
        Assert.Equal("ELF...", Text(h, "/bin/sh"));                    // followed
        Assert.Equal(FileMode.Directory | 0x1EDu, h.StatOk("/bin").Mode);
        Assert.Equal(1_700_000_000, h.StatOk("/bin").ModifyTimeSeconds); // stamped after its children
        Assert.Equal(FileMode.Directory | 0x3FFu, h.StatOk("/tmp").Mode);
        Assert.Equal(FileMode.Directory | 0x1EDu, h.StatOk("/etc").Mode);
        Assert.Equal(FileMode.Regular | 0x180u, h.StatOk("/etc/shadow").Mode);
        Assert.Equal("root:x:0:0:root:/root:/bin/sh\n", Text(h, "/etc/passwd"));
    }

    [Fact]
    public void EveryNameOfAHardLinkedFileGetsItsData()
    {
        using var h = new Harness();
        byte[] archive = new CpioBuilder().Directory("bin").HardLinks("shared", "bin/a", "bin/b", "bin/c").File("bin/d", "").Build();
        Assert.Equal(VfsError.None, Unpack(h, archive, out UnpackCounts counts));
        Assert.Equal(4, counts.Files);
        Assert.Equal(2, counts.HardLinks);
        Assert.Equal("shared", Text(h, "/bin/a"));
        Assert.Equal("shared", Text(h, "/bin/b"));
        Assert.Equal("shared", Text(h, "/bin/c"));
        Assert.Equal("", Text(h, "/bin/d"));                           // an empty file stays empty
    }

    [Fact]
    public void LaterEntriesAndAppendedArchivesReplaceEarlierOnes()
    {
        using var h = new Harness();
        byte[] first = new CpioBuilder()
            .File("etc/inittab", "long original contents")
            .Symlink("bin/ls", "/bin/busybox")
            .File("etc/motd", "welcome")
            .File("etc/motd", "later")                                 // same archive
            .Build();
        byte[] second = new CpioBuilder()
            .File("etc/inittab", "short")                              // truncated, not overlaid
            .File("bin/ls", "a real ls", 0x1ED)                        // a file replaces a link
            .Symlink("etc/motd", "/etc/inittab")                       // a link replaces a file
            .Build();
        byte[] both = first.Concat(new byte[12]).Concat(second).Concat(new byte[7]).ToArray();
        Assert.Equal(VfsError.None, Unpack(h, both, out UnpackCounts counts));
        Assert.Equal(0, counts.Failed);
        Assert.Equal("short", Text(h, "/etc/inittab"));
        Assert.Equal("a real ls", Text(h, "/bin/ls"));
        Assert.True(FileMode.IsRegular(h.StatOk("/bin/ls").Mode));
        Assert.Equal("/etc/inittab", ReadLink(h, "/etc/motd"));
    }

    [Fact]
    public void AnExistingTreeIsMergedNotReplaced()
    {
        using var h = new Harness();
        h.Mkdir("/bin");
        h.CreateFile("/bin/hello.elf", [1, 2, 3]);
        byte[] archive = new CpioBuilder().Directory("bin", 0x1C0).File("bin/busybox", "x", 0x1ED).Build();
        Assert.Equal(VfsError.None, Unpack(h, archive, out _));
        Assert.Equal(new byte[] { 1, 2, 3 }, h.ReadAll("/bin/hello.elf"));
        Assert.Equal(FileMode.Directory | 0x1C0u, h.StatOk("/bin").Mode); // the archive's mode wins
    }

    [Fact]
    public void DevicesAreSkippedAndBadNamesRefusedWithoutStoppingTheRest()
    {
        using var h = new Harness();
        byte[] archive = new CpioBuilder()
            .Entry("dev/console", 0x2000 | 0x180, [], 0)                // a character device
            .File("../escape", "no")
            .File("ok", "yes")
            .File("dir", "a file")
            .File("dir/under-a-file", "no")                            // its parent is a file
            .Build();
        Assert.Equal(VfsError.InvalidArgument, Unpack(h, archive, out UnpackCounts counts));
        Assert.Equal(1, counts.Skipped);
        Assert.Equal(2, counts.Failed);
        Assert.Equal("yes", Text(h, "/ok"));
        Assert.Equal(VfsError.NoEntry, h.Stat("/escape", out _));
        Assert.Equal(VfsError.NoEntry, h.Stat("/dev/console", out _));
    }

    [Fact]
    public void MalformedArchivesStopTheUnpackingWhereTheyBreak()
    {
        using var h = new Harness();
        byte[] good = new CpioBuilder().File("a", "1").Build();
        byte[] truncated = good.Take(good.Length - 20).ToArray();
        Assert.Equal(VfsError.InvalidArgument, Unpack(h, truncated, out _));
        Assert.Equal("1", Text(h, "/a"));                              // what came before stays
        Assert.Equal(VfsError.InvalidArgument, Unpack(h, Encoding.ASCII.GetBytes("not a cpio archive at all, but long enough to have a header's worth of bytes in it: 0123456789012345678901234567890"), out _));
        Assert.Equal(VfsError.InvalidArgument, Unpack(h, good.Concat(new byte[] { 0, 0, 0, 0, (byte)'x' }).ToArray(), out _));
        Assert.Equal(VfsError.InvalidArgument, Unpack(h, [], out _));
    }

    [Fact]
    public void AFullFileSystemFailsTheEntryThatDoesNotFitAndLeavesNoHalfFile()
    {
        using var h = new Harness(capacityBytes: 8192);
        byte[] archive = new CpioBuilder().File("small", "x").File("big", new byte[64 * 1024]).File("after", "y").Build();
        Assert.Equal(VfsError.NoSpace, Unpack(h, archive, out UnpackCounts counts));
        Assert.Equal(1, counts.Failed);
        Assert.Equal(VfsError.NoEntry, h.Stat("/big", out _));
        Assert.Equal("x", Text(h, "/small"));
        Assert.Equal("y", Text(h, "/after"));
    }
}
