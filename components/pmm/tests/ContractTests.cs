using System;
using System.Reflection;
using Xunit;
using static Aurora.Pmm.Tests.PmmHarness;

namespace Aurora.Pmm.Tests;

/// <summary>Properties the kernel relies on that ordinary behaviour tests would not notice.</summary>
public unsafe class ContractTests
{
    private static FrameAllocator s_pmm;

    [Fact]
    public void FrameAllocatorHoldsNoReferenceTypeFields()
    {
        AssertNoReferences(typeof(FrameAllocator));
    }

    [Fact]
    public void FrameAllocatorWorksAsAStaticFieldOfStructType()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB));
        Assert.Equal(PmmError.None, s_pmm.Initialize([Usable(1 * MiB, 1 * MiB)], h.Metadata, h.MetadataBytes));

        Assert.Equal(PmmError.None, s_pmm.AllocateFrame(out ulong a));
        Assert.Equal(1UL, s_pmm.UsedFrames);
        Assert.Equal(PmmError.None, s_pmm.FreeFrame(a));
        Assert.Equal(0UL, s_pmm.UsedFrames);
        s_pmm = default;
    }

    [Fact]
    public void DefaultAllocatorReportsNotInitialized()
    {
        FrameAllocator pmm = default;

        Assert.Equal(PmmError.NotInitialized, pmm.AllocateFrame(out _));
        Assert.Equal(PmmError.NotInitialized, pmm.AllocateContiguous(1, 1, out _));
        Assert.Equal(PmmError.NotInitialized, pmm.FreeFrame(1 * MiB));
        Assert.Equal(PmmError.NotInitialized, pmm.FreeContiguous(1 * MiB, 2));
        Assert.Equal(PmmError.NotInitialized, pmm.Reserve(1 * MiB, 1));
        Assert.Equal(PmmError.NotInitialized, pmm.ReclaimBootloaderMemory([]));
        Assert.False(pmm.IsFree(1 * MiB));
        Assert.Equal(0UL, pmm.TotalFrames);
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
