using Xunit;

namespace Aurora.Caps.Tests;

public class FilterTests
{
    private const int A = 1, B = 2;

    private static SyscallFilterSpec Spec(uint flags, params int[] numbers)
    {
        SyscallFilterSpec spec = default;
        spec.Flags = flags;
        foreach (int n in numbers)
        {
            spec.Set(n);
        }

        return spec;
    }

    [Fact]
    public void WithoutAFilterEverythingIsAllowed()
    {
        SyscallFilter filter = default;
        Assert.False(filter.IsInstalled);
        for (ulong n = 0; n < 2000; n++)
        {
            Assert.True(filter.Allows(n));
        }

        Assert.True(filter.Allows(ulong.MaxValue));
    }

    [Fact]
    public void DefaultDenyAllowsOnlyTheListedNumbers()
    {
        using var h = new Harness();
        Assert.Equal(CapsError.None, h.Caps.InstallFilter(A, Spec(0, 0, 1, 60, 63, 64, 231, 1023)));
        for (int n = 0; n < CapsLimits.FilterSyscallCount; n++)
        {
            bool listed = n is 0 or 1 or 60 or 63 or 64 or 231 or 1023;
            Assert.Equal(listed, h.Caps.Allows(A, (ulong)n));
        }

        Assert.False(h.Caps.Allows(A, 1024));
        Assert.False(h.Caps.Allows(A, unchecked((ulong)-1L)));
        Assert.True(h.Caps.Allows(B, 2));           // other processes unaffected
    }

    [Fact]
    public void DefaultAllowDeniesOnlyTheListedNumbers()
    {
        using var h = new Harness();
        Assert.Equal(CapsError.None, h.Caps.InstallFilter(A, Spec(SyscallFilterSpec.DefaultAllow, 57, 59, 1000)));
        Assert.False(h.Caps.Allows(A, 57));
        Assert.False(h.Caps.Allows(A, 59));
        Assert.False(h.Caps.Allows(A, 1000));
        Assert.True(h.Caps.Allows(A, 58));
        Assert.True(h.Caps.Allows(A, 5000));
    }

    [Fact]
    public void ASecondFilterOnlyNarrows()
    {
        using var h = new Harness();
        Assert.Equal(CapsError.None, h.Caps.InstallFilter(A, Spec(0, 0, 1, 2, 3)));
        // Asking for more (4, 5, and everything by default-allow) gets nothing new.
        Assert.Equal(CapsError.None, h.Caps.InstallFilter(A, Spec(SyscallFilterSpec.DefaultAllow, 1)));
        Assert.Equal(CapsError.None, h.Caps.InstallFilter(A, Spec(0, 0, 2, 3, 4, 5)));
        Assert.True(h.Caps.Allows(A, 0));
        Assert.False(h.Caps.Allows(A, 1));          // denied by the second
        Assert.True(h.Caps.Allows(A, 2));
        Assert.False(h.Caps.Allows(A, 4));          // never allowed by the first
        Assert.False(h.Caps.Allows(A, 5000));
    }

    [Fact]
    public void UnknownFlagsAreRejectedWithoutChange()
    {
        using var h = new Harness();
        Assert.Equal(CapsError.InvalidArgument, h.Caps.InstallFilter(A, Spec(4, 1)));
        Assert.False(h.Caps.FilterOf(A).IsInstalled);
        Assert.True(h.Caps.Allows(A, 2));
        Assert.Equal(CapsError.InvalidArgument, h.Caps.InstallFilter(-1, Spec(0)));
    }

    [Fact]
    public void ForkAlwaysCopiesTheFilter()
    {
        using var h = new Harness();
        Assert.Equal(CapsError.None, h.Caps.InstallFilter(A, Spec(SyscallFilterSpec.Inheritable, 0, 57)));
        Assert.Equal(CapsError.None, h.Caps.ProcessForked(A, B));
        Assert.True(h.Caps.Allows(B, 57));
        Assert.False(h.Caps.Allows(B, 59));
        Assert.True(h.Caps.FilterOf(B).IsInheritable);

        // Without the (now meaningless) Inheritable flag the child is filtered all the same:
        // as with Linux seccomp, forking is no way out of a sandbox.
        Assert.Equal(CapsError.None, h.Caps.InstallFilter(10, Spec(0, 0)));
        Assert.True(h.Caps.FilterOf(10).IsInheritable);
        Assert.Equal(CapsError.None, h.Caps.ProcessForked(10, 11));
        Assert.True(h.Caps.FilterOf(11).IsInstalled);
        Assert.True(h.Caps.Allows(11, 0));
        Assert.False(h.Caps.Allows(11, 59));
        Assert.False(h.Caps.Allows(11, 5000));
        Assert.Equal(CapsError.Exists, h.Caps.ProcessForked(11, 10));   // 10 still has its filter

        // And the grandchild too.
        Assert.Equal(CapsError.None, h.Caps.ProcessForked(11, 12));
        Assert.False(h.Caps.Allows(12, 59));
        Assert.True(h.Caps.Allows(12, 0));
    }

    [Fact]
    public void AnUnfilteredParentGivesAnUnfilteredChild()
    {
        using var h = new Harness();
        Assert.Equal(CapsError.None, h.Caps.ProcessForked(A, B));
        Assert.False(h.Caps.FilterOf(B).IsInstalled);
        Assert.True(h.Caps.Allows(B, 59));
    }

    [Fact]
    public void InheritanceOnceSetCannotBeTurnedOff()
    {
        using var h = new Harness();
        Assert.Equal(CapsError.None, h.Caps.InstallFilter(A, Spec(SyscallFilterSpec.Inheritable | SyscallFilterSpec.DefaultAllow, 59)));
        Assert.Equal(CapsError.None, h.Caps.InstallFilter(A, Spec(SyscallFilterSpec.DefaultAllow, 62)));
        Assert.True(h.Caps.FilterOf(A).IsInheritable);
        Assert.Equal(CapsError.None, h.Caps.ProcessForked(A, B));
        Assert.False(h.Caps.Allows(B, 59));
        Assert.False(h.Caps.Allows(B, 62));
    }

    [Fact]
    public void ExitClearsTheFilter()
    {
        using var h = new Harness();
        Assert.Equal(CapsError.None, h.Caps.InstallFilter(A, Spec(0)));
        Assert.False(h.Caps.Allows(A, 0));
        h.Exit(A);
        Assert.True(h.Caps.Allows(A, 0));
    }
}
