using Xunit;
using static Aurora.Vfs.Tests.Harness;

namespace Aurora.Vfs.Tests;

public class OpenCloseTests
{
    private const int W = OpenFlags.WriteOnly;
    private const int R = OpenFlags.ReadOnly;
    private const int RW = OpenFlags.ReadWrite;
    private const int Creat = OpenFlags.Create;

    [Fact]
    public void DescriptorsAreTheLowestFreeOnes()
    {
        using var h = new Harness();
        Assert.Equal(0, h.OpenOk("/a", W | Creat));
        Assert.Equal(1, h.OpenOk("/b", W | Creat));
        Assert.Equal(2, h.OpenOk("/c", W | Creat));
        Assert.Equal(VfsError.None, h.Close(1));
        Assert.Equal(VfsError.None, h.Close(0));
        Assert.Equal(0, h.OpenOk("/a", R));
        Assert.Equal(1, h.OpenOk("/a", R));
        Assert.Equal(3, h.OpenOk("/a", R));
        Assert.Equal(4, h.Files.Count);
    }

    [Fact]
    public void TheSixtyFifthOpenIsTooManyOpenFilesAndCreatesNothing()
    {
        using var h = new Harness();
        for (int i = 0; i < VfsLimits.MaxOpenFiles; i++)
        {
            Assert.Equal(i, h.OpenOk("/f", RW | Creat));
        }

        Assert.Equal(-(long)VfsError.TooManyOpenFiles, h.Open("/g", W | Creat));
        Assert.Equal(VfsError.NoEntry, h.Stat("/g", out _));
        Assert.Equal(VfsError.None, h.Close(17));
        Assert.Equal(17, h.OpenOk("/g", W | Creat));
    }

    [Fact]
    public void ClosingABadOrClosedDescriptorIsBadDescriptor()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.BadDescriptor, h.Close(0));
        Assert.Equal(VfsError.BadDescriptor, h.Close(-1));
        Assert.Equal(VfsError.BadDescriptor, h.Close(64));
        int fd = h.OpenOk("/f", W | Creat);
        Assert.Equal(VfsError.None, h.Close(fd));
        Assert.Equal(VfsError.BadDescriptor, h.Close(fd));
    }

    [Fact]
    public void OpenWithoutCreateOfAMissingFileIsNoEntry()
    {
        using var h = new Harness();
        Assert.Equal(-(long)VfsError.NoEntry, h.Open("/f", RW));
        Assert.Equal(0, h.Files.Count);
    }

    [Fact]
    public void CreateKeepsPermissionBitsAndMakesARegularFile()
    {
        using var h = new Harness();
        h.Vfs.Now = 5_250_000_000;
        h.Close(h.OpenOk("/f", W | Creat, 0x1ED | 0x8000 | 0x4000));
        FileStatus st = h.StatOk("/f");
        Assert.Equal(FileMode.Regular | 0x1ED, st.Mode);
        Assert.Equal(1UL, st.LinkCount);
        Assert.Equal(0, st.Size);
        Assert.Equal(1UL, st.Device);
        Assert.Equal(5, st.ModifyTimeSeconds);
        Assert.Equal(250_000_000, st.ModifyTimeNanoseconds);
        Assert.Equal(5, h.StatOk("/").ModifyTimeSeconds);
    }

    [Fact]
    public void CreateOfAnExistingFileOpensIt_ExclusiveRefuses()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1, 2, 3]);
        int fd = h.OpenOk("/f", RW | Creat);
        Assert.Equal(3, h.Vfs.Seek(ref h.Files, fd, 0, SeekOrigin.End));
        Assert.Equal(-(long)VfsError.Exists, h.Open("/f", RW | Creat | OpenFlags.Exclusive));
        Assert.Equal(-(long)VfsError.IsDirectory, h.Open("/", R | Creat | OpenFlags.Exclusive));
        Assert.Equal(VfsError.None, h.Mkdir("/d"));
        Assert.Equal(-(long)VfsError.Exists, h.Open("/d", R | Creat | OpenFlags.Exclusive));
    }

    [Fact]
    public void TruncateOnOpenEmptiesTheFileAndFreesItsPages()
    {
        using var h = new Harness();
        h.CreateFile("/f", new byte[10_000]);
        int before = h.Ledger.Outstanding;
        h.Close(h.OpenOk("/f", W | OpenFlags.Truncate));
        Assert.Equal(0, h.StatOk("/f").Size);
        Assert.True(h.Ledger.Outstanding < before);
        Assert.Empty(h.ReadAll("/f"));
    }

    [Fact]
    public void AppendWritesAlwaysGoToTheEnd()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1, 2]);
        int a = h.OpenOk("/f", W | OpenFlags.Append);
        int b = h.OpenOk("/f", W);
        Assert.Equal(0, h.Vfs.Seek(ref h.Files, a, 0, SeekOrigin.Set));
        Assert.Equal(1, h.Write(a, [3]));
        Assert.Equal(3, h.Vfs.Seek(ref h.Files, a, 0, SeekOrigin.Current));
        Assert.Equal(1, h.Write(b, [9]));
        Assert.Equal(1, h.Write(a, [4]));
        Assert.Equal(new byte[] { 9, 2, 3, 4 }, h.ReadAll("/f"));
    }

    [Fact]
    public void DirectoriesOpenReadOnly()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.None, h.Mkdir("/d"));
        int fd = h.OpenOk("/d", R);
        Assert.Equal(-(long)VfsError.IsDirectory, h.Open("/d", W));
        Assert.Equal(-(long)VfsError.IsDirectory, h.Open("/d", RW));
        Assert.Equal(-(long)VfsError.IsDirectory, h.Open("/d", R | Creat));
        Assert.Equal(-(long)VfsError.IsDirectory, h.Open("/", R | Creat));
        Assert.Equal(-(long)VfsError.IsDirectory, h.Open("/d/.", R | Creat));
        Assert.Equal(VfsError.None, h.Vfs.FStat(ref h.Files, fd, out FileStatus st));
        Assert.True(FileMode.IsDirectory(st.Mode));
        Assert.Equal(-(long)VfsError.IsDirectory, h.Read(fd, new byte[4]));
        Assert.Equal(-(long)VfsError.BadDescriptor, h.Write(fd, [1]));
        h.OpenOk("/d/", R | OpenFlags.Directory);
        h.OpenOk("/", R | OpenFlags.Directory);
    }

    [Fact]
    public void DirectoryFlagOnAFileIsNotDirectory()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1]);
        Assert.Equal(-(long)VfsError.NotDirectory, h.Open("/f", R | OpenFlags.Directory));
    }

    [Fact]
    public void CreateWithATrailingSlashIsIsDirectory()
    {
        using var h = new Harness();
        Assert.Equal(-(long)VfsError.IsDirectory, h.Open("/new/", W | Creat));
        Assert.Equal(VfsError.NoEntry, h.Stat("/new", out _));
    }

    [Fact]
    public void BadAccessModeAndCreateDirectoryAreInvalidArgument()
    {
        using var h = new Harness();
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Open("/f", 3 | Creat));
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Open("/f", R | Creat | OpenFlags.Directory));
        Assert.Equal(VfsError.NoEntry, h.Stat("/f", out _));
    }

    [Fact]
    public void UnknownFlagsAreIgnored()
    {
        using var h = new Harness();
        const int CloseOnExec = 0x80000, LargeFile = 0x8000;
        int fd = h.OpenOk("/f", RW | Creat | CloseOnExec | LargeFile);
        Assert.Equal(2, h.Write(fd, [1, 2]));
    }

    [Fact]
    public void DuplicateSharesTheOffsetAndKeepsTheFileOpen()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1, 2, 3, 4]);
        int fd = h.OpenOk("/f", R);
        long dup = h.Vfs.Duplicate(ref h.Files, fd);
        Assert.Equal(1, dup);
        var one = new byte[1];
        h.Read(fd, one);
        Assert.Equal(VfsError.None, h.Close(fd));
        Assert.Equal(1, h.Read((int)dup, one));
        Assert.Equal(2, one[0]);
        Assert.Equal(-(long)VfsError.BadDescriptor, h.Vfs.Duplicate(ref h.Files, 7));
    }

    [Fact]
    public void CopyDescriptorsSharesEveryDescriptionWithAnEmptyTable()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1, 2, 3]);
        h.OpenOk("/f", R);
        int b = h.OpenOk("/f", R);
        h.Close(0);
        FileTable child = default;
        Assert.Equal(VfsError.None, h.Vfs.CopyDescriptors(ref h.Files, ref child));
        Assert.False(child.IsOpen(0));
        Assert.True(child.IsOpen(b));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.CopyDescriptors(ref h.Files, ref child));
        var two = new byte[2];
        Assert.Equal(2, h.Vfs.Read(ref child, b, two));
        Assert.Equal(1, h.Read(b, two));
        Assert.Equal(3, two[0]);
        h.Vfs.CloseAll(ref child);
        Assert.Equal(0, child.Count);
        Assert.Equal(1, h.Files.Count);
    }

    [Fact]
    public void OpenOutOfMemoryChangesNothing()
    {
        using var h = new Harness();
        h.CreateFile("/exists", [1]);
        for (int budget = 0; budget < 3; budget++)
        {
            int blocks = h.Ledger.Outstanding;
            h.Ledger.FailAfter = budget;
            Assert.Equal(-(long)VfsError.NoMemory, h.Open("/new", W | Creat));
            h.Ledger.FailAfter = 0;
            Assert.Equal(-(long)VfsError.NoMemory, h.Open("/exists", R));
            h.Ledger.FailAfter = -1;
            Assert.Equal(blocks, h.Ledger.Outstanding);
            Assert.Equal(VfsError.NoEntry, h.Stat("/new", out _));
            Assert.Single(h.List("/"));
            Assert.Equal(0, h.Files.Count);
        }

        h.Ledger.FailAfter = 3;
        Assert.Equal(0, h.OpenOk("/new", W | Creat));
    }
}
