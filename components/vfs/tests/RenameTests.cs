using System.Linq;
using Xunit;

namespace Aurora.Vfs.Tests;

public class RenameTests
{
    private static VfsError Rename(Harness h, string from, string to) => h.Vfs.Rename(Harness.P(from), Harness.P(to));

    [Fact]
    public void RenameMovesAFileAndKeepsItsInodeAndContents()
    {
        using var h = new Harness();
        h.Mkdir("/d");
        h.CreateFile("/f", [1, 2]);
        ulong inode = h.StatOk("/f").Inode;
        Assert.Equal(VfsError.None, Rename(h, "/f", "/d/g"));
        Assert.Equal(VfsError.NoEntry, h.Stat("/f", out _));
        Assert.Equal(inode, h.StatOk("/d/g").Inode);
        Assert.Equal(new byte[] { 1, 2 }, h.ReadAll("/d/g"));
        Assert.Equal(VfsError.None, Rename(h, "/d/g", "/d/a-much-longer-name"));
        Assert.Equal(new byte[] { 1, 2 }, h.ReadAll("/d/a-much-longer-name"));
    }

    [Fact]
    public void RenameOverAFileReplacesIt_AnOpenVictimLivesOn()
    {
        using var h = new Harness();
        h.CreateFile("/a", [1]);
        h.CreateFile("/b", [2, 2]);
        int fd = h.OpenOk("/b", OpenFlags.ReadOnly);
        Assert.Equal(VfsError.None, Rename(h, "/a", "/b"));
        Assert.Equal(new byte[] { 1 }, h.ReadAll("/b"));
        Assert.Single(h.List("/"));
        var buffer = new byte[4];
        Assert.Equal(2, h.Read(fd, buffer));
    }

    [Fact]
    public void RenameMovesADirectoryWithItsContentsAndFixesLinksAndDotDot()
    {
        using var h = new Harness();
        h.Mkdir("/a");
        h.Mkdir("/a/sub");
        h.CreateFile("/a/sub/f", [5]);
        h.Mkdir("/b");
        Assert.Equal(VfsError.None, Rename(h, "/a/sub", "/b/moved"));
        Assert.Equal(new byte[] { 5 }, h.ReadAll("/b/moved/f"));
        Assert.Equal(2UL, h.StatOk("/a").LinkCount);
        Assert.Equal(3UL, h.StatOk("/b").LinkCount);
        Assert.Equal(h.StatOk("/b").Inode, h.StatOk("/b/moved/..").Inode);
        Assert.Equal(VfsError.None, Rename(h, "/b/moved/", "/b/again/"));
        Assert.Equal(3UL, h.StatOk("/b").LinkCount);
    }

    [Fact]
    public void RenameOverAnEmptyDirectoryReplacesIt_NonEmptyIsNotEmpty()
    {
        using var h = new Harness();
        h.Mkdir("/a");
        h.CreateFile("/a/f", [1]);
        h.Mkdir("/empty");
        h.Mkdir("/full");
        h.Mkdir("/full/x");
        Assert.Equal(VfsError.NotEmpty, Rename(h, "/a", "/full"));
        Assert.Equal(VfsError.None, Rename(h, "/a", "/empty"));
        Assert.Equal(new byte[] { 1 }, h.ReadAll("/empty/f"));
        Assert.Equal(4UL, h.StatOk("/").LinkCount);
        Assert.Equal(VfsError.NotEmpty, Rename(h, "/full/x", "/full"));
    }

    [Fact]
    public void RenameKindMismatchesAreRefused()
    {
        using var h = new Harness();
        h.Mkdir("/d");
        h.CreateFile("/f", [1]);
        Assert.Equal(VfsError.NotDirectory, Rename(h, "/d", "/f"));
        Assert.Equal(VfsError.IsDirectory, Rename(h, "/f", "/d"));
        Assert.Equal(VfsError.NotDirectory, Rename(h, "/f/", "/g"));
        Assert.Equal(VfsError.NotDirectory, Rename(h, "/f", "/g/"));
    }

    [Fact]
    public void ADirectoryCannotMoveIntoItself()
    {
        using var h = new Harness();
        h.Mkdir("/a");
        h.Mkdir("/a/b");
        Assert.Equal(VfsError.InvalidArgument, Rename(h, "/a", "/a/x"));
        Assert.Equal(VfsError.InvalidArgument, Rename(h, "/a", "/a/b/x"));
        Assert.Equal(VfsError.None, Rename(h, "/a/b", "/b"));
    }

    [Fact]
    public void RenameOntoItselfOrItsOwnNameDoesNothing()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1]);
        h.Mkdir("/d");
        Assert.Equal(VfsError.None, Rename(h, "/f", "/f"));
        Assert.Equal(VfsError.None, Rename(h, "/d", "/./d"));
        Assert.Equal(new[] { "f", "d" }, h.List("/").Select(x => x.Name));
    }

    [Fact]
    public void RenameErrors()
    {
        using var h = new Harness();
        h.Mkdir("/d");
        Assert.Equal(VfsError.NoEntry, Rename(h, "/x", "/y"));
        Assert.Equal(VfsError.NoEntry, Rename(h, "/x/y", "/y"));
        Assert.Equal(VfsError.NoEntry, Rename(h, "/d", "/x/y"));
        Assert.Equal(VfsError.Busy, Rename(h, "/", "/y"));
        Assert.Equal(VfsError.Busy, Rename(h, "/d/.", "/y"));
        Assert.Equal(VfsError.Busy, Rename(h, "/d", "/d/.."));
        Assert.Equal(VfsError.NameTooLong, Rename(h, "/d", "/" + new string('x', 256)));
    }

    [Fact]
    public void RenameOutOfMemoryChangesNothing()
    {
        using var h = new Harness();
        h.CreateFile("/a", [1]);
        h.CreateFile("/b", [2]);
        h.Ledger.FailAfter = 0;
        Assert.Equal(VfsError.NoMemory, Rename(h, "/a", "/b"));
        h.Ledger.FailAfter = -1;
        Assert.Equal(new byte[] { 1 }, h.ReadAll("/a"));
        Assert.Equal(new byte[] { 2 }, h.ReadAll("/b"));
    }
}
