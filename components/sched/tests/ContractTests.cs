using System;
using System.Reflection;
using Xunit;

namespace Aurora.Sched.Tests;

/// <summary>Properties the kernel relies on that ordinary behaviour tests would not notice.</summary>
public unsafe class ContractTests
{
    private static RunQueue s_queue;

    [Fact]
    public void RunQueueAndEntityHoldNoReferenceTypeFields()
    {
        AssertNoReferences(typeof(RunQueue));
        AssertNoReferences(typeof(SchedEntity));
        AssertNoReferences(typeof(RunQueueSlot));
    }

    [Fact]
    public void ZeroedStaticQueueWorksWithDefaultTunables()
    {
        Assert.Equal(RunQueue.DefaultTargetLatencyNs, s_queue.TargetLatencyNs);
        Assert.Equal(RunQueue.DefaultMinGranularityNs, s_queue.MinGranularityNs);
        Assert.Equal(RunQueue.DefaultWakeupGranularityNs, s_queue.WakeupGranularityNs);
        SchedEntity a = default;
        Assert.Equal(SchedError.None, a.Initialize(1, 0));
        RunQueueSlot* slots = stackalloc RunQueueSlot[2];
        Assert.Equal((nuint)(2 * sizeof(RunQueueSlot)), RunQueue.StorageBytes(1));
        Assert.Equal(SchedError.None, s_queue.SetStorage(slots, 1, out _));
        Assert.Equal(SchedError.None, s_queue.Add(&a, waking: false));
        Assert.True(&a == s_queue.PickNext(false));
        Assert.False(s_queue.Tick(1_000_000));
        Assert.True(s_queue.Validate());
        Assert.True(s_queue.PickNext(false) == null);
        s_queue = default;
    }

    [Fact]
    public void ParameterlessConstructorUsesTheDefaults()
    {
        var queue = new RunQueue();
        Assert.Equal(6_000_000UL, queue.TargetLatencyNs);
        Assert.Equal(750_000UL, queue.MinGranularityNs);
        Assert.Equal(1_000_000UL, queue.WakeupGranularityNs);
    }

    [Fact]
    public void ConstructorKeepsGivenTunables()
    {
        var queue = new RunQueue(10_000_000, 1_000_000, 2_000_000);
        Assert.Equal(10_000_000UL, queue.TargetLatencyNs);
        Assert.Equal(1_000_000UL, queue.MinGranularityNs);
        Assert.Equal(2_000_000UL, queue.WakeupGranularityNs);
    }

    [Fact]
    public void ZeroLatencyOrGranularityIsRefusedAndChangesNothing()
    {
        var queue = new RunQueue(0, 0, 0);
        Assert.Equal(RunQueue.DefaultTargetLatencyNs, queue.TargetLatencyNs);
        Assert.Equal(SchedError.InvalidArgument, queue.Configure(0, 1, 1));
        Assert.Equal(SchedError.InvalidArgument, queue.Configure(1, 0, 1));
        Assert.Equal(RunQueue.DefaultMinGranularityNs, queue.MinGranularityNs);
        Assert.Equal(SchedError.None, queue.Configure(4_000_000, 500_000, 0));
        Assert.Equal(0UL, queue.WakeupGranularityNs);
    }

    [Fact]
    public void ConfigureKeepsAnyValueIncludingTheDefaultsAndTheExtremes()
    {
        // The tunables are stored relative to their defaults (a zeroed queue has the defaults):
        // every value must still read back as given.
        var queue = new RunQueue();
        foreach (ulong value in new[] { 1UL, RunQueue.DefaultTargetLatencyNs, RunQueue.DefaultMinGranularityNs, RunQueue.DefaultWakeupGranularityNs, ulong.MaxValue })
        {
            Assert.Equal(SchedError.None, queue.Configure(value, value, value));
            Assert.Equal(value, queue.TargetLatencyNs);
            Assert.Equal(value, queue.MinGranularityNs);
            Assert.Equal(value, queue.WakeupGranularityNs);
        }
    }

    internal static void AssertNoReferences(Type type)
    {
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        {
            Type t = field.FieldType;
            Assert.False(!t.IsValueType && !t.IsPointer, $"{type.Name}.{field.Name} is a reference ({t})");
            if (t.IsValueType && !t.IsPrimitive && !t.IsEnum && t != type)
            {
                AssertNoReferences(t);
            }
        }
    }
}
