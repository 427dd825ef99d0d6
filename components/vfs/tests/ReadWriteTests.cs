using System;
using System.Linq;
using Xunit;

namespace Aurora.Vfs.Tests;

public class ReadWriteTests
{
    private const int W = OpenFlags.WriteOnly;
    private const int R = OpenFlags.ReadOnly;
    private const int RW = OpenFlags.ReadWrite;
    private const int Creat = OpenFlags.Create;

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + seed)).ToArray();

    [Fact]
    public void WrittenBytesReadBackAcrossPageBoundaries()
    {
        using var h = new Harness();
        byte[] data = Pattern(3 * 4096 + 123, 1);
        int fd = h.OpenOk("/f", RW | Creat);
        Assert.Equal(data.Length, h.Write(fd, data));
        Assert.Equal(data.Length, h.StatOk("/f").Size);
        Assert.Equal(0, h.Vfs.Seek(ref h.Files, fd, 0, SeekOrigin.Set));
        var back = new byte[data.Length + 10];
        Assert.Equal(data.Length, h.Read(fd, back));
        Assert.Equal(data, back.Take(data.Length).ToArray());
        Assert.Equal(0, h.Read(fd, back));
    }

    [Fact]
    public void ReadsAndWritesMoveTheOffset()
    {
        using var h = new Harness();
        int fd = h.OpenOk("/f", RW | Creat);
        h.Write(fd, [1, 2, 3, 4, 5]);
        Assert.Equal(1, h.Vfs.Seek(ref h.Files, fd, 1, SeekOrigin.Set));
        var two = new byte[2];
        Assert.Equal(2, h.Read(fd, two));
        Assert.Equal(new byte[] { 2, 3 }, two);
        Assert.Equal(1, h.Write(fd, [9]));
        Assert.Equal(new byte[] { 1, 2, 3, 9, 5 }, h.ReadAll("/f"));
        Assert.Equal(0, h.Read(fd, Array.Empty<byte>()));
        Assert.Equal(0, h.Write(fd, Array.Empty<byte>()));
    }

    [Fact]
    public void WritingPastTheEndLeavesAHoleThatReadsAsZerosAndTakesNoPages()
    {
        using var h = new Harness();
        int fd = h.OpenOk("/f", RW | Creat);
        h.Write(fd, [1]);
        Assert.Equal(100_000, h.Vfs.Seek(ref h.Files, fd, 100_000, SeekOrigin.Set));
        h.Write(fd, [2]);
        byte[] all = h.ReadAll("/f");
        Assert.Equal(100_001, all.Length);
        Assert.Equal(1, all[0]);
        Assert.Equal(2, all[100_000]);
        Assert.All(all.Skip(1).Take(99_999), b => Assert.Equal(0, b));
        FileStatus st = h.StatOk("/f");
        Assert.Equal(2 * 8, st.Blocks);
        Assert.Equal(4096, st.BlockSize);
        h.Vfs.StatFileSystem(Harness.P("/"), out FileSystemStatus fs);
        Assert.Equal(2UL * 4096, fs.UsedBytes);
    }

    [Fact]
    public void ShrinkingThenGrowingNeverShowsOldBytes()
    {
        using var h = new Harness();
        h.CreateFile("/f", Pattern(10_000, 3));
        Assert.Equal(VfsError.None, h.Vfs.Truncate(Harness.P("/f"), 5000));
        Assert.Equal(VfsError.None, h.Vfs.Truncate(Harness.P("/f"), 9000));
        byte[] all = h.ReadAll("/f");
        Assert.Equal(Pattern(10_000, 3).Take(5000), all.Take(5000));
        Assert.All(all.Skip(5000), b => Assert.Equal(0, b));
        Assert.Equal(2 * 8, h.StatOk("/f").Blocks);

        // Same through a write past the end after a shrink.
        int fd = h.OpenOk("/f", RW);
        Assert.Equal(VfsError.None, h.Vfs.Truncate(ref h.Files, fd, 10));
        h.Vfs.Seek(ref h.Files, fd, 20, SeekOrigin.Set);
        h.Write(fd, [7]);
        all = h.ReadAll("/f");
        Assert.Equal(21, all.Length);
        Assert.All(all.Skip(10).Take(10), b => Assert.Equal(0, b));
    }

    [Fact]
    public void TruncateGrowingFromNothingAndShrinkingAgainFreesEverything()
    {
        using var h = new Harness();
        h.CreateFile("/f", []);
        int empty = h.Ledger.Outstanding;
        Assert.Equal(VfsError.None, h.Vfs.Truncate(Harness.P("/f"), 50_000));
        Assert.Equal(50_000, h.StatOk("/f").Size);
        Assert.Equal(0, h.StatOk("/f").Blocks);
        Assert.Equal(VfsError.None, h.Vfs.Truncate(Harness.P("/f"), 30_001));
        h.CreateFile("/g", Pattern(9000, 1));
        Assert.Equal(VfsError.None, h.Vfs.Truncate(Harness.P("/f"), 0));
        Assert.Equal(VfsError.None, h.Vfs.Truncate(Harness.P("/g"), 0));
        Assert.Equal(empty + 1 + 1, h.Ledger.Outstanding); // + /g's inode and entry
    }

    [Fact]
    public void TruncateErrors()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1]);
        h.Mkdir("/d");
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Truncate(Harness.P("/f"), -1));
        Assert.Equal(VfsError.IsDirectory, h.Vfs.Truncate(Harness.P("/d"), 0));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Truncate(Harness.P("/x"), 0));
        Assert.Equal(VfsError.FileTooLarge, h.Vfs.Truncate(Harness.P("/f"), VfsLimits.MaxFileSize + 1));
        int ro = h.OpenOk("/f", R);
        int dir = h.OpenOk("/d", R);
        int rw = h.OpenOk("/f", RW);
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Truncate(ref h.Files, ro, 0));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Truncate(ref h.Files, dir, 0));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.Truncate(ref h.Files, rw, -5));
        Assert.Equal(VfsError.BadDescriptor, h.Vfs.Truncate(ref h.Files, 40, 0));
        Assert.Equal(VfsError.None, h.Vfs.Truncate(ref h.Files, rw, VfsLimits.MaxFileSize));
        Assert.Equal(VfsLimits.MaxFileSize, h.StatOk("/f").Size);
    }

    [Fact]
    public void AccessModesAreEnforcedWithBadDescriptor()
    {
        using var h = new Harness();
        h.CreateFile("/f", [1, 2]);
        int ro = h.OpenOk("/f", R);
        int wo = h.OpenOk("/f", W);
        Assert.Equal(-(long)VfsError.BadDescriptor, h.Write(ro, [1]));
        Assert.Equal(-(long)VfsError.BadDescriptor, h.Read(wo, new byte[1]));
        Assert.Equal(-(long)VfsError.BadDescriptor, h.Read(9, new byte[1]));
        Assert.Equal(-(long)VfsError.BadDescriptor, h.Write(-1, [1]));
        Assert.Equal(1, h.Write(wo, [5]));
        Assert.Equal(new byte[] { 5, 2 }, h.ReadAll("/f"));
    }

    [Fact]
    public void SeekOriginsAndErrors()
    {
        using var h = new Harness();
        h.CreateFile("/f", new byte[100]);
        int fd = h.OpenOk("/f", R);
        Assert.Equal(10, h.Vfs.Seek(ref h.Files, fd, 10, SeekOrigin.Set));
        Assert.Equal(15, h.Vfs.Seek(ref h.Files, fd, 5, SeekOrigin.Current));
        Assert.Equal(5, h.Vfs.Seek(ref h.Files, fd, -10, SeekOrigin.Current));
        Assert.Equal(90, h.Vfs.Seek(ref h.Files, fd, -10, SeekOrigin.End));
        Assert.Equal(1000, h.Vfs.Seek(ref h.Files, fd, 900, SeekOrigin.End));
        Assert.Equal(0, h.Read(fd, new byte[5]));
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Vfs.Seek(ref h.Files, fd, -1, SeekOrigin.Set));
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Vfs.Seek(ref h.Files, fd, -101, SeekOrigin.End));
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Vfs.Seek(ref h.Files, fd, 0, 3));
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Vfs.Seek(ref h.Files, fd, long.MaxValue, SeekOrigin.Current));
        Assert.Equal(1000, h.Vfs.Seek(ref h.Files, fd, 0, SeekOrigin.Current));
        Assert.Equal(-(long)VfsError.BadDescriptor, h.Vfs.Seek(ref h.Files, 30, 0, SeekOrigin.Set));
        h.Mkdir("/d");
        int dir = h.OpenOk("/d", R);
        Assert.Equal(3, h.Vfs.Seek(ref h.Files, dir, 3, SeekOrigin.Set));
        Assert.Equal(-(long)VfsError.InvalidArgument, h.Vfs.Seek(ref h.Files, dir, 0, SeekOrigin.End));
    }

    [Fact]
    public void WritesStopAtTheMaximumFileSize()
    {
        using var h = new Harness();
        int fd = h.OpenOk("/f", RW | Creat);
        Assert.Equal(VfsLimits.MaxFileSize - 2, h.Vfs.Seek(ref h.Files, fd, VfsLimits.MaxFileSize - 2, SeekOrigin.Set));
        Assert.Equal(2, h.Write(fd, [1, 2, 3, 4]));
        Assert.Equal(-(long)VfsError.FileTooLarge, h.Write(fd, [5]));
        Assert.Equal(VfsLimits.MaxFileSize, h.StatOk("/f").Size);
        Assert.Equal(8, h.StatOk("/f").Blocks);
    }

    [Fact]
    public void CapacityIsEnforcedWithNoSpaceAndPartialWrites()
    {
        using var h = new Harness(capacityBytes: 3 * 4096);
        int fd = h.OpenOk("/f", RW | Creat);
        Assert.Equal(3 * 4096, h.Write(fd, new byte[4 * 4096]));
        Assert.Equal(-(long)VfsError.NoSpace, h.Write(fd, [1]));
        // Rewriting allocated pages needs no space; a hole does.
        h.Vfs.Seek(ref h.Files, fd, 0, SeekOrigin.Set);
        Assert.Equal(4096, h.Write(fd, new byte[4096]));
        h.Vfs.StatFileSystem(Harness.P("/f"), out FileSystemStatus fs);
        Assert.Equal(3UL * 4096, fs.CapacityBytes);
        Assert.Equal(3UL * 4096, fs.UsedBytes);
        Assert.Equal(VfsError.None, h.Vfs.Truncate(ref h.Files, fd, 4096));
        Assert.Equal(2 * 4096, h.Vfs.Seek(ref h.Files, fd, 2 * 4096, SeekOrigin.Set));
        Assert.Equal(4096, h.Write(fd, new byte[4096]));
        h.CreateFile("/g", new byte[4096]);
        Assert.Equal(-(long)VfsError.NoSpace, h.Write(h.OpenOk("/g", W | OpenFlags.Append), [1]));
    }

    [Fact]
    public void WriteOutOfMemoryWritesWhatFitsOrNothing()
    {
        using var h = new Harness();
        int fd = h.OpenOk("/f", RW | Creat);
        int blocks = h.Ledger.Outstanding;
        h.Ledger.FailAfter = 0; // no page table
        Assert.Equal(-(long)VfsError.NoMemory, h.Write(fd, new byte[10]));
        h.Ledger.FailAfter = 1; // page table, no page
        Assert.Equal(-(long)VfsError.NoMemory, h.Write(fd, new byte[10]));
        Assert.Equal(0, h.StatOk("/f").Size);
        Assert.Equal(0, h.Vfs.Seek(ref h.Files, fd, 0, SeekOrigin.Current));
        h.Ledger.FailAfter = 2; // table (already there) + two pages: 8192 of 10000 bytes
        Assert.Equal(8192, h.Write(fd, Pattern(10_000, 2)));
        h.Ledger.FailAfter = -1;
        Assert.Equal(8192, h.StatOk("/f").Size);
        Assert.Equal(Pattern(10_000, 2).Take(8192), h.ReadAll("/f"));
        Assert.True(h.Ledger.Outstanding > blocks);
    }

    [Fact]
    public void TimesFollowTheCallersClock()
    {
        using var h = new Harness();
        h.Vfs.Now = 1_000_000_000;
        int fd = h.OpenOk("/f", RW | Creat);
        h.Vfs.Now = 2_000_000_001;
        h.Write(fd, [1]);
        h.Vfs.Now = 3_000_000_000;
        h.Vfs.Seek(ref h.Files, fd, 0, SeekOrigin.Set);
        h.Read(fd, new byte[1]);
        FileStatus st = h.StatOk("/f");
        Assert.Equal((3L, 0L), (st.AccessTimeSeconds, st.AccessTimeNanoseconds));
        Assert.Equal((2L, 1L), (st.ModifyTimeSeconds, st.ModifyTimeNanoseconds));
        Assert.Equal((2L, 1L), (st.ChangeTimeSeconds, st.ChangeTimeNanoseconds));
        Assert.Equal(1, h.StatOk("/").ModifyTimeSeconds);
    }

    [Fact]
    public void FStatReportsTheOpenFile()
    {
        using var h = new Harness();
        int fd = h.OpenOk("/f", RW | Creat, 0x180);
        h.Write(fd, new byte[5000]);
        Assert.Equal(VfsError.None, h.Vfs.FStat(ref h.Files, fd, out FileStatus st));
        Assert.Equal(5000, st.Size);
        Assert.Equal(FileMode.Regular | 0x180, st.Mode);
        Assert.Equal(h.StatOk("/f").Inode, st.Inode);
        Assert.Equal(VfsError.BadDescriptor, h.Vfs.FStat(ref h.Files, 5, out _));
    }
}
