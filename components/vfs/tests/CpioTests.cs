using System;
using System.Text;
using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>The read-only cpio file system, mounted beside tmpfs through the same
/// <see cref="IFileSystem"/> interface: an archive written by GNU cpio, one from
/// <see cref="CpioBuilder"/>, every change refused with EROFS, malformed images refused.</summary>
public unsafe class CpioTests
{
    private static byte[] P(string path) => Harness.P(path);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static byte[] Sample() => new CpioBuilder()
        .Directory(".", 0x1ED)
        .Directory("etc")
        .File("etc/motd", "hello\n", 0x1A4, mtime: 1_577_934_245)
        .File("bin/sh", new byte[5000], 0x1ED)      // bin made implicitly
        .Symlink("bin/ash", "sh")
        .Symlink("home", "/tmp")
        .File("./dot-slash", "x")
        .Build();

    [Fact]
    public void AnArchiveWrittenByGnuCpioMountsAndReads()
    {
        using var h = new Harness();
        using var image = new CpioImage(CpioImage.Fixture("sample.cpio"), h.Ledger);
        Assert.Equal(VfsError.None, image.InitializeError);
        h.Mkdir("/ro");
        Assert.Equal(VfsError.None, h.Vfs.Mount<CpioFileSystem>(P("/ro"), image.FileSystem));
        Assert.Equal("hello from cpio\n", Text(h.ReadAll("/ro/etc/motd")));
        Assert.Equal("hello from cpio\n", Text(h.ReadAll("/ro/bin/motd-link")));
        Assert.Equal("x=1\n", Text(h.ReadAll("/ro/etc/conf.d/a.conf")));
        FileStatus motd = h.StatOk("/ro/etc/motd");
        Assert.Equal(1_577_934_245, motd.ModifyTimeSeconds);
        Assert.Equal(FileMode.Regular | 0x1A4u, motd.Mode);
        Assert.Equal(FileMode.Regular | 0x1EDu, h.StatOk("/ro/bin/hello").Mode);
        Assert.Equal(2UL, motd.Device);
        // An absolute link in the archive means "/" of the whole tree, as after unpacking.
        h.Mkdir("/etc");
        h.CreateFile("/etc/hostname", [(byte)'a']);
        Assert.Equal(new byte[] { (byte)'a' }, h.ReadAll("/ro/etc-abs/hostname"));
        Assert.Equal(["bin", "etc", "etc-abs"], h.List("/ro").ConvertAll(e => e.Name));
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/ro")));
    }

    [Fact]
    public void EachReadOperationWorksOnTheImage()
    {
        using var h = new Harness();
        using var image = new CpioImage(Sample(), h.Ledger);
        Assert.Equal(VfsError.None, image.InitializeError);
        h.Mkdir("/ro");
        Assert.Equal(VfsError.None, h.Vfs.Mount<CpioFileSystem>(P("/ro"), image.FileSystem));

        // lookup + stat, lstat
        Assert.True(FileMode.IsDirectory(h.StatOk("/ro/bin").Mode));
        Assert.Equal(FileMode.Directory | 0x1EDu, h.StatOk("/ro/bin").Mode);
        Assert.Equal(5000, h.StatOk("/ro/bin/ash").Size);
        Assert.Equal(VfsError.None, h.Vfs.LinkStatus(P("/ro/bin/ash"), out FileStatus link));
        Assert.Equal(FileMode.SymbolicLink | 0x1FFu, link.Mode);
        Assert.Equal(4UL, h.StatOk("/ro").LinkCount);   // ".", "..", bin/.., etc/..
        Assert.Equal(VfsError.NoEntry, h.Stat("/ro/nothing", out _));
        Assert.Equal(VfsError.NotDirectory, h.Stat("/ro/etc/motd/x", out _));

        // read, seek, fstat
        int fd = h.OpenOk("/ro/etc/motd", OpenFlags.ReadOnly);
        var buffer = new byte[3];
        Assert.Equal(3, h.Read(fd, buffer));
        Assert.Equal("hel", Text(buffer));
        Assert.Equal(1, h.Vfs.Seek(ref h.Files, fd, -5, SeekOrigin.End));
        Assert.Equal(3, h.Read(fd, buffer));
        Assert.Equal("ell", Text(buffer));
        Assert.Equal(VfsError.None, h.Vfs.FStat(ref h.Files, fd, out FileStatus st));
        Assert.Equal(6, st.Size);
        Assert.Equal(VfsError.Busy, h.Vfs.Unmount(P("/ro")));
        Assert.Equal(VfsError.None, h.Close(fd));
        Assert.Equal(new byte[5000], h.ReadAll("/ro/bin/sh"));

        // readdir: archive order, with types; "." and ".." from the VFS, ".." leaving the mount
        var list = h.List("/ro");
        Assert.Equal(["etc", "bin", "home", "dot-slash"], list.ConvertAll(e => e.Name));
        Assert.Equal(DirectoryEntryType.SymbolicLink, list[2].Type);
        Assert.Equal(DirectoryEntryType.Regular, list[3].Type);
        var name = new byte[256];
        Assert.Equal(2, h.Vfs.ReadDirectory(P("/ro"), 1, name, out DirectoryEntry dotdot));
        Assert.Equal(h.StatOk("/").Inode, dotdot.Inode);
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Vfs.ReadDirectory(P("/ro"), 2, new byte[2], out _));

        // readlink, and ".." across the mount both ways
        var target = new byte[64];
        Assert.Equal(4, h.Vfs.ReadLink(P("/ro/home"), target));
        Assert.Equal(h.StatOk("/").Inode, h.StatOk("/ro/bin/../..").Inode);
        Assert.Equal(1UL, h.StatOk("/ro/..").Device);
        h.Mkdir("/tmp");
        Assert.Equal(h.StatOk("/tmp").Inode, h.StatOk("/ro/home").Inode);

        // statfs
        Assert.Equal(VfsError.None, h.Vfs.StatFileSystem(P("/ro/etc"), out FileSystemStatus fs));
        Assert.True(fs.ReadOnly);
        Assert.Equal(2UL, fs.Device);
        Assert.Equal(8UL, fs.Inodes);
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/ro")));
    }

    [Fact]
    public void EveryChangeIsReadOnlyFileSystem()
    {
        using var h = new Harness();
        using var image = new CpioImage(Sample(), h.Ledger);
        h.Mkdir("/ro");
        Assert.Equal(VfsError.None, h.Vfs.Mount<CpioFileSystem>(P("/ro"), image.FileSystem));
        int before = h.Ledger.Outstanding;

        Assert.Equal(-(long)VfsError.ReadOnlyFileSystem, h.Open("/ro/new", OpenFlags.WriteOnly | OpenFlags.Create));
        Assert.Equal(-(long)VfsError.ReadOnlyFileSystem, h.Open("/ro/etc/motd", OpenFlags.WriteOnly));
        Assert.Equal(-(long)VfsError.ReadOnlyFileSystem, h.Open("/ro/etc/motd", OpenFlags.ReadWrite));
        Assert.Equal(-(long)VfsError.ReadOnlyFileSystem, h.Open("/ro/etc/motd", OpenFlags.ReadOnly | OpenFlags.Truncate));
        Assert.Equal(-(long)VfsError.IsDirectory, h.Open("/ro/etc", OpenFlags.WriteOnly));
        Assert.Equal(VfsError.ReadOnlyFileSystem, h.Mkdir("/ro/new"));
        Assert.Equal(VfsError.Exists, h.Mkdir("/ro/etc"));
        Assert.Equal(VfsError.ReadOnlyFileSystem, h.Vfs.Unlink(P("/ro/etc/motd")));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Unlink(P("/ro/none")));
        Assert.Equal(VfsError.ReadOnlyFileSystem, h.Vfs.Rmdir(P("/ro/etc")));
        Assert.Equal(VfsError.ReadOnlyFileSystem, h.Vfs.Rename(P("/ro/etc/motd"), P("/ro/motd")));
        Assert.Equal(VfsError.CrossDevice, h.Vfs.Rename(P("/ro/etc/motd"), P("/motd")));
        Assert.Equal(VfsError.ReadOnlyFileSystem, h.Vfs.Symlink(P("x"), P("/ro/l")));
        Assert.Equal(VfsError.ReadOnlyFileSystem, h.Vfs.Truncate(P("/ro/etc/motd"), 0));
        var chmod = new AttributeChange { Valid = AttributeMask.Mode, Mode = 0x1FF };
        Assert.Equal(VfsError.ReadOnlyFileSystem, h.Vfs.SetAttributes(P("/ro/etc/motd"), chmod));
        Assert.Equal("hello\n", Text(h.ReadAll("/ro/etc/motd")));
        Assert.Equal(before, h.Ledger.Outstanding);
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/ro")));
    }

    [Fact]
    public void MalformedImagesAreRefused()
    {
        using var ledger = new MemoryLedger();
        byte[] good = Sample();
        void Refused(byte[] bytes, VfsError expected = VfsError.InvalidArgument)
        {
            using var image = new CpioImage(bytes, ledger);
            Assert.Equal(expected, image.InitializeError);
        }

        Refused([]);
        Refused(good.AsSpan(0, good.Length - 20).ToArray());          // no trailer
        byte[] magic = (byte[])good.Clone();
        magic[5] = (byte)'7';
        Refused(magic);
        byte[] hex = (byte[])good.Clone();
        hex[20] = (byte)'g';
        Refused(hex);
        Refused(new CpioBuilder().File("a/../b", "x").Build());
        Refused(new CpioBuilder().File("f", "x").File("f/g", "y").Build());
        Refused(new CpioBuilder().File("a/" + new string('n', 256), "x").Build());
        Refused(new CpioBuilder().File(".", "x").Build());
        // A directory with entries cannot become a file.
        Refused(new CpioBuilder().File("d/f", "x").File("d", "y").Build());
        Assert.Equal(0, ledger.Outstanding);

        using (var image = new CpioImage(good, ledger))
        {
            Assert.Equal(VfsError.None, image.InitializeError);
        }

        Assert.Equal(0, ledger.Outstanding);
        ledger.FailAfter = 0;
        Refused(good, VfsError.NoMemory);
    }

    [Fact]
    public void LaterEntriesReplaceEarlierOnesAndOtherTypesAreSkipped()
    {
        using var h = new Harness();
        byte[] bytes = new CpioBuilder()
            .File("f", "old")
            .File("f", "new!")
            .Entry("dev", 0x2000 | 0x1A4, [], 0)          // a character device: skipped
            .Entry("crc", FileMode.Regular | 0x1A4, "c"u8.ToArray(), 0, magic: "070702")
            .Build();
        using var image = new CpioImage(bytes, h.Ledger);
        Assert.Equal(VfsError.None, image.InitializeError);
        h.Mkdir("/ro");
        Assert.Equal(VfsError.None, h.Vfs.Mount<CpioFileSystem>(P("/ro"), image.FileSystem));
        Assert.Equal("new!", Text(h.ReadAll("/ro/f")));
        Assert.Equal(VfsError.NoEntry, h.Stat("/ro/dev", out _));
        Assert.Equal("c", Text(h.ReadAll("/ro/crc")));
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/ro")));
    }

    [Fact]
    public void ACpioImageCanBeTheRoot()
    {
        using var ledger = new MemoryLedger();
        using var image = new CpioImage(Sample(), ledger);
        var vfs = new VirtualFileSystem<LedgerMemory>(new LedgerMemory(ledger));
        Assert.Equal(VfsError.None, vfs.Initialize<CpioFileSystem>(image.FileSystem));
        Assert.Equal(VfsError.None, vfs.Stat(P("/etc/motd"), out FileStatus st));
        Assert.Equal(1UL, st.Device);
        Assert.Equal(VfsError.None, vfs.Stat(P("/.."), out FileStatus up));
        Assert.Equal(VfsError.None, vfs.Stat(P("/"), out FileStatus root));
        Assert.Equal(root.Inode, up.Inode);
        Assert.Equal(VfsError.ReadOnlyFileSystem, vfs.Mkdir(P("/tmp"), 0x1ED));
        // A tmpfs mounted on a directory of it gives a writable place.
        Assert.Equal(VfsError.None, vfs.Mount(P("/etc"), 0));
        Assert.Equal(VfsError.None, vfs.Mkdir(P("/etc/new"), 0x1ED));
        Assert.Equal(VfsError.None, vfs.Rmdir(P("/etc/new")));
        Assert.Equal(VfsError.None, vfs.Dispose());
    }
}
