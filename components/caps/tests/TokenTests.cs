using System;
using System.Reflection;
using System.Reflection.Emit;
using Xunit;

namespace Aurora.Caps.Tests;

public class TokenTests
{
    private const int A = 1, B = 2, C = 3;

    private static CapabilityToken FlipBit(CapabilityToken token, int bit)
    {
        var bytes = new byte[32];
        token.CopyTo(bytes);
        bytes[bit / 8] ^= (byte)(1 << (bit % 8));
        CapabilityToken.FromBytes(bytes, out CapabilityToken forged);
        return forged;
    }

    [Fact]
    public void MintGivesARandomNonZeroTokenHeldWithAllRights()
    {
        using var h = new Harness();
        int id = h.MintOk(A, out CapabilityToken token);
        Assert.False(token.IsZero);
        Assert.Equal(Rights.All, (uint)h.Caps.RightsOf(A, id));
        Assert.Equal(id, h.Caps.Lookup(A, token));
        Assert.Equal(1, h.Caps.TokenCount);
        Assert.Equal(1, h.Script.Fills);

        h.MintOk(A, out CapabilityToken second);
        Assert.False(CapabilityToken.FixedTimeEquals(token, second));
    }

    [Fact]
    public void TokenBytesRoundTripInMemoryOrder()
    {
        var bytes = new byte[32];
        for (int i = 0; i < 32; i++)
        {
            bytes[i] = (byte)(i + 1);
        }

        Assert.Equal(CapsError.None, CapabilityToken.FromBytes(bytes, out CapabilityToken token));
        Assert.Equal(0x0807060504030201UL, token.Word0);
        var back = new byte[32];
        Assert.Equal(CapsError.None, token.CopyTo(back));
        Assert.Equal(bytes, back);
        Assert.Equal(CapsError.InvalidArgument, CapabilityToken.FromBytes(new byte[31], out _));
        Assert.Equal(CapsError.InvalidArgument, token.CopyTo(new byte[31]));
    }

    [Fact]
    public void AProcessWithoutTheTokenCannotReachTheQueueEvenKnowingTheOwnersIds()
    {
        using var h = new Harness();
        int id = h.QueueOk(A, out CapabilityToken token);
        h.SendOk(A, id, 1, [42]);

        // B knows A's id and tries every id up to well past it: none reaches A's queue.
        for (int guess = 0; guess < 1 << 12; guess++)
        {
            Assert.Equal(CapsError.InvalidArgument, h.Caps.Send(B, guess, 1, [1], 0));
            Assert.Equal(-(long)CapsError.InvalidArgument, h.Receive(B, guess, 8, 0).Result);
        }

        // Presenting the token itself is not enough either: B does not hold it.
        Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.MessageGet(B, token, 0));
        Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.MessageGet(B, token, IpcFlags.Create));
        Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.Lookup(B, token));
        Assert.Equal(CapsError.AccessDenied, h.Caps.Revoke(B, token, out _));
        Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.Grant(B, token, B, Rights.Send));
        Assert.Equal(1L, h.Receive(A, id, 8, 0).Result);
    }

    [Fact]
    public void ATokenDifferingInAnyOneBitIsRefused()
    {
        using var h = new Harness();
        h.QueueOk(A, out CapabilityToken token);
        for (int bit = 0; bit < 256; bit++)
        {
            CapabilityToken forged = FlipBit(token, bit);
            Assert.False(CapabilityToken.FixedTimeEquals(token, forged));
            Assert.Equal(0UL, CapabilityToken.FixedTimeMatch(token, forged));
            Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.MessageGet(A, forged, 0));
            Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.Lookup(A, forged));
        }

        Assert.Equal(1UL, CapabilityToken.FixedTimeMatch(token, token));
        Assert.True(CapabilityToken.FixedTimeEquals(token, token));
    }

    [Fact]
    public void TokenComparisonHasNoDataDependentBranch()
    {
        // Constant time means no early exit: the IL of both comparisons must have no conditional
        // branch at all (a loop or an early return would need one).
        foreach (string name in new[] { nameof(CapabilityToken.FixedTimeEquals), nameof(CapabilityToken.FixedTimeMatch) })
        {
            MethodInfo method = typeof(CapabilityToken).GetMethod(name)!;
            byte[] il = method.GetMethodBody()!.GetILAsByteArray()!;
            Assert.Empty(ConditionalBranches(il));
            Assert.True((method.MethodImplementationFlags & MethodImplAttributes.NoInlining) != 0, name + " may be inlined");
        }

        // And the type offers no other equality to call by mistake.
        Assert.Null(typeof(CapabilityToken).GetMethod("op_Equality"));
        Assert.Equal(typeof(ValueType), typeof(CapabilityToken).GetMethod("Equals", [typeof(object)])!.DeclaringType);
    }

    [Fact]
    public void TheBranchScannerFindsBranches()
    {
        // The scanner itself must be able to fail: a method with an early return has branches.
        MethodInfo method = typeof(TokenTests).GetMethod(nameof(EarlyExitCompare), BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.NotEmpty(ConditionalBranches(method.GetMethodBody()!.GetILAsByteArray()!));
    }

    private static bool EarlyExitCompare(byte[] a, byte[] b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }

    private static System.Collections.Generic.List<string> ConditionalBranches(byte[] il)
    {
        var oneByte = new OpCode[0x100];
        var twoByte = new OpCode[0x100];
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            if (op.Size == 1)
            {
                oneByte[op.Value & 0xFF] = op;
            }
            else
            {
                twoByte[op.Value & 0xFF] = op;
            }
        }

        var branches = new System.Collections.Generic.List<string>();
        int i = 0;
        while (i < il.Length)
        {
            OpCode op = il[i] == 0xFE ? twoByte[il[++i]] : oneByte[il[i]];
            i++;
            if (op.FlowControl == FlowControl.Cond_Branch)
            {
                branches.Add(op.Name!);
            }

            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }

        return branches;
    }

    [Fact]
    public void MintRefusesAZeroOrDuplicateTokenFromABrokenSource()
    {
        using var h = new Harness();
        h.Script.Scripted.Enqueue(new byte[32]);
        Assert.Equal(-(long)CapsError.TryAgain, h.Caps.Mint(A, out _));
        Assert.Equal(0, h.Caps.TokenCount);

        h.MintOk(A, out CapabilityToken token);
        var bytes = new byte[32];
        token.CopyTo(bytes);
        h.Script.Scripted.Enqueue(bytes);
        Assert.Equal(-(long)CapsError.TryAgain, h.Caps.Mint(B, out _));
        Assert.Equal(0, h.Caps.HoldingCount(B));
        Assert.Equal(1, h.Caps.TokenCount);
    }

    [Fact]
    public void MintFailsWithNoSpaceWhenTheHoldingsOrTheTokenTableAreFull()
    {
        using var h = new Harness();
        for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
        {
            h.MintOk(A, out _);
        }

        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.Mint(A, out _));

        for (int p = B; h.Caps.TokenCount < CapsLimits.MaxTokens; p++)
        {
            while (h.Caps.HoldingCount(p) < CapsLimits.MaxHoldingsPerProcess && h.Caps.TokenCount < CapsLimits.MaxTokens)
            {
                h.MintOk(p, out _);
            }
        }

        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.Mint(100, out _));
        Assert.Equal(0, h.Caps.HoldingCount(100));
    }

    [Fact]
    public void ProcessHandlesOutOfRangeAreInvalid()
    {
        using var h = new Harness();
        h.MintOk(A, out CapabilityToken token);
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.Mint(-1, out _));
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.Mint(CapsLimits.MaxProcesses, out _));
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.Grant(A, token, CapsLimits.MaxProcesses, Rights.Send));
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.Lookup(-5, token));
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.ProcessExited(CapsLimits.MaxProcesses, new ulong[64]));
        Assert.False(h.Caps.Allows(-1, 0));
    }

    [Fact]
    public void AnUninitializedSpaceRefusesEverything()
    {
        using var ledger = new MemoryLedger();
        var caps = new CapabilitySpace<LedgerMemory, ScriptedRandom>(new LedgerMemory(ledger), new ScriptedRandom(new RandomScript(1)));
        Assert.False(caps.IsInitialized);
        Assert.Equal(-(long)CapsError.InvalidArgument, caps.Mint(A, out _));
        Assert.Equal(-(long)CapsError.InvalidArgument, caps.MessageGetPrivate(A, out _));
        Assert.False(caps.Allows(A, 0));
        Assert.Equal(0, caps.TokenCount);
        caps.Dispose();
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void InitializeFailsCleanlyWhenMemoryRunsOutAndRefusesASecondCall()
    {
        for (int fail = 0; fail < 5; fail++)
        {
            using var ledger = new MemoryLedger { FailAfter = fail };
            var caps = new CapabilitySpace<LedgerMemory, ScriptedRandom>(new LedgerMemory(ledger), new ScriptedRandom(new RandomScript(1)));
            Assert.Equal(CapsError.NoMemory, caps.Initialize());
            Assert.False(caps.IsInitialized);
            Assert.Equal(0, ledger.Outstanding);
        }

        using var h = new Harness();
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Initialize());
    }

    [Fact]
    public void GrantCopiesTheTokenWithReducedRights()
    {
        using var h = new Harness();
        int owner = h.QueueOk(A, out CapabilityToken token);
        int sender = h.GrantOk(A, token, B, Rights.Send);
        Assert.Equal(Rights.Send, (uint)h.Caps.RightsOf(B, sender));
        Assert.Equal(sender, h.Caps.MessageGet(B, token, 0));

        h.SendOk(B, sender, 7, [1, 2, 3]);
        Assert.Equal(-(long)CapsError.AccessDenied, h.Receive(B, sender, 16, 0).Result);
        Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.Grant(B, token, C, Rights.Send));
        Assert.Equal(CapsError.AccessDenied, h.Caps.Revoke(B, token, out _));
        Assert.Equal(CapsError.AccessDenied, h.Caps.CopyToken(B, sender, out _));
        MessageQueueStatus status = default;
        Assert.Equal(CapsError.AccessDenied, h.Caps.MessageControl(B, sender, IpcFlags.Remove, ref status));
        Assert.Equal(CapsError.None, h.Caps.MessageControl(B, sender, IpcFlags.Stat, ref status));

        (long n, long type, byte[] text) = h.Receive(A, owner, 16, 0);
        Assert.Equal((3L, 7L), (n, type));
        Assert.Equal(new byte[] { 1, 2, 3 }, text);
    }

    [Fact]
    public void GrantCannotWidenRightsButCanPassOnASubset()
    {
        using var h = new Harness();
        h.QueueOk(A, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Send | Rights.Grant);
        Assert.Equal(-(long)CapsError.NotPermitted, h.Caps.Grant(B, token, C, Rights.Send | Rights.Receive));
        Assert.Equal(0, h.Caps.HoldingCount(C));
        int c = h.GrantOk(B, token, C, Rights.Send);
        Assert.Equal(Rights.Send, (uint)h.Caps.RightsOf(C, c));
        Assert.Equal(CapsError.None, h.Caps.CopyToken(B, b, out CapabilityToken copied));
        Assert.True(CapabilityToken.FixedTimeEquals(token, copied));
    }

    [Fact]
    public void GrantingAgainAddsRightsToTheSameId()
    {
        using var h = new Harness();
        h.QueueOk(A, out CapabilityToken token);
        int first = h.GrantOk(A, token, B, Rights.Send);
        int second = h.GrantOk(A, token, B, Rights.Receive);
        Assert.Equal(first, second);
        Assert.Equal(Rights.Send | Rights.Receive, (uint)h.Caps.RightsOf(B, first));
        Assert.Equal(1, h.Caps.HoldingCount(B));
    }

    [Fact]
    public void GrantRejectsZeroOrUnknownRightsAndAFullTarget()
    {
        using var h = new Harness();
        h.QueueOk(A, out CapabilityToken token);
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.Grant(A, token, B, 0));
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.Grant(A, token, B, 0x40));
        for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
        {
            h.MintOk(B, out _);
        }

        Assert.Equal(-(long)CapsError.NoSpace, h.Caps.Grant(A, token, B, Rights.Send));
    }

    [Fact]
    public void RevokeInvalidatesEveryHoldersIds()
    {
        using var h = new Harness();
        int a = h.QueueOk(A, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Send | Rights.Receive);
        int c = h.GrantOk(A, token, C, Rights.Receive);
        h.SendOk(B, b, 1, new byte[100]);
        int before = h.Ledger.Outstanding;

        Assert.Equal(CapsError.None, h.Caps.Revoke(A, token, out ulong pages));
        Assert.Equal(0UL, pages);
        Assert.Equal(before - 1, h.Ledger.Outstanding); // the queued message was freed

        Assert.Equal(CapsError.Removed, h.Caps.Send(B, b, 1, [1], 0));
        Assert.Equal(-(long)CapsError.Removed, h.Receive(C, c, 8, 0).Result);
        Assert.Equal(-(long)CapsError.Removed, h.Receive(A, a, 8, 0).Result);
        Assert.Equal(0UL, h.Caps.WaitChannel(B, b));
        Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.MessageGet(A, token, IpcFlags.Create));
        Assert.Equal(0, h.Caps.HoldingCount(B));
        Assert.Equal(0, h.Caps.TokenCount);
    }

    [Fact]
    public void AnIdFromARevokedTokenIsNeverReusedForADifferentToken()
    {
        using var h = new Harness();
        int old = h.QueueOk(A, out CapabilityToken token);
        Assert.Equal(CapsError.None, h.Caps.Revoke(A, token, out _));
        int fresh = h.QueueOk(A, out _);
        Assert.NotEqual(old, fresh);
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Send(A, old, 1, [1], 0));
        h.SendOk(A, fresh, 1, [1]);
    }

    [Fact]
    public void ReleaseDropsOnlyTheCallersHoldingUntilTheLastHolder()
    {
        using var h = new Harness();
        int a = h.QueueOk(A, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Send | Rights.Receive);
        h.SendOk(A, a, 5, [9]);

        Assert.Equal(CapsError.None, h.Caps.Release(A, a, out _));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Send(A, a, 1, [1], 0));
        Assert.Equal(-(long)CapsError.AccessDenied, h.Caps.Lookup(A, token));
        Assert.Equal(1L, h.Receive(B, b, 8, 5).Result);   // the queue lives on with B

        Assert.Equal(CapsError.None, h.Caps.Release(B, b, out _));
        Assert.Equal(0, h.Caps.TokenCount);
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Release(B, b, out _));
    }

    [Fact]
    public void ReleasingARevokedIdClearsIt()
    {
        using var h = new Harness();
        h.QueueOk(A, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Send);
        Assert.Equal(CapsError.None, h.Caps.Revoke(A, token, out _));
        Assert.Equal(CapsError.Removed, h.Caps.Send(B, b, 1, [1], 0));
        Assert.Equal(CapsError.None, h.Caps.Release(B, b, out _));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.Send(B, b, 1, [1], 0));
    }

    [Fact]
    public void ProcessExitKeepsQueuesOtherProcessesStillHold()
    {
        using var h = new Harness();
        int a = h.QueueOk(A, out CapabilityToken token);
        int b = h.GrantOk(A, token, B, Rights.Receive);
        h.SendOk(A, a, 3, [1, 2]);
        h.QueueOk(A, out _); // only A holds this one

        h.Exit(A);
        Assert.Equal(0, h.Caps.HoldingCount(A));
        Assert.Equal(1, h.Caps.TokenCount);
        Assert.Equal(2L, h.Receive(B, b, 8, 0).Result);

        h.Exit(B);
        Assert.Equal(0, h.Caps.TokenCount);
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.ProcessExited(B, new ulong[10]));
    }

    [Fact]
    public void ForkCopiesHoldingsUnderTheSameIds()
    {
        using var h = new Harness();
        int a = h.QueueOk(A, out CapabilityToken token);
        Assert.Equal(CapsError.None, h.Caps.ProcessForked(A, B));
        Assert.Equal(a, h.Caps.Lookup(B, token));
        h.SendOk(B, a, 1, [7]);
        h.Exit(A);
        Assert.Equal(1L, h.Receive(B, a, 8, 0).Result);   // the child keeps the queue alive
        Assert.Equal(CapsError.Exists, h.Caps.ProcessForked(C, B));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.ProcessForked(B, B));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.ProcessForked(B, -1));
    }

    [Fact]
    public void TokenExportNeedsTheGrantRightAndAValidId()
    {
        using var h = new Harness();
        int a = h.MintOk(A, out CapabilityToken token);
        Assert.Equal(CapsError.None, h.Caps.CopyToken(A, a, out CapabilityToken copy));
        Assert.True(CapabilityToken.FixedTimeEquals(token, copy));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.CopyToken(A, a + 1, out _));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.CopyToken(A, -1, out _));
        Assert.Equal(-(long)CapsError.InvalidArgument, h.Caps.RightsOf(A, 12345));
    }
}
