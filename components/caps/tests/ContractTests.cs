using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Caps.Tests;

/// <summary>Values that must match the Linux x86_64 ABI the syscall layer serves.</summary>
public class ContractTests
{
    [Fact]
    public void ErrorsAreLinuxErrnoValues()
    {
        Assert.Equal(1, (int)CapsError.NotPermitted);
        Assert.Equal(2, (int)CapsError.NoEntry);
        Assert.Equal(7, (int)CapsError.TooBig);
        Assert.Equal(11, (int)CapsError.TryAgain);
        Assert.Equal(12, (int)CapsError.NoMemory);
        Assert.Equal(13, (int)CapsError.AccessDenied);
        Assert.Equal(17, (int)CapsError.Exists);
        Assert.Equal(22, (int)CapsError.InvalidArgument);
        Assert.Equal(28, (int)CapsError.NoSpace);
        Assert.Equal(42, (int)CapsError.NoMessage);
        Assert.Equal(43, (int)CapsError.Removed);
    }

    [Fact]
    public void IpcFlagsAndCommandsAreLinuxValues()
    {
        Assert.Equal(0x200, IpcFlags.Create);          // 01000
        Assert.Equal(0x400, IpcFlags.Exclusive);       // 02000
        Assert.Equal(0x800, IpcFlags.NoWait);          // 04000
        Assert.Equal(0x1000, IpcFlags.MsgNoError);     // 010000
        Assert.Equal(0x2000, IpcFlags.MsgExcept);      // 020000
        Assert.Equal(0x4000, IpcFlags.MsgCopy);        // 040000
        Assert.Equal(0x1000, IpcFlags.ShmReadOnly);    // 010000
        Assert.Equal((0, 1, 2), (IpcFlags.Remove, IpcFlags.Set, IpcFlags.Stat));
    }

    [Fact]
    public void SyscallNumbersAreAurorasOwnFrom1000LeavingLinuxsSysvNumbersFree()
    {
        Assert.Equal((1010, 1011, 1013, 1012), (AuroraSyscalls.ShmGet, AuroraSyscalls.ShmAt, AuroraSyscalls.ShmCtl, AuroraSyscalls.ShmDt));
        Assert.Equal((1006, 1007, 1008, 1009), (AuroraSyscalls.MsgGet, AuroraSyscalls.MsgSnd, AuroraSyscalls.MsgRcv, AuroraSyscalls.MsgCtl));
        int[] aurora = [AuroraSyscalls.CapMint, AuroraSyscalls.CapGrant, AuroraSyscalls.CapRevoke, AuroraSyscalls.CapRelease, AuroraSyscalls.CapToken, AuroraSyscalls.InstallFilter];
        Assert.Equal([1000, 1001, 1002, 1003, 1004, 1005], aurora);
    }

    [Fact]
    public void StatusStructsHaveTheLinuxLayouts()
    {
        Assert.Equal(120, Unsafe.SizeOf<MessageQueueStatus>());
        Assert.Equal(20, (int)Marshal.OffsetOf<MessageQueueStatus>(nameof(MessageQueueStatus.Mode)));
        Assert.Equal(48, (int)Marshal.OffsetOf<MessageQueueStatus>(nameof(MessageQueueStatus.SendTime)));
        Assert.Equal(72, (int)Marshal.OffsetOf<MessageQueueStatus>(nameof(MessageQueueStatus.CurrentBytes)));
        Assert.Equal(80, (int)Marshal.OffsetOf<MessageQueueStatus>(nameof(MessageQueueStatus.MessageCount)));
        Assert.Equal(88, (int)Marshal.OffsetOf<MessageQueueStatus>(nameof(MessageQueueStatus.QueueBytes)));
        Assert.Equal(96, (int)Marshal.OffsetOf<MessageQueueStatus>(nameof(MessageQueueStatus.LastSender)));
        Assert.Equal(100, (int)Marshal.OffsetOf<MessageQueueStatus>(nameof(MessageQueueStatus.LastReceiver)));

        Assert.Equal(112, Unsafe.SizeOf<SegmentStatus>());
        Assert.Equal(48, (int)Marshal.OffsetOf<SegmentStatus>(nameof(SegmentStatus.Size)));
        Assert.Equal(56, (int)Marshal.OffsetOf<SegmentStatus>(nameof(SegmentStatus.AttachTime)));
        Assert.Equal(80, (int)Marshal.OffsetOf<SegmentStatus>(nameof(SegmentStatus.Creator)));
        Assert.Equal(88, (int)Marshal.OffsetOf<SegmentStatus>(nameof(SegmentStatus.AttachCount)));
    }

    [Fact]
    public void TokenIs32BytesAndTheFilterSpecIs136()
    {
        Assert.Equal(32, Unsafe.SizeOf<CapabilityToken>());
        Assert.Equal(136, Unsafe.SizeOf<SyscallFilterSpec>());
        Assert.Equal(128, (int)Marshal.OffsetOf<SyscallFilterSpec>(nameof(SyscallFilterSpec.Flags)));
    }

    [Fact]
    public void RightsAreDistinctBits()
    {
        uint[] rights = [Rights.Send, Rights.Receive, Rights.Map, Rights.MapWrite, Rights.Grant, Rights.Control];
        uint all = 0;
        foreach (uint r in rights)
        {
            Assert.Equal(1, System.Numerics.BitOperations.PopCount(r));
            Assert.Equal(0u, all & r);
            all |= r;
        }

        Assert.Equal(Rights.All, all);
    }
}
