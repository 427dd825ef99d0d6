using System.Collections.Generic;
using System.Linq;
using System.Text;
using Xunit;

namespace Aurora.Vfs.Tests;

public class DirectoryTests
{
    private const int W = OpenFlags.WriteOnly;
    private const int R = OpenFlags.ReadOnly;
    private const int Creat = OpenFlags.Create;

    [Fact]
    public void MkdirMakesADirectoryAndCountsLinks()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.None, h.Mkdir("/a", 0x1C0));
        Assert.Equal(VfsError.None, h.Mkdir("/a/b"));
        Assert.Equal(VfsError.None, h.Mkdir("/a/c/"));
        FileStatus a = h.StatOk("/a");
        Assert.Equal(FileMode.Directory | 0x1C0, a.Mode);
        Assert.Equal(4UL, a.LinkCount);
        Assert.Equal(3UL, h.StatOk("/").LinkCount);
        Assert.Equal(2UL, h.StatOk("/a/b").LinkCount);
        Assert.Equal((2 + 2) * 20, a.Size);
    }

    [Fact]
    public void MkdirErrors()
    {
        using var h = new Harness();
        h.Mkdir("/a");
        h.CreateFile("/f", [1]);
        Assert.Equal(VfsError.Exists, h.Mkdir("/a"));
        Assert.Equal(VfsError.Exists, h.Mkdir("/f"));
        Assert.Equal(VfsError.Exists, h.Mkdir("/"));
        Assert.Equal(VfsError.Exists, h.Mkdir("/a/."));
        Assert.Equal(VfsError.Exists, h.Mkdir("/a/.."));
        Assert.Equal(VfsError.NoEntry, h.Mkdir("/x/y"));
        Assert.Equal(VfsError.NotDirectory, h.Mkdir("/f/y"));
    }

    [Fact]
    public void MkdirOutOfMemoryChangesNothing()
    {
        using var h = new Harness();
        for (int budget = 0; budget < 2; budget++)
        {
            int blocks = h.Ledger.Outstanding;
            h.Ledger.FailAfter = budget;
            Assert.Equal(VfsError.NoMemory, h.Mkdir("/a"));
            h.Ledger.FailAfter = -1;
            Assert.Equal(blocks, h.Ledger.Outstanding);
            Assert.Empty(h.List("/"));
            Assert.Equal(2UL, h.StatOk("/").LinkCount);
        }
    }

    [Fact]
    public void RmdirRemovesOnlyEmptyDirectories()
    {
        using var h = new Harness();
        h.Mkdir("/a");
        h.Mkdir("/a/b");
        h.CreateFile("/a/f", [1]);
        Assert.Equal(VfsError.NotEmpty, h.Vfs.Rmdir(Harness.P("/a")));
        Assert.Equal(VfsError.NotDirectory, h.Vfs.Rmdir(Harness.P("/a/f")));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Rmdir(Harness.P("/a/x")));
        Assert.Equal(VfsError.Busy, h.Vfs.Rmdir(Harness.P("/")));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Rmdir(Harness.P("/a/b/.")));
        Assert.Equal(VfsError.NotEmpty, h.Vfs.Rmdir(Harness.P("/a/b/..")));
        Assert.Equal(VfsError.None, h.Vfs.Rmdir(Harness.P("/a/b/")));
        Assert.Equal(2UL, h.StatOk("/a").LinkCount);
        Assert.Equal(VfsError.None, h.Vfs.Unlink(Harness.P("/a/f")));
        Assert.Equal(VfsError.None, h.Vfs.Rmdir(Harness.P("/a")));
        Assert.Empty(h.List("/"));
    }

    [Fact]
    public void ARemovedDirectoryStillOpenIsEmptyAndItsDotDotIsItself()
    {
        using var h = new Harness();
        h.Mkdir("/a");
        h.Mkdir("/a/b");
        int fd = h.OpenOk("/a/b", R);
        Assert.Equal(VfsError.None, h.Vfs.Rmdir(Harness.P("/a/b")));
        Assert.Equal(VfsError.None, h.Vfs.Rmdir(Harness.P("/a")));
        var name = new byte[256];
        Assert.Equal(2, h.Vfs.ReadDirectory(ref h.Files, fd, 1, name, out DirectoryEntry dotdot));
        Assert.Equal(0, h.Vfs.ReadDirectory(ref h.Files, fd, 2, name, out _));
        Assert.Equal(VfsError.None, h.Vfs.FStat(ref h.Files, fd, out FileStatus st));
        Assert.Equal(0UL, st.LinkCount);
        Assert.Equal(st.Inode, dotdot.Inode);
    }

    [Fact]
    public void UnlinkRemovesFilesNotDirectories()
    {
        using var h = new Harness();
        h.Mkdir("/d");
        h.CreateFile("/d/f", [1]);
        Assert.Equal(VfsError.IsDirectory, h.Vfs.Unlink(Harness.P("/d")));
        Assert.Equal(VfsError.IsDirectory, h.Vfs.Unlink(Harness.P("/")));
        Assert.Equal(VfsError.IsDirectory, h.Vfs.Unlink(Harness.P("/d/.")));
        Assert.Equal(VfsError.IsDirectory, h.Vfs.Unlink(Harness.P("/d/..")));
        Assert.Equal(VfsError.NotDirectory, h.Vfs.Unlink(Harness.P("/d/f/")));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Unlink(Harness.P("/d/g")));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Unlink(Harness.P("/x/g")));
        Assert.Equal(VfsError.None, h.Vfs.Unlink(Harness.P("/d/f")));
        Assert.Equal(VfsError.NoEntry, h.Stat("/d/f", out _));
        Assert.Empty(h.List("/d"));
    }

    [Fact]
    public void AnUnlinkedFileStaysReadableUntilItsLastClose()
    {
        using var h = new Harness();
        int empty = h.Ledger.Outstanding;
        h.CreateFile("/f", [1, 2, 3]);
        int a = h.OpenOk("/f", OpenFlags.ReadWrite);
        int b = h.OpenOk("/f", R);
        Assert.Equal(VfsError.None, h.Vfs.Unlink(Harness.P("/f")));
        Assert.Equal(VfsError.NoEntry, h.Stat("/f", out _));
        Assert.Equal(1, h.Write(a, [9]));
        var buffer = new byte[8];
        Assert.Equal(3, h.Read(b, buffer));
        Assert.Equal(new byte[] { 9, 2, 3 }, buffer.Take(3));
        Assert.Equal(VfsError.None, h.Vfs.FStat(ref h.Files, b, out FileStatus st));
        Assert.Equal(0UL, st.LinkCount);
        h.Close(a);
        Assert.True(h.Ledger.Outstanding > empty);
        h.Close(b);
        Assert.Equal(empty, h.Ledger.Outstanding);
        // A new file of the same name is a different inode.
        h.CreateFile("/f", []);
        Assert.NotEqual(st.Inode, h.StatOk("/f").Inode);
    }

    [Fact]
    public void ReadDirectoryListsDotDotDotAndNamesInCreationOrder()
    {
        using var h = new Harness();
        h.Mkdir("/d");
        h.CreateFile("/d/zeta", [1]);
        h.Mkdir("/d/alpha");
        h.CreateFile("/d/mid", [1]);
        int fd = h.OpenOk("/d", R);
        var name = new byte[256];
        Assert.Equal(1, h.Vfs.ReadDirectory(ref h.Files, fd, 0, name, out DirectoryEntry e));
        Assert.Equal((byte)'.', name[0]);
        Assert.Equal(h.StatOk("/d").Inode, e.Inode);
        Assert.Equal(DirectoryEntryType.Directory, e.Type);
        Assert.Equal(2, h.Vfs.ReadDirectory(ref h.Files, fd, 1, name, out e));
        Assert.Equal(h.StatOk("/").Inode, e.Inode);
        Assert.Equal(
            new[] { ("zeta", DirectoryEntryType.Regular), ("alpha", DirectoryEntryType.Directory), ("mid", DirectoryEntryType.Regular) },
            h.List("/d").Select(x => (x.Name, x.Type)));
        Assert.Equal(h.StatOk("/d/alpha").Inode, h.List("/d")[1].Inode);
        Assert.Equal(0, h.Vfs.ReadDirectory(ref h.Files, fd, 5, name, out _));
        Assert.Equal(0, h.Vfs.ReadDirectory(ref h.Files, fd, 500, name, out _));
    }

    [Fact]
    public void ReadDirectoryOffsetsAreCursorsThatSurviveRemovals()
    {
        // A readdir + unlink loop (rm -r) must see every name: offsets are cookies, not positions.
        using var h = new Harness();
        h.Mkdir("/d");
        const int Files = 200;
        for (int i = 0; i < Files; i++)
        {
            h.CreateFile($"/d/f{i:D3}", [1]);
        }

        int fd = h.OpenOk("/d", R);
        var name = new byte[256];
        var seen = new List<string>();
        long offset = 0;
        while (true)
        {
            long n = h.Vfs.ReadDirectory(ref h.Files, fd, offset, name, out DirectoryEntry e);
            Assert.True(n >= 0);
            if (n == 0)
            {
                break;
            }

            Assert.True(e.Offset > offset, $"offset {e.Offset} after {offset}");
            offset = e.Offset;
            string s = Encoding.UTF8.GetString(name, 0, (int)n);
            if (s is "." or "..")
            {
                continue;
            }

            seen.Add(s);
            Assert.Equal(VfsError.None, h.Vfs.Unlink(Harness.P("/d/" + s)));
        }

        Assert.Equal(Enumerable.Range(0, Files).Select(i => $"f{i:D3}"), seen);
        Assert.Empty(h.List("/d"));

        // Names removed ahead of the cursor are not returned; names added are (at the end); the
        // offset of a name that stays is the same on every pass.
        h.CreateFile("/d/a", [1]);
        h.CreateFile("/d/b", [1]);
        h.CreateFile("/d/c", [1]);
        Assert.Equal(1, h.Vfs.ReadDirectory(ref h.Files, fd, 2, name, out DirectoryEntry first));
        Assert.Equal((byte)'a', name[0]);
        Assert.Equal(VfsError.None, h.Vfs.Unlink(Harness.P("/d/b")));
        h.CreateFile("/d/e", [1]);
        Assert.Equal(1, h.Vfs.ReadDirectory(ref h.Files, fd, first.Offset, name, out DirectoryEntry next));
        Assert.Equal((byte)'c', name[0]);
        Assert.Equal(VfsError.None, h.Vfs.Rename(Harness.P("/d/a"), Harness.P("/d/z")));
        Assert.Equal(1, h.Vfs.ReadDirectory(ref h.Files, fd, next.Offset, name, out DirectoryEntry last));
        Assert.Equal((byte)'e', name[0]);
        Assert.Equal(1, h.Vfs.ReadDirectory(ref h.Files, fd, last.Offset, name, out DirectoryEntry renamed));
        Assert.Equal((byte)'z', name[0]);   // a rename links the name anew, at the end
        Assert.Equal(0, h.Vfs.ReadDirectory(ref h.Files, fd, renamed.Offset, name, out _));
        Assert.Equal(1, h.Vfs.ReadDirectory(ref h.Files, fd, 2, name, out DirectoryEntry again));
        Assert.Equal((byte)'c', name[0]);
        Assert.Equal(next.Offset, again.Offset);
    }

    [Fact]
    public void ReadDirectoryErrors()
    {
        using var h = new Harness();
        h.CreateFile("/long-name", [1]);
        int file = h.OpenOk("/long-name", R);
        int dir = h.OpenOk("/", R);
        var name = new byte[256];
        Assert.Equal(-(long)VfsError.NotDirectory, h.Vfs.ReadDirectory(ref h.Files, file, 0, name, out _));
        Assert.Equal(-(long)VfsError.BadDescriptor, h.Vfs.ReadDirectory(ref h.Files, 9, 0, name, out _));
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Vfs.ReadDirectory(ref h.Files, dir, -1, name, out _));
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Vfs.ReadDirectory(ref h.Files, dir, 2, new byte[4], out _));
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Vfs.ReadDirectory(ref h.Files, dir, 1, new byte[1], out _));
        Assert.Equal(-(long)VfsError.NoEntry, h.Vfs.ReadDirectory(Harness.P("/x"), 0, name, out _));
        Assert.Equal(-(long)VfsError.NotDirectory, h.Vfs.ReadDirectory(Harness.P("/long-name"), 0, name, out _));
    }

    [Fact]
    public void NamesAreBytesNotText()
    {
        using var h = new Harness();
        byte[] path = [(byte)'/', 0xFF, 0xC3, (byte)'x'];
        FileTable files = default;
        long fd = h.Vfs.Open(ref files, path, W | Creat, 0x1A4);
        Assert.True(fd >= 0);
        h.Vfs.CloseAll(ref files);
        var name = new byte[256];
        Assert.Equal(3, h.Vfs.ReadDirectory(Harness.P("/"), 2, name, out _));
        Assert.Equal(path.Skip(1), name.Take(3));
        Assert.Equal(VfsError.NoEntry, h.Stat("/" + Encoding.Latin1.GetString([0xFF, 0xC4, (byte)'x']), out _));
    }

    [Fact]
    public void ManyEntriesInOneDirectoryAreAllFound()
    {
        using var h = new Harness();
        for (int i = 0; i < 2000; i++)
        {
            Assert.Equal(VfsError.None, h.Mkdir("/e" + i));
        }

        for (int i = 0; i < 2000; i += 7)
        {
            Assert.Equal(VfsError.None, h.Stat("/e" + i, out _));
        }

        Assert.Equal(2000, h.List("/").Count);
        Assert.Equal(2002UL, h.StatOk("/").LinkCount);
    }
}
