using System.Text;
using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>Lookups that start at a node: NodeHandles (a working directory, a dirfd) and the
/// *At operations, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH and AT_REMOVEDIR; handles keep their node
/// and their mount busy.</summary>
public class HandleTests
{
    private static byte[] P(string path) => Harness.P(path);

    [Fact]
    public void RelativePathsResolveFromTheHandle()
    {
        using var h = new Harness();
        h.Mkdir("/home");
        h.Mkdir("/home/u");
        h.CreateFile("/home/u/f", [1]);
        Assert.Equal(VfsError.None, h.Vfs.Lookup(default, P("/home/u"), 0, out NodeHandle cwd));
        Assert.True(cwd.IsDirectory);

        long fd = h.Vfs.OpenAt(ref h.Files, cwd, P("f"), OpenFlags.ReadOnly, 0);
        Assert.True(fd >= 0);
        Assert.Equal(VfsError.None, h.Close((int)fd));
        Assert.Equal(VfsError.None, h.Vfs.StatAt(cwd, P("../u/./f"), 0, out FileStatus st));
        Assert.Equal(1, st.Size);
        // Absolute paths ignore the handle; a relative path without one starts at "/".
        Assert.Equal(VfsError.None, h.Vfs.StatAt(cwd, P("/home"), 0, out _));
        Assert.Equal(VfsError.None, h.Vfs.StatAt(default, P("home/u/f"), 0, out _));
        // The calls without a handle still want absolute paths.
        Assert.Equal(VfsError.InvalidArgument, h.Stat("home", out _));

        Assert.Equal(VfsError.None, h.Vfs.MkdirAt(cwd, P("sub"), 0x1ED));
        Assert.Equal(VfsError.None, h.Vfs.SymlinkAt(P("sub"), cwd, P("link")));
        var target = new byte[16];
        Assert.Equal(3, h.Vfs.ReadLinkAt(cwd, P("link"), target));
        Assert.Equal(VfsError.None, h.Vfs.StatAt(cwd, P("link"), AtFlags.SymlinkNoFollow, out FileStatus l));
        Assert.True(FileMode.IsSymbolicLink(l.Mode));
        Assert.Equal(VfsError.None, h.Vfs.StatAt(cwd, P("link"), 0, out FileStatus d));
        Assert.True(FileMode.IsDirectory(d.Mode));
        Assert.Equal(VfsError.None, h.Vfs.RenameAt(cwd, P("f"), default, P("home/u/sub/g")));
        Assert.Equal(VfsError.None, h.Vfs.UnlinkAt(cwd, P("sub/g"), 0));
        Assert.Equal(VfsError.IsDirectory, h.Vfs.UnlinkAt(cwd, P("sub"), 0));
        Assert.Equal(VfsError.NotDirectory, h.Vfs.UnlinkAt(cwd, P("link"), AtFlags.RemoveDirectory));
        Assert.Equal(VfsError.None, h.Vfs.UnlinkAt(cwd, P("link"), 0));
        Assert.Equal(VfsError.None, h.Vfs.UnlinkAt(cwd, P("sub"), AtFlags.RemoveDirectory));
        h.Vfs.Release(ref cwd);
        Assert.True(cwd.IsEmpty);
    }

    [Fact]
    public void EmptyPathNamesTheHandleItself()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1, 2]);
        int fd = h.OpenOk("/f", OpenFlags.ReadOnly);
        Assert.Equal(VfsError.None, h.Vfs.Handle(ref h.Files, fd, out NodeHandle file));
        Assert.Equal(VfsError.None, h.Vfs.StatAt(file, [], AtFlags.EmptyPath, out FileStatus st));
        Assert.Equal(2, st.Size);
        Assert.Equal(VfsError.NoEntry, h.Vfs.StatAt(file, [], 0, out _));
        Assert.Equal(VfsError.NotDirectory, h.Vfs.StatAt(file, P("x"), 0, out _));
        var times = new AttributeChange { Valid = AttributeMask.ModifyTime, ModifyTime = 7_000_000_001 };
        Assert.Equal(VfsError.None, h.Vfs.SetAttributesAt(file, [], AtFlags.EmptyPath, times));
        Assert.Equal(VfsError.None, h.Vfs.Stat(file, out st));
        Assert.Equal(7, st.ModifyTimeSeconds);
        Assert.Equal(1, st.ModifyTimeNanoseconds);
        Assert.Equal(VfsError.BadDescriptor, h.Vfs.Handle(ref h.Files, 40, out _));
        h.Vfs.Release(ref file);
        Assert.Equal(VfsError.None, h.Close(fd));
    }

    [Fact]
    public void AHandleKeepsARemovedDirectoryAndItsMountBusy()
    {
        using var h = new Harness();
        h.Mkdir("/m");
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/m"), 0));
        h.Mkdir("/m/d");
        Assert.Equal(VfsError.None, h.Vfs.Lookup(default, P("/m/d"), 0, out NodeHandle cwd));
        Assert.Equal(VfsError.Busy, h.Vfs.Unmount(P("/m")));
        Assert.Equal(VfsError.None, h.Vfs.Rmdir(P("/m/d")));
        // Like Linux: the removed working directory is still there, empty, and nothing can be made in it.
        Assert.Equal(VfsError.None, h.Vfs.Stat(cwd, out FileStatus st));
        Assert.Equal(0UL, st.LinkCount);
        Assert.Equal(VfsError.NoEntry, h.Vfs.StatAt(cwd, P("x"), 0, out _));
        h.Vfs.Release(ref cwd);
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/m")));
    }

    [Fact]
    public void DotDotFromAHandleCrossesMounts()
    {
        using var h = new Harness();
        h.Mkdir("/a");
        h.Mkdir("/m");
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/m"), 0));
        Assert.Equal(VfsError.None, h.Vfs.Lookup(default, P("/m"), 0, out NodeHandle mountRoot));
        Assert.Equal(VfsError.None, h.Vfs.StatAt(mountRoot, P("../a"), 0, out FileStatus a));
        Assert.Equal(h.StatOk("/a").Inode, a.Inode);
        Assert.Equal(VfsError.None, h.Vfs.Lookup(mountRoot, P(".."), 0, out NodeHandle up));
        Assert.Equal(VfsError.None, h.Vfs.Stat(up, out FileStatus root));
        Assert.Equal(1UL, root.Device);
        Assert.Equal(h.StatOk("/").Inode, root.Inode);
        h.Vfs.Release(ref up);
        h.Vfs.Release(ref mountRoot);
        Assert.Equal(VfsError.None, h.Vfs.RootDirectory(out NodeHandle rootHandle));
        Assert.Equal(VfsError.None, h.Vfs.StatAt(rootHandle, P("m/.."), 0, out _));
        h.Vfs.Release(ref rootHandle);
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/m")));
    }
}
