using Xunit;

namespace Aurora.Caps.Tests;

public class SegmentTests
{
    private const int A = 1, B = 2;

    [Fact]
    public void ShmgetCreatesASegmentOfTheGivenSizeWithoutPages()
    {
        using var h = new Harness();
        int minted = h.MintOk(A, out CapabilityToken token);
        Assert.Equal(-(long)CapsError.NoEntry, h.Caps.SegmentGet(A, token, 4096, 0));
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.SegmentGet(A, token, 0, IpcFlags.Create));
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.SegmentGet(A, token, CapsLimits.MaxSegmentSize + 1, IpcFlags.Create));
        Assert.Equal(minted, h.Caps.SegmentGet(A, token, 10000, IpcFlags.Create));
        Assert.Equal(minted, h.Caps.SegmentGet(A, token, 0, 0));
        Assert.Equal(minted, h.Caps.SegmentGet(A, token, 10000, 0));
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.SegmentGet(A, token, 10001, 0));
        Assert.Equal(-(long)CapsError.Exists, h.Caps.SegmentGet(A, token, 1, IpcFlags.Create | IpcFlags.Exclusive));

        Assert.Equal(CapsError.None, h.Caps.Attach(A, minted, 0, out SegmentAttachment at));
        Assert.Equal((10000UL, 0UL, false), (at.Size, at.Pages, at.ReadOnly));
    }

    [Fact]
    public void ShmgetNeedsTheTokenAndControlToCreate()
    {
        using var h = new Harness();
        h.MintOk(A, out CapabilityToken token);
        Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.SegmentGet(B, token, 4096, IpcFlags.Create));
        h.GrantOk(A, token, B, Rights.Map);
        Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.SegmentGet(B, token, 4096, IpcFlags.Create));
        int q = h.QueueOk(A, out CapabilityToken queue);
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.SegmentGet(A, queue, 0, 0));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Attach(A, q, 0, out _));
    }

    [Fact]
    public void AttachRightsDecideReadOnlyAndWritable()
    {
        using var h = new Harness();
        int id = h.SegmentOk(A, 4096, out CapabilityToken token);
        int reader = h.GrantOk(A, token, B, Rights.Map);
        Assert.Equal(CapsError.AccessDenied, h.Caps.Attach(B, reader, 0, out _));
        Assert.Equal(CapsError.None, h.Caps.Attach(B, reader, IpcFlags.ShmReadOnly, out SegmentAttachment at));
        Assert.True(at.ReadOnly);
        int nothing = h.GrantOk(A, token, 3, Rights.Send);
        Assert.Equal(CapsError.AccessDenied, h.Caps.Attach(3, nothing, IpcFlags.ShmReadOnly, out _));
        Assert.Equal(CapsError.None, h.Caps.Attach(A, id, 0, out SegmentAttachment writable));
        Assert.False(writable.ReadOnly);
        Assert.Equal(at.Segment, writable.Segment);
    }

    [Fact]
    public void TheKernelSetsPagesOnceAndAttachmentsSeeThem()
    {
        using var h = new Harness();
        int id = h.SegmentOk(A, 8192, out _);
        Assert.Equal(CapsError.None, h.Caps.Attach(A, id, 0, out SegmentAttachment first));
        Assert.Equal(0UL, first.Pages);
        Assert.Equal(CapsError.InvalidArgument, h.Caps.SetSegmentPages(first.Segment, 0));
        Assert.Equal(CapsError.None, h.Caps.SetSegmentPages(first.Segment, 0xABC000));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.SetSegmentPages(first.Segment, 0xDEF000));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.SetSegmentPages(first.Segment + (1UL << 32), 1));
        Assert.Equal(CapsError.None, h.Caps.Attach(A, id, 0, out SegmentAttachment second));
        Assert.Equal(0xABC000UL, second.Pages);
        Assert.Equal(CapsError.None, h.Caps.SegmentInfo(first.Segment, out ulong size, out ulong pages, out int attachments));
        Assert.Equal((8192UL, 0xABC000UL, 2), (size, pages, attachments));
    }

    [Fact]
    public void RemovedWhileAttachedTheLastDetachSaysFreeItNow()
    {
        using var h = new Harness();
        int id = h.SegmentOk(A, 4096, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Map | Rights.MapWrite);
        Assert.Equal(CapsError.None, h.Caps.Attach(A, id, 0, out SegmentAttachment a1));
        h.Caps.SetSegmentPages(a1.Segment, 77);
        Assert.Equal(CapsError.None, h.Caps.Attach(B, b, 0, out SegmentAttachment b1));

        SegmentStatus s = default;
        Assert.Equal(CapsError.None, h.Caps.SegmentControl(A, id, IpcFlags.Remove, ref s, out ulong pages));
        Assert.Equal(0UL, pages);
        Assert.Equal(-(long)CapsError.Removed, -(long)h.Caps.Attach(B, b, 0, out _));
        Assert.Equal(1, h.Caps.SegmentCount);

        Assert.Equal(CapsError.None, h.Caps.Detach(A, a1.Segment, out pages));
        Assert.Equal(0UL, pages);
        Assert.Equal(CapsError.None, h.Caps.Detach(B, b1.Segment, out pages));
        Assert.Equal(77UL, pages);
        Assert.Equal(0, h.Caps.SegmentCount);
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Detach(B, b1.Segment, out _));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.SegmentInfo(b1.Segment, out _, out _, out _));
    }

    [Fact]
    public void RemovingAnUnattachedSegmentFreesItAtOnce()
    {
        using var h = new Harness();
        int id = h.SegmentOk(A, 4096, out CapabilityToken token);
        Assert.Equal(CapsError.None, h.Caps.Attach(A, id, 0, out SegmentAttachment at));
        h.Caps.SetSegmentPages(at.Segment, 55);
        Assert.Equal(CapsError.None, h.Caps.Detach(A, at.Segment, out ulong pages));
        Assert.Equal(0UL, pages);                     // not removed: stays
        Assert.Equal(1, h.Caps.SegmentCount);

        Assert.Equal(CapsError.None, h.Caps.Revoke(A, token, out pages));
        Assert.Equal(55UL, pages);
        Assert.Equal(0, h.Caps.SegmentCount);
    }

    [Fact]
    public void DetachWithoutAnAttachmentIsInvalid()
    {
        using var h = new Harness();
        int id = h.SegmentOk(A, 4096, out _);
        Assert.Equal(CapsError.None, h.Caps.Attach(A, id, 0, out SegmentAttachment at));
        Assert.Equal(CapsError.None, h.Caps.Detach(A, at.Segment, out _));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Detach(A, at.Segment, out _));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Detach(A, 0, out _));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Detach(A, 100_000, out _));
    }

    [Fact]
    public void LastHolderExitingFreesTheUnattachedSegment()
    {
        using var h = new Harness();
        int id = h.SegmentOk(A, 4096, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Map);
        Assert.Equal(CapsError.None, h.Caps.Attach(A, id, 0, out SegmentAttachment at));
        h.Caps.SetSegmentPages(at.Segment, 99);
        Assert.Equal(CapsError.None, h.Caps.Detach(A, at.Segment, out _));
        h.Exit(A);
        Assert.Empty(h.FreedPages);
        Assert.Equal(CapsError.None, h.Caps.Attach(B, b, IpcFlags.ShmReadOnly, out SegmentAttachment bt));
        Assert.Equal(99UL, bt.Pages);
        h.Exit(B);                                  // still attached: stays until detach
        Assert.Empty(h.FreedPages);
        Assert.Equal(CapsError.None, h.Caps.Detach(B, bt.Segment, out ulong pages));
        Assert.Equal(99UL, pages);

        h.SegmentOk(A, 1, out _);
        int other = h.SegmentOk(A, 1, out _);
        Assert.Equal(CapsError.None, h.Caps.Attach(A, other, 0, out SegmentAttachment o));
        h.Caps.SetSegmentPages(o.Segment, 5);
        Assert.Equal(CapsError.None, h.Caps.Detach(A, o.Segment, out _));
        h.Exit(A);
        Assert.Equal(new ulong[] { 5 }, h.FreedPages.ToArray()[^1..]);
    }

    [Fact]
    public void StatReportsSizeAttachmentsAndTimes()
    {
        using var h = new Harness();
        h.Caps.Now = 10;
        int id = h.SegmentOk(A, 12345, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Map);
        h.Caps.Now = 20;
        Assert.Equal(CapsError.None, h.Caps.Attach(B, b, IpcFlags.ShmReadOnly, out SegmentAttachment at));
        h.Caps.Now = 30;
        Assert.Equal(CapsError.None, h.Caps.Attach(A, id, 0, out _));
        Assert.Equal(CapsError.None, h.Caps.Detach(A, at.Segment, out _));
        SegmentStatus s = default;
        Assert.Equal(CapsError.None, h.Caps.SegmentControl(B, b, IpcFlags.Stat, ref s, out _));
        Assert.Equal((12345UL, 1UL), (s.Size, s.AttachCount));
        Assert.Equal((30L, 30L, 10L), (s.AttachTime, s.DetachTime, s.ChangeTime));
        Assert.Equal((A, A), (s.Creator, s.LastOperator));
        Assert.Equal(CapsError.AccessDenied, h.Caps.SegmentControl(B, b, IpcFlags.Remove, ref s, out _));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.SegmentControl(A, id, IpcFlags.Set, ref s, out _));
    }

    [Fact]
    public void IpcPrivateSegmentsAndTheSegmentTableLimit()
    {
        using var h = new Harness();
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.SegmentGetPrivate(A, 0, out _));
        for (int i = 0; i < CapsLimits.MaxSegments; i++)
        {
            long id = h.Caps.SegmentGetPrivate(1 + i / CapsLimits.MaxHoldingsPerProcess, 4096, out _);
            Assert.True(id >= 0);
        }

        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.SegmentGetPrivate(100, 4096, out _));
        h.MintOk(100, out CapabilityToken token);
        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.SegmentGet(100, token, 4096, IpcFlags.Create));
    }

    [Fact]
    public void AForkedChildKeepsAnAttachmentOfARemovedSegment()
    {
        using var h = new Harness();
        int id = h.SegmentOk(A, 4096, out _);
        Assert.Equal(CapsError.None, h.Caps.Attach(A, id, 0, out SegmentAttachment at));
        Assert.Equal(CapsError.None, h.Caps.SetSegmentPages(at.Segment, 0x77));
        SegmentStatus status = default;
        Assert.Equal(CapsError.None, h.Caps.SegmentControl(A, id, IpcFlags.Remove, ref status, out ulong pages));
        Assert.Equal(0UL, pages);
        Assert.Equal(CapsError.Removed, h.Caps.Attach(A, id, 0, out _));       // by id: gone
        Assert.Equal(CapsError.None, h.Caps.AttachForked(B, at.Segment));       // by fork: shared
        Assert.Equal(CapsError.None, h.Caps.SegmentInfo(at.Segment, out _, out _, out int attachments));
        Assert.Equal(2, attachments);
        Assert.Equal(CapsError.None, h.Caps.Detach(A, at.Segment, out pages));
        Assert.Equal(0UL, pages);
        Assert.Equal(CapsError.None, h.Caps.Detach(B, at.Segment, out pages));
        Assert.Equal(0x77UL, pages);                                             // the last detach frees
        Assert.Equal(CapsError.InvalidArgument, h.Caps.AttachForked(B, at.Segment));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.AttachForked(-1, at.Segment));
    }
}
