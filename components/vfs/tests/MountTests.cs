using Xunit;

namespace Aurora.Vfs.Tests;

public class MountTests
{
    private static byte[] P(string path) => Harness.P(path);

    [Fact]
    public void AMountHidesTheDirectoryAndCrossesBothWays()
    {
        using var h = new Harness();
        h.Mkdir("/mnt");
        h.CreateFile("/mnt/hidden", [1]);
        ulong covered = h.StatOk("/mnt").Inode;
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/mnt"), 0));
        FileStatus root = h.StatOk("/mnt");
        Assert.Equal(2UL, root.Device);
        Assert.Equal(1UL, root.Inode);
        Assert.NotEqual(covered, root.Inode);
        Assert.Equal(VfsError.NoEntry, h.Stat("/mnt/hidden", out _));
        h.Mkdir("/mnt/sub");
        h.CreateFile("/mnt/sub/f", [7]);
        Assert.Equal(2UL, h.StatOk("/mnt/sub/f").Device);
        Assert.Equal(new byte[] { 7 }, h.ReadAll("/mnt/sub/../sub/f"));
        // ".." at the mount root leaves the mounted file system.
        FileStatus up = h.StatOk("/mnt/..");
        Assert.Equal(1UL, up.Device);
        Assert.Equal(h.StatOk("/").Inode, up.Inode);
        h.Mkdir("/other");
        Assert.Equal(h.StatOk("/other").Inode, h.StatOk("/mnt/sub/../../other").Inode);
        var name = new byte[256];
        Assert.Equal(2, h.Vfs.ReadDirectory(P("/mnt"), 1, name, out DirectoryEntry dotdot));
        Assert.Equal(1UL, dotdot.Inode);

        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/mnt")));
        Assert.Equal(new byte[] { 1 }, h.ReadAll("/mnt/hidden"));
    }

    [Fact]
    public void NestedMountsCrossAndUnmountInOrder()
    {
        using var h = new Harness();
        h.Mkdir("/a");
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/a"), 0));
        h.Mkdir("/a/b");
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/a/b/"), 0));
        h.CreateFile("/a/b/f", [3]);
        Assert.Equal(3UL, h.StatOk("/a/b/f").Device);
        Assert.Equal(2UL, h.StatOk("/a/b/..").Device);
        Assert.Equal(1UL, h.StatOk("/a/b/../..").Device);
        Assert.Equal(VfsError.Busy, h.Vfs.Unmount(P("/a")));
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/a/b")));
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/a")));
    }

    [Fact]
    public void AMountOnAMountPointStacksAndUnmountingRevealsTheOneBelow()
    {
        using var h = new Harness();
        h.Mkdir("/m");
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/m"), 0));
        h.CreateFile("/m/lower", [1]);
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/m"), 0));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Stat(P("/m/lower"), out _));
        h.CreateFile("/m/upper", [2]);
        Assert.Equal(VfsError.None, h.Vfs.Stat(P("/m/upper"), out _));
        Assert.Equal(VfsError.None, h.Vfs.Stat(P("/m/.."), out FileStatus parent));
        Assert.Equal(VfsError.None, h.Vfs.Stat(P("/"), out FileStatus root));
        Assert.Equal(root.Inode, parent.Inode);
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/m")));
        Assert.Equal(VfsError.None, h.Vfs.Stat(P("/m/lower"), out _));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Stat(P("/m/upper"), out _));
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/m")));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Unmount(P("/m")));
    }

    [Fact]
    public void MountErrors()
    {
        using var h = new Harness();
        h.Mkdir("/m");
        h.CreateFile("/f", [1]);
        Assert.Equal(VfsError.Busy, h.Vfs.Mount(P("/"), 0));
        Assert.Equal(VfsError.NotDirectory, h.Vfs.Mount(P("/f"), 0));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Mount(P("/x"), 0));
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/m"), 0));
        h.Mkdir("/n");
        int blocks = h.Ledger.Outstanding;
        h.Ledger.FailAfter = 0;
        Assert.Equal(VfsError.NoMemory, h.Vfs.Mount(P("/n"), 0));
        h.Ledger.FailAfter = 1;
        Assert.Equal(VfsError.NoMemory, h.Vfs.Mount(P("/n"), 0));
        h.Ledger.FailAfter = -1;
        Assert.Equal(blocks, h.Ledger.Outstanding);
        Assert.Equal(1UL, h.StatOk("/n").Device);
    }

    [Fact]
    public void UnmountErrors()
    {
        using var h = new Harness();
        h.Mkdir("/m");
        h.Vfs.Mount(P("/m"), 0);
        h.Mkdir("/m/d");
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Unmount(P("/")));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Unmount(P("/m/d")));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Unmount(P("/x")));
        int fd = h.OpenOk("/m/d", OpenFlags.ReadOnly);
        Assert.Equal(VfsError.Busy, h.Vfs.Unmount(P("/m")));
        h.Close(fd);
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/m/")));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Unmount(P("/m")));
    }

    [Fact]
    public void AnUnlinkedOpenFileKeepsItsFileSystemMounted()
    {
        using var h = new Harness();
        h.Mkdir("/m");
        h.Vfs.Mount(P("/m"), 0);
        h.CreateFile("/m/f", [1]);
        int fd = h.OpenOk("/m/f", OpenFlags.ReadOnly);
        h.Vfs.Unlink(P("/m/f"));
        Assert.Equal(VfsError.Busy, h.Vfs.Unmount(P("/m")));
        h.Close(fd);
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/m")));
    }

    [Fact]
    public void MountPointsAndMountRootsCannotBeRemovedOrRenamed()
    {
        using var h = new Harness();
        h.Mkdir("/m");
        h.Mkdir("/d");
        h.Vfs.Mount(P("/m"), 0);
        Assert.Equal(VfsError.Busy, h.Vfs.Rmdir(P("/m")));
        Assert.Equal(VfsError.Busy, h.Vfs.Rmdir(P("/m/")));
        Assert.Equal(VfsError.Busy, h.Vfs.Rename(P("/m"), P("/n")));
        Assert.Equal(VfsError.Busy, h.Vfs.Rename(P("/d"), P("/m")));
        Assert.Equal(VfsError.IsDirectory, h.Vfs.Unlink(P("/m")));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Rmdir(P("/m/.")));
    }

    [Fact]
    public void RenameAcrossFileSystemsIsCrossDevice()
    {
        using var h = new Harness();
        h.Mkdir("/m");
        h.Vfs.Mount(P("/m"), 0);
        h.CreateFile("/f", [1]);
        h.CreateFile("/m/g", [2]);
        Assert.Equal(VfsError.CrossDevice, h.Vfs.Rename(P("/f"), P("/m/f")));
        Assert.Equal(VfsError.CrossDevice, h.Vfs.Rename(P("/m/g"), P("/g")));
        Assert.Equal(VfsError.CrossDevice, h.Vfs.Rename(P("/nothing"), P("/m/g")));
        Assert.Equal(VfsError.None, h.Vfs.Rename(P("/m/g"), P("/m/../m/h")));
    }

    [Fact]
    public void EachMountHasItsOwnCapacity()
    {
        using var h = new Harness();
        h.Mkdir("/small");
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/small"), 4096));
        int fd = h.OpenOk("/small/f", OpenFlags.WriteOnly | OpenFlags.Create);
        Assert.Equal(4096, h.Write(fd, new byte[8192]));
        Assert.Equal(-(long)VfsError.NoSpace, h.Write(fd, [1]));
        h.CreateFile("/big", new byte[100_000]);
        Assert.Equal(VfsError.None, h.Vfs.StatFileSystem(P("/small/f"), out FileSystemStatus small));
        Assert.Equal((2UL, 4096UL, 4096UL, 2UL, 1UL), (small.Device, small.CapacityBytes, small.UsedBytes, small.Inodes, small.OpenFiles));
        Assert.Equal(VfsError.None, h.Vfs.StatFileSystem(P("/"), out FileSystemStatus root));
        Assert.Equal((0UL, 25UL * 4096), (root.CapacityBytes, root.UsedBytes));
    }

    [Fact]
    public void CapacityIsRoundedUpToWholePagesWithoutOverflow()
    {
        using var h = new Harness();
        h.Mkdir("/a");
        h.Mkdir("/b");
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/a"), 1));
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/b"), ulong.MaxValue));
        h.Vfs.StatFileSystem(P("/a"), out FileSystemStatus a);
        Assert.Equal(4096UL, a.CapacityBytes);
        int fd = h.OpenOk("/b/f", OpenFlags.WriteOnly | OpenFlags.Create);
        Assert.Equal(8192, h.Write(fd, new byte[8192]));
    }

    [Fact]
    public void DisposeRefusesWhileFilesAreOpenAndThenFreesEverything()
    {
        using var ledger = new MemoryLedger();
        var vfs = new VirtualFileSystem<LedgerMemory>(new LedgerMemory(ledger));
        FileTable files = default;
        vfs.Initialize(0);
        vfs.Mkdir(P("/m"), 0x1ED);
        vfs.Mount(P("/m"), 0);
        vfs.Mkdir(P("/m/d"), 0x1ED);
        long fd = vfs.Open(ref files, P("/m/d/f"), OpenFlags.ReadWrite | OpenFlags.Create, 0x1A4);
        vfs.Write(ref files, (int)fd, new byte[20_000]);
        vfs.Open(ref files, P("/x"), OpenFlags.ReadWrite | OpenFlags.Create, 0x1A4);
        Assert.Equal(VfsError.Busy, vfs.Dispose());
        vfs.CloseAll(ref files);
        Assert.Equal(0, files.Count);
        Assert.Equal(VfsError.None, vfs.Dispose());
        Assert.False(vfs.IsInitialized);
        Assert.Equal(0, ledger.Outstanding);
    }
}
