using System.Text;
using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>symlink/readlink/lstat and symbolic links in path walks: followed in the middle of a
/// path and at its end unless the caller says not to (lstat, O_NOFOLLOW, O_CREAT|O_EXCL,
/// unlink, rename), relative to the link's directory or from "/", across mounts, with ELOOP
/// after 40.</summary>
public class SymlinkTests
{
    private static byte[] P(string path) => Harness.P(path);

    private const int R = OpenFlags.ReadOnly;
    private const int W = OpenFlags.WriteOnly;
    private const int Creat = OpenFlags.Create;

    private static string ReadLink(Harness h, string path)
    {
        var buffer = new byte[4096];
        long n = h.Vfs.ReadLink(P(path), buffer);
        Assert.True(n >= 0, $"readlink {path}: {(VfsError)(-n)}");
        return Encoding.UTF8.GetString(buffer, 0, (int)n);
    }

    [Fact]
    public void ASymlinkHoldsItsTargetAndLstatReportsTheLink()
    {
        using var h = new Harness();
        h.Vfs.Now = 5_000_000_000;
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("no/such/target"), P("/link")));
        Assert.Equal("no/such/target", ReadLink(h, "/link"));
        Assert.Equal(VfsError.None, h.Vfs.LinkStatus(P("/link"), out FileStatus st));
        Assert.True(FileMode.IsSymbolicLink(st.Mode));
        Assert.Equal(FileMode.SymbolicLink | 0x1FFu, st.Mode);
        Assert.Equal(14, st.Size);
        Assert.Equal(1UL, st.LinkCount);
        Assert.Equal(5, st.ModifyTimeSeconds);
        // Dangling: stat follows it and finds nothing.
        Assert.Equal(VfsError.NoEntry, h.Stat("/link", out _));
        // readlink cuts to the buffer, like readlink(2).
        var small = new byte[3];
        Assert.Equal(3, h.Vfs.ReadLink(P("/link"), small));
        Assert.Equal("no/"u8.ToArray(), small);
    }

    [Fact]
    public void LinksAreFollowedInTheMiddleAndAtTheEnd()
    {
        using var h = new Harness();
        h.Mkdir("/a");
        h.Mkdir("/a/b");
        h.CreateFile("/a/b/f", [1, 2, 3]);
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("a/b"), P("/rel")));
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("/a/b/f"), P("/abs")));
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("../b/f"), P("/a/b/up")));
        Assert.Equal(new byte[] { 1, 2, 3 }, h.ReadAll("/rel/f"));
        Assert.Equal(new byte[] { 1, 2, 3 }, h.ReadAll("/abs"));
        Assert.Equal(new byte[] { 1, 2, 3 }, h.ReadAll("/rel/up"));
        ulong file = h.StatOk("/a/b/f").Inode;
        Assert.Equal(file, h.StatOk("/rel/up").Inode);
        // ".." after a link is the parent of where the link led (Linux's physical walk).
        Assert.Equal(h.StatOk("/a").Inode, h.StatOk("/rel/..").Inode);
        // A trailing slash follows the last link and wants a directory.
        Assert.True(FileMode.IsDirectory(h.StatOk("/rel/").Mode));
        Assert.Equal(VfsError.NotDirectory, h.Stat("/abs/", out _));
        // A link to a file in the middle of a path is NotDirectory.
        Assert.Equal(VfsError.NotDirectory, h.Stat("/abs/x", out _));
        var name = new byte[256];
        Assert.True(h.Vfs.ReadDirectory(P("/rel"), 0, name, out _) > 0);
        var list = h.List("/");
        Assert.Contains(list, e => e.Name == "rel" && e.Type == DirectoryEntryType.SymbolicLink);
    }

    [Fact]
    public void LinksCrossMountsBothWays()
    {
        using var h = new Harness();
        h.Mkdir("/m");
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/m"), 0));
        h.Mkdir("/m/d");
        h.CreateFile("/m/d/f", [9]);
        h.CreateFile("/top", [8]);
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("m/d"), P("/down")));
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("../../top"), P("/m/d/up")));
        Assert.Equal(2UL, h.StatOk("/down/f").Device);
        Assert.Equal(new byte[] { 8 }, h.ReadAll("/down/up"));
        Assert.Equal(1UL, h.StatOk("/down/up").Device);
        Assert.Equal(VfsError.None, h.Vfs.Unlink(P("/m/d/up")));
        Assert.Equal(VfsError.None, h.Vfs.Unlink(P("/m/d/f")));
        Assert.Equal(VfsError.None, h.Vfs.Rmdir(P("/m/d")));
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/m")));
    }

    [Fact]
    public void LoopsAndLongChainsAreLoop()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("self"), P("/self")));
        Assert.Equal(VfsError.Loop, h.Stat("/self", out _));
        Assert.Equal(VfsError.Loop, h.Stat("/self/x", out _));
        Assert.Equal(-(long)VfsError.Loop, h.Open("/self", R));
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("/b"), P("/a")));
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("/a"), P("/b")));
        Assert.Equal(VfsError.Loop, h.Stat("/a", out _));

        // A chain of 40 links resolves; 41 is one too many (Linux MAXSYMLINKS).
        h.CreateFile("/end", [1]);
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("end"), P("/c1")));
        for (int i = 2; i <= 41; i++)
        {
            Assert.Equal(VfsError.None, h.Vfs.Symlink(P($"c{i - 1}"), P($"/c{i}")));
        }

        Assert.Equal(1, h.StatOk($"/c{VfsLimits.MaxSymbolicLinks}").Size);
        Assert.Equal(VfsError.Loop, h.Stat("/c41", out _));
        // lstat follows none at the end.
        Assert.Equal(VfsError.None, h.Vfs.LinkStatus(P("/c41"), out _));
    }

    [Fact]
    public void OpenFollowsUnlessToldNotTo()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1]);
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("f"), P("/l")));
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("new"), P("/dangling")));
        Assert.Equal(-(long)VfsError.Loop, h.Open("/l", R | OpenFlags.NoFollow));
        Assert.Equal(-(long)VfsError.Exists, h.Open("/l", W | Creat | OpenFlags.Exclusive));
        Assert.Equal(-(long)VfsError.Exists, h.Open("/dangling", W | Creat | OpenFlags.Exclusive));
        // O_CREAT through a dangling link makes its target, as Linux.
        int fd = h.OpenOk("/dangling", W | Creat);
        Assert.Equal(2, h.Write(fd, [4, 5]));
        Assert.Equal(VfsError.None, h.Close(fd));
        Assert.Equal(new byte[] { 4, 5 }, h.ReadAll("/new"));
        // O_NOFOLLOW only looks at the last component.
        h.Mkdir("/d");
        h.CreateFile("/d/g", [6]);
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("d"), P("/ld")));
        fd = h.OpenOk("/ld/g", R | OpenFlags.NoFollow);
        Assert.Equal(VfsError.None, h.Close(fd));
        Assert.Equal(-(long)VfsError.NotDirectory, h.Open("/l", R | OpenFlags.Directory));
    }

    [Fact]
    public void UnlinkAndRenameActOnTheLinkNotItsTarget()
    {
        using var h = new Harness();
        h.Mkdir("/d");
        h.CreateFile("/d/f", [1]);
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("d"), P("/l")));
        Assert.Equal(VfsError.None, h.Vfs.Rename(P("/l"), P("/l2")));
        Assert.Equal("d", ReadLink(h, "/l2"));
        Assert.Equal(VfsError.NotDirectory, h.Vfs.Rmdir(P("/l2")));
        Assert.Equal(VfsError.Exists, h.Mkdir("/l2"));
        Assert.Equal(VfsError.None, h.Vfs.Unlink(P("/l2")));
        Assert.Equal(new byte[] { 1 }, h.ReadAll("/d/f"));
        Assert.Equal(VfsError.NoEntry, h.Vfs.LinkStatus(P("/l2"), out _));
    }

    [Fact]
    public void SymlinkAndReadlinkErrors()
    {
        using var h = new Harness();
        h.CreateFile("/f", []);
        Assert.Equal(VfsError.NoEntry, h.Vfs.Symlink([], P("/x")));
        Assert.Equal(VfsError.NameTooLong, h.Vfs.Symlink(new byte[4096], P("/x")));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Symlink(new byte[] { (byte)'a', 0 }, P("/x")));
        Assert.Equal(VfsError.Exists, h.Vfs.Symlink(P("t"), P("/f")));
        Assert.Equal(VfsError.Exists, h.Vfs.Symlink(P("t"), P("/")));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Symlink(P("t"), P("/no/x")));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Symlink(P("t"), P("rel")));
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Vfs.ReadLink(P("/f"), new byte[10]));
        Assert.Equal(-(long)VfsError.NoEntry, h.Vfs.ReadLink(P("/none"), new byte[10]));
        // A target longer than what is left of the path buffer is NameTooLong, not an overrun.
        string longTarget = "/" + string.Join("/", System.Linq.Enumerable.Repeat(new string('b', 250), 16));
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P(longTarget), P("/long")));
        Assert.Equal(VfsError.NameTooLong, h.Stat("/long/" + new string('c', 200), out _));
    }

    [Fact]
    public void RunningOutOfMemoryChangesNothing()
    {
        using var h = new Harness();
        int before = h.Ledger.Outstanding;
        for (int budget = 0; budget < 3; budget++)
        {
            h.Ledger.FailAfter = budget;
            Assert.Equal(VfsError.NoMemory, h.Vfs.Symlink(P("target"), P("/l")));
            h.Ledger.FailAfter = -1;
            Assert.Equal(VfsError.NoEntry, h.Vfs.LinkStatus(P("/l"), out _));
            Assert.Equal(before, h.Ledger.Outstanding);
        }

        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("target"), P("/l")));
        h.CreateFile("/target", [1]);
        // The first link followed needs the path buffers: NoMemory then, nothing after.
        h.Ledger.FailAfter = 0;
        Assert.Equal(VfsError.NoMemory, h.Stat("/l", out _));
        h.Ledger.FailAfter = -1;
        Assert.Equal(1, h.StatOk("/l").Size);
        h.Ledger.FailAfter = 0;
        Assert.Equal(1, h.StatOk("/l").Size);
        h.Ledger.FailAfter = -1;
    }
}
