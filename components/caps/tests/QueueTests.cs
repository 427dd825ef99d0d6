using System;
using Xunit;

namespace Aurora.Caps.Tests;

public class QueueTests
{
    private const int A = 1, B = 2;

    [Fact]
    public void MsggetCreatesOnlyWithIpcCreatAndReturnsTheHoldingsId()
    {
        using var h = new Harness();
        int minted = h.MintOk(A, out CapabilityToken token);
        Assert.Equal(-(long)CapsError.NoEntry, h.Caps.MessageGet(A, token, 0));
        Assert.Equal(minted, h.Caps.MessageGet(A, token, IpcFlags.Create | 0x1B6));
        Assert.Equal(minted, h.Caps.MessageGet(A, token, 0));
        Assert.Equal(minted, h.Caps.MessageGet(A, token, IpcFlags.Create));
        Assert.Equal(-(long)CapsError.Exists, h.Caps.MessageGet(A, token, IpcFlags.Create | IpcFlags.Exclusive));
    }

    [Fact]
    public void CreatingNeedsTheControlRight()
    {
        using var h = new Harness();
        h.MintOk(A, out CapabilityToken token);
        h.GrantOk(A, token, B, Rights.Send | Rights.Receive | Rights.Grant);
        Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.MessageGet(B, token, IpcFlags.Create));
        Assert.Equal(-(long)CapsError.NoEntry, h.Caps.MessageGet(B, token, 0));
    }

    [Fact]
    public void ATokenNamingASegmentIsNotAQueue()
    {
        using var h = new Harness();
        int id = h.SegmentOk(A, 4096, out CapabilityToken token);
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.MessageGet(A, token, 0));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Send(A, id, 1, [1], 0));
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Receive(A, id, 8, 0).Result);
        MessageQueueStatus status = default;
        Assert.Equal(CapsError.InvalidArgument, h.Caps.MessageControl(A, id, IpcFlags.Stat, ref status));
        Assert.Equal(0UL, h.Caps.WaitChannel(A, id));

        int bare = h.MintOk(A, out _);   // a token naming nothing yet
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Send(A, bare, 1, [1], 0));
    }

    [Fact]
    public void TheQueueTableFillsUp()
    {
        using var h = new Harness();
        for (int i = 0; i < CapsLimits.MaxQueues; i++)
        {
            h.QueueOk(1 + i / CapsLimits.MaxHoldingsPerProcess, out _);
        }

        h.MintOk(100, out CapabilityToken token);
        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.MessageGet(100, token, IpcFlags.Create));
        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.MessageGetPrivate(100, out _));
        Assert.Equal(1, h.Caps.HoldingCount(100));
    }

    [Fact]
    public void IpcPrivateMintsATokenThatCanBeExportedAndGranted()
    {
        using var h = new Harness();
        long id = h.Caps.MessageGetPrivate(A, out CapabilityToken token);
        Assert.True(id >= 0);
        Assert.Equal(id, h.Caps.MessageGet(A, token, 0));
        Assert.Equal(CapsError.None, h.Caps.CopyToken(A, (int)id, out CapabilityToken exported));
        Assert.True(CapabilityToken.FixedTimeEquals(token, exported));
        int b = h.GrantOk(A, token, B, Rights.Receive);
        h.SendOk(A, (int)id, 1, [5]);
        Assert.Equal(1L, h.Receive(B, b, 4, 0).Result);
    }

    [Fact]
    public void MessagesComeOutInOrderWithTheirTypeAndText()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out _);
        h.SendOk(A, id, 3, "one"u8.ToArray());
        h.SendOk(A, id, 1, "two"u8.ToArray());
        h.SendOk(A, id, 2, []);
        Assert.Equal(CapsError.None, h.Caps.QueueDepth(A, id, out int messages, out ulong bytes));
        Assert.Equal((3, 6UL), (messages, bytes));

        var first = h.Receive(A, id, 64, 0);
        Assert.Equal((3L, 3L), (first.Result, first.Type));
        Assert.Equal("one"u8.ToArray(), first.Text);
        var second = h.Receive(A, id, 64, 0);
        Assert.Equal("two"u8.ToArray(), second.Text);
        var third = h.Receive(A, id, 64, 0);
        Assert.Equal((0L, 2L), (third.Result, third.Type));
        Assert.Equal(-(long)CapsError.NoMessage, h.Receive(A, id, 64, 0).Result);
        Assert.Equal(-(long)CapsError.NoMessage, h.Receive(A, id, 64, 0, IpcFlags.NoWait).Result);
    }

    [Fact]
    public void PositiveTypeSelectsTheFirstMessageOfThatType()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out _);
        h.SendOk(A, id, 5, [1]);
        h.SendOk(A, id, 7, [2]);
        h.SendOk(A, id, 5, [3]);
        h.SendOk(A, id, 7, [4]);
        Assert.Equal([2], h.Receive(A, id, 8, 7).Text);
        Assert.Equal([4], h.Receive(A, id, 8, 7).Text);
        Assert.Equal(-(long)CapsError.NoMessage, h.Receive(A, id, 8, 7).Result);
        Assert.Equal(-(long)CapsError.NoMessage, h.Receive(A, id, 8, 6).Result);
        Assert.Equal([1], h.Receive(A, id, 8, 5).Text);
    }

    [Fact]
    public void MsgExceptSelectsTheFirstMessageOfAnotherType()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out _);
        h.SendOk(A, id, 5, [1]);
        h.SendOk(A, id, 5, [2]);
        h.SendOk(A, id, 9, [3]);
        var r = h.Receive(A, id, 8, 5, IpcFlags.MsgExcept);
        Assert.Equal(9L, r.Type);
        Assert.Equal([3], r.Text);
        Assert.Equal(-(long)CapsError.NoMessage, h.Receive(A, id, 8, 5, IpcFlags.MsgExcept).Result);
        Assert.Equal([1], h.Receive(A, id, 8, 0, IpcFlags.MsgExcept).Text);  // type 0 ignores it
    }

    [Fact]
    public void NegativeTypeSelectsTheLowestTypeAtMostItsMagnitudeFirstComeFirst()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out _);
        h.SendOk(A, id, 10, [1]);
        h.SendOk(A, id, 4, [2]);
        h.SendOk(A, id, 6, [3]);
        h.SendOk(A, id, 4, [4]);
        h.SendOk(A, id, 2, [5]);
        Assert.Equal(-(long)CapsError.NoMessage, h.Receive(A, id, 8, -1).Result);
        Assert.Equal([5], h.Receive(A, id, 8, -5).Text);   // type 2 is the lowest ≤ 5
        Assert.Equal([2], h.Receive(A, id, 8, -5).Text);   // then the first type 4
    }

    [Fact]
    public void NegativeTypeOrderAcrossManyReceives()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out _);
        long[] types = [10, 4, 6, 4, 2, long.MaxValue];
        for (int i = 0; i < types.Length; i++)
        {
            h.SendOk(A, id, types[i], [(byte)i]);
        }

        Assert.Equal([4], h.Receive(A, id, 8, -3).Text);       // type 2
        Assert.Equal([1], h.Receive(A, id, 8, -5).Text);       // first type 4
        Assert.Equal([3], h.Receive(A, id, 8, -5).Text);       // second type 4
        Assert.Equal(-(long)CapsError.NoMessage, h.Receive(A, id, 8, -5).Result);
        Assert.Equal([2], h.Receive(A, id, 8, -100).Text);     // type 6
        var last = h.Receive(A, id, 8, long.MinValue);         // |MinValue| overflows: any type
        Assert.Equal(10L, last.Type);
        Assert.Equal([0], last.Text);
        Assert.Equal(long.MaxValue, h.Receive(A, id, 8, long.MinValue).Type);
    }

    [Fact]
    public void SendRejectsBadTypesAndOversizedMessages()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out _);
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Send(A, id, 0, [1], 0));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Send(A, id, -3, [1], 0));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Send(A, id, 1, new byte[CapsLimits.MaxMessageSize + 1], 0));
        h.SendOk(A, id, 1, new byte[CapsLimits.MaxMessageSize]);
    }

    [Fact]
    public void AFullQueueAnswersTryAgainByBytesAndByCount()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out _);
        h.SendOk(A, id, 1, new byte[CapsLimits.MaxMessageSize]);
        h.SendOk(A, id, 1, new byte[CapsLimits.MaxMessageSize]);
        Assert.Equal(CapsError.TryAgain, h.Caps.Send(A, id, 1, [1], 0));
        Assert.Equal(CapsError.TryAgain, h.Caps.Send(A, id, 1, [1], IpcFlags.NoWait));
        h.SendOk(A, id, 1, []);                            // zero bytes still fit
        h.Receive(A, id, CapsLimits.MaxMessageSize, 0);
        h.SendOk(A, id, 1, new byte[100]);

        int counted = h.QueueOk(A, out _);
        for (int i = 0; i < CapsLimits.MaxMessagesPerQueue; i++)
        {
            h.SendOk(A, counted, 1, []);
        }

        Assert.Equal(CapsError.TryAgain, h.Caps.Send(A, counted, 1, [], 0));
        h.Receive(A, counted, 0, 0);
        h.SendOk(A, counted, 1, []);
    }

    [Fact]
    public void ALongMessageIsTooBigForASmallBufferUnlessNoErrorTruncates()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out _);
        h.SendOk(A, id, 1, [1, 2, 3, 4, 5]);
        Assert.Equal(-(long)CapsError.TooBig, h.Receive(A, id, 4, 0).Result);
        Assert.Equal(CapsError.None, h.Caps.QueueDepth(A, id, out int messages, out _));
        Assert.Equal(1, messages);                         // still there
        var r = h.Receive(A, id, 4, 0, IpcFlags.MsgNoError);
        Assert.Equal(4L, r.Result);
        Assert.Equal([1, 2, 3, 4], r.Text);
        Assert.Equal(CapsError.None, h.Caps.QueueDepth(A, id, out messages, out ulong bytes));
        Assert.Equal((0, 0UL), (messages, bytes));          // gone, truncated
    }

    [Fact]
    public void MsgCopyIsNotSupported()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out _);
        h.SendOk(A, id, 1, [1]);
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Receive(A, id, 8, 0, IpcFlags.MsgCopy).Result);
    }

    [Fact]
    public void SendOutOfMemoryChangesNothing()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out _);
        h.Ledger.FailAfter = 0;
        Assert.Equal(CapsError.NoMemory, h.Caps.Send(A, id, 1, [1, 2], 0));
        h.Ledger.FailAfter = -1;
        Assert.Equal(CapsError.None, h.Caps.QueueDepth(A, id, out int messages, out ulong bytes));
        Assert.Equal((0, 0UL), (messages, bytes));
    }

    [Fact]
    public void StatReportsTheQueueAndSetLowersTheByteLimit()
    {
        using var h = new Harness();
        h.Caps.Now = 100;
        int id = h.QueueOk(A, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Send | Rights.Receive);
        h.Caps.Now = 200;
        h.SendOk(B, b, 1, new byte[10]);
        h.SendOk(A, id, 1, new byte[20]);
        h.Caps.Now = 300;
        h.Receive(B, b, 64, 0);

        MessageQueueStatus s = default;
        Assert.Equal(CapsError.None, h.Caps.MessageControl(B, b, IpcFlags.Stat, ref s));
        Assert.Equal((20UL, 1UL, (ulong)CapsLimits.MaxQueueBytes), (s.CurrentBytes, s.MessageCount, s.QueueBytes));
        Assert.Equal((200L, 300L, 100L), (s.SendTime, s.ReceiveTime, s.ChangeTime));
        Assert.Equal((A, B), (s.LastSender, s.LastReceiver));

        s.QueueBytes = 25;
        Assert.Equal(CapsError.AccessDenied, h.Caps.MessageControl(B, b, IpcFlags.Set, ref s));
        Assert.Equal(CapsError.None, h.Caps.MessageControl(A, id, IpcFlags.Set, ref s));
        Assert.Equal(CapsError.TryAgain, h.Caps.Send(A, id, 1, new byte[6], 0));
        h.SendOk(A, id, 1, new byte[5]);
        s.QueueBytes = CapsLimits.MaxQueueBytes + 1;
        Assert.Equal(CapsError.NotPermitted, h.Caps.MessageControl(A, id, IpcFlags.Set, ref s));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.MessageControl(A, id, 3, ref s));  // IPC_INFO
    }

    [Fact]
    public void IpcRmidRemovesTheQueueForEveryHolder()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Receive | Rights.Control);
        h.SendOk(A, id, 1, [1]);
        MessageQueueStatus s = default;
        Assert.Equal(CapsError.None, h.Caps.MessageControl(B, b, IpcFlags.Remove, ref s));
        Assert.Equal(CapsError.Removed, h.Caps.Send(A, id, 1, [1], 0));
        Assert.Equal(CapsError.Removed, h.Caps.MessageControl(A, id, IpcFlags.Stat, ref s));
        Assert.Equal(0, h.Caps.TokenCount);
    }

    [Fact]
    public void WaitChannelIsStableForAQueueAndDiffersAfterItIsReplaced()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Receive);
        ulong channel = h.Caps.WaitChannel(A, id);
        Assert.NotEqual(0UL, channel);
        Assert.Equal(channel, h.Caps.WaitChannel(B, b));
        Assert.Equal(CapsError.None, h.Caps.Revoke(A, token, out _));
        int again = h.QueueOk(A, out _);
        Assert.NotEqual(channel, h.Caps.WaitChannel(A, again));
        Assert.Equal(0UL, h.Caps.WaitChannel(A, 999));
    }

    [Fact]
    public void DisposeFreesQueuedMessages()
    {
        var h = new Harness();
        int id = h.QueueOk(A, out _);
        h.SendOk(A, id, 1, new byte[300]);
        h.SendOk(A, id, 2, new byte[3]);
        h.Dispose();   // asserts the ledger is empty
    }
}
