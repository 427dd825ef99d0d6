using System;
using Xunit;

namespace Aurora.Sched.Tests;

public class NiceWeightsTests
{
    [Fact]
    public void NiceZeroWeighs1024()
    {
        Assert.Equal(1024u, NiceWeights.Weight(0));
        Assert.Equal(NiceWeights.NiceZeroWeight, NiceWeights.Weight(0));
    }

    [Fact]
    public void EveryWeightIsTheRoundedPowerOf1Point25()
    {
        for (int nice = NiceWeights.MinNice; nice <= NiceWeights.MaxNice; nice++)
        {
            double exact = 1024.0 / Math.Pow(1.25, nice);
            Assert.True(Math.Abs(NiceWeights.Weight(nice) - exact) <= 0.5, $"nice {nice}: {NiceWeights.Weight(nice)} vs {exact}");
        }
    }

    [Fact]
    public void EachNiceStepIsAbout1Point25AndStrictlyMonotonic()
    {
        for (int nice = NiceWeights.MinNice; nice < NiceWeights.MaxNice; nice++)
        {
            double ratio = (double)NiceWeights.Weight(nice) / NiceWeights.Weight(nice + 1);
            Assert.InRange(ratio, 1.2, 1.3);
        }
    }

    [Fact]
    public void ExtremesMatchTheDeclaredBounds()
    {
        Assert.Equal(NiceWeights.MaxWeight, NiceWeights.Weight(NiceWeights.MinNice));
        Assert.Equal(NiceWeights.MinWeight, NiceWeights.Weight(NiceWeights.MaxNice));
        Assert.Equal(3125u, NiceWeights.Weight(-5));
        Assert.Equal(336u, NiceWeights.Weight(5));
    }

    [Theory]
    [InlineData(-21)]
    [InlineData(-1000)]
    [InlineData(int.MinValue)]
    public void NiceBelowTheRangeClampsToMinNice(int nice)
    {
        Assert.Equal(NiceWeights.Weight(NiceWeights.MinNice), NiceWeights.Weight(nice));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void NiceAboveTheRangeClampsToMaxNice(int nice)
    {
        Assert.Equal(NiceWeights.Weight(NiceWeights.MaxNice), NiceWeights.Weight(nice));
    }
}
