using Xunit;
using static Aurora.Vfs.Tests.Harness;

namespace Aurora.Vfs.Tests;

public class PathTests
{
    [Fact]
    public void DotDotRepeatedSlashesAndDotsResolveLikeLinux()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.None, h.Mkdir("/a"));
        Assert.Equal(VfsError.None, h.Mkdir("/a/b"));
        Assert.Equal(VfsError.None, h.Mkdir("/c"));
        h.CreateFile("/c/f", [1, 2, 3]);
        ulong f = h.StatOk("/c/f").Inode;
        Assert.Equal(f, h.StatOk("/a/b/../../c/f").Inode);
        Assert.Equal(f, h.StatOk("//c///f").Inode);
        Assert.Equal(f, h.StatOk("/./c/./f").Inode);
        Assert.Equal(f, h.StatOk("/../../c/f").Inode);
        Assert.Equal(h.StatOk("/").Inode, h.StatOk("/a/..").Inode);
        Assert.Equal(h.StatOk("/").Inode, h.StatOk("/..").Inode);
        Assert.Equal(h.StatOk("/a").Inode, h.StatOk("/a/b/..").Inode);
    }

    [Fact]
    public void RootIsADirectoryWithInodeOneAndTmpfsMode()
    {
        using var h = new Harness();
        FileStatus root = h.StatOk("/");
        Assert.Equal(1UL, root.Inode);
        Assert.Equal(FileMode.Directory | 0x3FF, root.Mode);
        Assert.Equal(2UL, root.LinkCount);
        Assert.Equal(root.Inode, h.StatOk("////").Inode);
    }

    [Fact]
    public void TrailingSlashIsAllowedOnDirectoriesOnly()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.None, h.Mkdir("/d/"));
        h.CreateFile("/f", [1]);
        Assert.Equal(VfsError.None, h.Stat("/d/", out _));
        Assert.Equal(VfsError.None, h.Stat("/d//", out _));
        Assert.Equal(VfsError.NotDirectory, h.Stat("/f/", out _));
        Assert.Equal(VfsError.NotDirectory, h.Stat("/f/.", out _));
        Assert.Equal(-(long)VfsError.NotDirectory, h.Open("/f/", OpenFlags.ReadOnly));
    }

    [Fact]
    public void AFileInTheMiddleOfAPathIsNotADirectory()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1]);
        Assert.Equal(VfsError.NotDirectory, h.Stat("/f/x", out _));
        Assert.Equal(VfsError.NotDirectory, h.Stat("/f/x/y", out _));
        Assert.Equal(VfsError.NotDirectory, h.Stat("/f/..", out _));
        Assert.Equal(VfsError.NotDirectory, h.Mkdir("/f/x"));
        Assert.Equal(-(long)VfsError.NotDirectory, h.Open("/f/x", OpenFlags.Create | OpenFlags.WriteOnly));
    }

    [Fact]
    public void MissingComponentsAreNoEntry()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.NoEntry, h.Stat("/nope", out _));
        Assert.Equal(VfsError.NoEntry, h.Stat("/nope/x", out _));
        Assert.Equal(VfsError.NoEntry, h.Stat("/nope/..", out _));
        Assert.Equal(VfsError.NoEntry, h.Mkdir("/nope/x"));
        Assert.Equal(-(long)VfsError.NoEntry, h.Open("/nope/x", OpenFlags.Create | OpenFlags.WriteOnly));
    }

    [Fact]
    public void EmptyRelativeAndNulPathsAreRefused()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.NoEntry, h.Stat("", out _));
        Assert.Equal(VfsError.InvalidArgument, h.Stat("a", out _));
        Assert.Equal(VfsError.InvalidArgument, h.Stat("./a", out _));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Stat(new byte[] { (byte)'/', (byte)'a', 0, (byte)'b' }, out _));
    }

    [Fact]
    public void ComponentsOfAtMost255BytesAreAccepted()
    {
        using var h = new Harness();
        string name255 = new('n', 255);
        string name256 = new('n', 256);
        Assert.Equal(VfsError.None, h.Mkdir("/" + name255));
        Assert.Equal(VfsError.None, h.Stat("/" + name255, out _));
        Assert.Equal(VfsError.NameTooLong, h.Mkdir("/" + name256));
        Assert.Equal(VfsError.NameTooLong, h.Stat("/" + name256 + "/x", out _));
        Assert.Equal(-(long)VfsError.NameTooLong, h.Open("/" + name256, OpenFlags.Create | OpenFlags.WriteOnly));
        Assert.Equal(name255, Assert.Single(h.List("/")).Name);
    }

    [Fact]
    public void PathsOfAtMost4095BytesAreAccepted()
    {
        using var h = new Harness();
        // "/d" + "/." repeated: 2 + 2k bytes; then pad with slashes to the exact length.
        string path4095 = "/d" + string.Concat(System.Linq.Enumerable.Repeat("/.", 2046)) + "/";
        Assert.Equal(4095, path4095.Length);
        Assert.Equal(VfsError.None, h.Mkdir("/d"));
        Assert.Equal(VfsError.None, h.Stat(path4095, out _));
        Assert.Equal(VfsError.NameTooLong, h.Stat(path4095 + "/", out _));
    }

    [Fact]
    public void DeepPathsResolveWithoutRecursion()
    {
        using var h = new Harness();
        string path = "";
        for (int i = 0; i < 1000; i++)
        {
            path += "/d";
            Assert.Equal(VfsError.None, h.Mkdir(path));
        }

        h.CreateFile(path + "/leaf", [42]);
        Assert.Equal(new byte[] { 42 }, h.ReadAll(path + "/leaf"));
        // Disposing frees the 1000-deep tree iteratively (Harness.Dispose checks the ledger).
    }
}
