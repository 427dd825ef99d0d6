using System;
using Xunit;

namespace Aurora.Caps.Tests;

/// <summary>Per-account shares of the token, queue and segment tables: one account (a user, or
/// one process tree in Aurora's kernel) filling its share gets ENOSPC while every other account
/// still gets its own.</summary>
public class AccountTests
{
    private const int Hog = 1, Other = 100;

    private static void Fork(Harness h, int parent, int child) => Assert.Equal(CapsError.None, h.Caps.ProcessForked(parent, child));

    [Fact]
    public void DefaultSharesAreAQuarterOfEachTable()
    {
        AccountQuota q = AccountQuota.Default;
        Assert.Equal(CapsLimits.MaxTokens / 4, q.Tokens);
        Assert.Equal(CapsLimits.MaxQueues / 4, q.Queues);
        Assert.Equal(CapsLimits.MaxSegments / 4, q.Segments);
        using var h = new Harness();
        Assert.Equal(q.Tokens, h.Caps.Quota.Tokens);
    }

    [Fact]
    public void AProcessWithoutAnAccountIsChargedToItsOwnNumber()
    {
        using var h = new Harness();
        Assert.Equal(7, h.Caps.AccountOf(7));
        h.MintOk(7, out _);
        Assert.Equal(1, h.Caps.UsageOf(7).Tokens);
        Assert.Equal(CapsError.None, h.Caps.SetAccount(7, 200));
        Assert.Equal(200, h.Caps.AccountOf(7));
        Assert.Equal(-(int)CapsError.InvalidArgument, h.Caps.AccountOf(-1));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.SetAccount(7, CapsLimits.MaxAccounts));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.SetAccount(7, -1));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.SetAccount(CapsLimits.MaxProcesses, 0));
        Assert.True(h.Caps.UsageOf(CapsLimits.MaxAccounts).IsEmpty);
    }

    /// <summary>The finding: 17 processes × 64 tokens filled the token table for everyone. Now a
    /// process tree (one account) of 17 processes stops at its share, and another account still mints.</summary>
    [Fact]
    public void ATreeOfProcessesStopsAtItsTokenShareAndOthersStillMint()
    {
        using var h = new Harness();
        Assert.Equal(CapsError.None, h.Caps.SetAccount(Hog, 3));
        int minted = 0;
        long last = 0;
        for (int p = Hog; p < Hog + 17; p++)
        {
            if (p != Hog)
            {
                h.Exit(p);
                // A forked child with nothing: inherits the account (and the parent's holdings,
                // which it gives up, as a hostile child would, to make room for more).
                Fork(h, Hog, p);
                for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
                {
                    h.Caps.Release(p, i | (1 << 6), out _);
                }
            }

            Assert.Equal(3, h.Caps.AccountOf(p));
            for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
            {
                last = h.Caps.Mint(p, out _);
                if (last < 0)
                {
                    break;
                }

                minted++;
            }
        }

        Assert.Equal(CapsLimits.DefaultTokensPerAccount, minted);
        Assert.Equal(-(long)CapsError.NoSpace, last);
        Assert.Equal(CapsLimits.DefaultTokensPerAccount, h.Caps.UsageOf(3).Tokens);
        Assert.Equal(CapsLimits.DefaultTokensPerAccount, h.Caps.TokenCount);

        // Another account gets its whole share.
        Assert.Equal(CapsError.None, h.Caps.SetAccount(Other, 4));
        Assert.True(h.Caps.Mint(Other, out _) >= 0);
        Assert.True(h.Caps.MessageGetPrivate(Other, out _) >= 0);
        Assert.True(h.Caps.SegmentGetPrivate(Other, 4096, out _) >= 0);
        Assert.Equal(3, h.Caps.UsageOf(4).Tokens);
    }

    [Fact]
    public void ATokenStaysChargedToItsMinterUntilItEnds()
    {
        using var h = new Harness();
        h.Caps.SetAccount(Hog, 3);
        h.Caps.SetAccount(Other, 4);
        h.MintOk(Hog, out CapabilityToken token);
        h.GrantOk(Hog, token, Other, Rights.Send);
        h.Exit(Hog);
        Assert.Equal(1, h.Caps.UsageOf(3).Tokens);     // the grantee keeps it alive, the minter pays
        Assert.Equal(0, h.Caps.UsageOf(4).Tokens);
        h.Exit(Other);
        Assert.True(h.Caps.UsageOf(3).IsEmpty);
    }

    [Fact]
    public void QueueShareIsPerAccountAndComesBackWhenQueuesEnd()
    {
        using var h = new Harness();
        h.Caps.Quota = new AccountQuota { Tokens = 100, Queues = 3, Segments = 2 };
        h.Caps.SetAccount(Hog, 3);
        var ids = new long[3];
        for (int i = 0; i < 3; i++)
        {
            ids[i] = h.Caps.MessageGetPrivate(Hog, out _);
            Assert.True(ids[i] >= 0);
        }

        int tokensBefore = h.Caps.TokenCount;
        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.MessageGetPrivate(Hog, out CapabilityToken none));
        Assert.True(none.IsZero);
        Assert.Equal(tokensBefore, h.Caps.TokenCount);           // a failed call mints nothing
        h.MintOk(Hog, out CapabilityToken spare);
        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.MessageGet(Hog, spare, IpcFlags.Create));

        // A child in the same tree shares the account.
        Fork(h, Hog, Hog + 1);
        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.MessageGetPrivate(Hog + 1, out _));

        // Another account is unaffected.
        Assert.True(h.Caps.MessageGetPrivate(Other, out _) >= 0);

        // A grantee with Control creating the queue is charged, not the minter.
        h.GrantOk(Hog, spare, Other, Rights.All);
        Assert.True(h.Caps.MessageGet(Other, spare, IpcFlags.Create) >= 0);
        Assert.Equal(3, h.Caps.UsageOf(3).Queues);
        Assert.Equal(2, h.Caps.UsageOf(Other).Queues);

        MessageQueueStatus status = default;
        Assert.Equal(CapsError.None, h.Caps.MessageControl(Hog, (int)ids[0], IpcFlags.Remove, ref status));
        Assert.Equal(2, h.Caps.UsageOf(3).Queues);
        Assert.True(h.Caps.MessageGetPrivate(Hog + 1, out _) >= 0);
    }

    [Fact]
    public void SegmentShareCountsRemovedSegmentsUntilTheirLastDetach()
    {
        using var h = new Harness();
        h.Caps.Quota = new AccountQuota { Tokens = 100, Queues = 2, Segments = 2 };
        h.Caps.SetAccount(Hog, 3);
        long first = h.Caps.SegmentGetPrivate(Hog, 4096, out _);
        Assert.True(h.Caps.SegmentGetPrivate(Hog, 4096, out _) >= 0);
        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.SegmentGetPrivate(Hog, 4096, out _));
        h.MintOk(Hog, out CapabilityToken spare);
        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.SegmentGet(Hog, spare, 4096, IpcFlags.Create));

        Assert.Equal(CapsError.None, h.Caps.Attach(Hog, (int)first, 0, out SegmentAttachment at));
        SegmentStatus status = default;
        Assert.Equal(CapsError.None, h.Caps.SegmentControl(Hog, (int)first, IpcFlags.Remove, ref status, out ulong pages));
        Assert.Equal(0UL, pages);
        Assert.Equal(2, h.Caps.UsageOf(3).Segments);             // removed but attached: still held
        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.SegmentGet(Hog, spare, 4096, IpcFlags.Create));
        Assert.Equal(CapsError.None, h.Caps.Detach(Hog, at.Segment, out _));
        Assert.Equal(1, h.Caps.UsageOf(3).Segments);
        Assert.True(h.Caps.SegmentGet(Hog, spare, 4096, IpcFlags.Create) >= 0);
    }

    [Fact]
    public void ExitForgetsTheAccountButObjectsStayCharged()
    {
        using var h = new Harness();
        h.Caps.SetAccount(Hog, 9);
        h.MintOk(Hog, out CapabilityToken token);
        h.GrantOk(Hog, token, Other, Rights.Send);
        h.Exit(Hog);
        Assert.Equal(Hog, h.Caps.AccountOf(Hog));
        Assert.Equal(1, h.Caps.UsageOf(9).Tokens);
        h.Exit(Other);
    }

    [Fact]
    public void ALowerShareKeepsWhatIsHeldAndRefusesMore()
    {
        using var h = new Harness();
        h.MintOk(Hog, out _);
        h.MintOk(Hog, out _);
        h.Caps.Quota = new AccountQuota { Tokens = 1, Queues = 1, Segments = 1 };
        Assert.Equal(2, h.Caps.UsageOf(Hog).Tokens);
        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.Mint(Hog, out _));
        Assert.True(h.Caps.Mint(Other, out _) >= 0);
    }
}
