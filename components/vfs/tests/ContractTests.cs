using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>Values that must match the Linux x86_64 ABI the syscall layer serves.</summary>
public class ContractTests
{
    [Fact]
    public void ErrorsAreLinuxErrnoValues()
    {
        Assert.Equal(2, (int)VfsError.NoEntry);
        Assert.Equal(9, (int)VfsError.BadDescriptor);
        Assert.Equal(12, (int)VfsError.NoMemory);
        Assert.Equal(16, (int)VfsError.Busy);
        Assert.Equal(17, (int)VfsError.Exists);
        Assert.Equal(18, (int)VfsError.CrossDevice);
        Assert.Equal(20, (int)VfsError.NotDirectory);
        Assert.Equal(21, (int)VfsError.IsDirectory);
        Assert.Equal(22, (int)VfsError.InvalidArgument);
        Assert.Equal(24, (int)VfsError.TooManyOpenFiles);
        Assert.Equal(27, (int)VfsError.FileTooLarge);
        Assert.Equal(28, (int)VfsError.NoSpace);
        Assert.Equal(36, (int)VfsError.NameTooLong);
        Assert.Equal(39, (int)VfsError.NotEmpty);
    }

    [Fact]
    public void OpenFlagsModeBitsAndWhenceAreLinuxValues()
    {
        Assert.Equal(0, OpenFlags.ReadOnly);
        Assert.Equal(1, OpenFlags.WriteOnly);
        Assert.Equal(2, OpenFlags.ReadWrite);
        Assert.Equal(0x40, OpenFlags.Create);
        Assert.Equal(0x80, OpenFlags.Exclusive);
        Assert.Equal(0x200, OpenFlags.Truncate);
        Assert.Equal(0x400, OpenFlags.Append);
        Assert.Equal(0x10000, OpenFlags.Directory);
        Assert.Equal(0x4000u, FileMode.Directory);
        Assert.Equal(0x8000u, FileMode.Regular);
        Assert.Equal((0, 1, 2), (SeekOrigin.Set, SeekOrigin.Current, SeekOrigin.End));
        Assert.Equal((4, 8), (DirectoryEntryType.Directory, DirectoryEntryType.Regular));
    }

    [Fact]
    public void FileStatusHasTheLayoutOfLinuxStructStat()
    {
        Assert.Equal(144, Unsafe.SizeOf<FileStatus>());
        Assert.Equal(0, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.Device)));
        Assert.Equal(8, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.Inode)));
        Assert.Equal(16, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.LinkCount)));
        Assert.Equal(24, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.Mode)));
        Assert.Equal(48, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.Size)));
        Assert.Equal(56, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.BlockSize)));
        Assert.Equal(64, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.Blocks)));
        Assert.Equal(72, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.AccessTimeSeconds)));
        Assert.Equal(88, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.ModifyTimeSeconds)));
        Assert.Equal(104, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.ChangeTimeSeconds)));
        Assert.Equal(112, (int)Marshal.OffsetOf<FileStatus>(nameof(FileStatus.ChangeTimeNanoseconds)));
    }

    [Fact]
    public void ADefaultFileTableIsEmpty()
    {
        FileTable table = default;
        Assert.Equal(0, table.Count);
        Assert.False(table.IsOpen(0));
        Assert.False(table.IsOpen(-1));
        Assert.False(table.IsOpen(64));
    }

    [Fact]
    public void AnUninitializedVfsFindsNothingAndDisposesCleanly()
    {
        using var ledger = new MemoryLedger();
        var vfs = new VirtualFileSystem<LedgerMemory>(new LedgerMemory(ledger));
        FileTable files = default;
        Assert.False(vfs.IsInitialized);
        Assert.Equal(VfsError.NoEntry, vfs.Stat(Harness.P("/"), out _));
        Assert.Equal(-(long)VfsError.NoEntry, vfs.Open(ref files, Harness.P("/f"), OpenFlags.Create | OpenFlags.WriteOnly, 0));
        Assert.Equal(VfsError.None, vfs.Dispose());
        Assert.Equal(VfsError.None, vfs.Initialize(0));
        Assert.Equal(VfsError.Busy, vfs.Initialize(0));
        Assert.Equal(VfsError.None, vfs.Dispose());
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void InitializeOutOfMemoryLeavesNothingBehind()
    {
        for (int budget = 0; budget < 2; budget++)
        {
            using var ledger = new MemoryLedger { FailAfter = budget };
            var vfs = new VirtualFileSystem<LedgerMemory>(new LedgerMemory(ledger));
            Assert.Equal(VfsError.NoMemory, vfs.Initialize(0));
            Assert.False(vfs.IsInitialized);
            Assert.Equal(0, ledger.Outstanding);
        }
    }
}
