using System;
using System.Reflection;
using Xunit;

namespace Aurora.Heap.Tests;

/// <summary>A page source with no reference fields, as a kernel's would be.</summary>
public unsafe struct NoPages : IPageSource
{
    public byte* AllocatePages(nuint count) => null;

    public void FreePages(byte* pages, nuint count)
    {
    }
}

/// <summary>Properties the kernel relies on that ordinary behaviour tests would not notice.</summary>
public unsafe class ContractTests
{
    private static KernelHeap<HostPageSource> s_heap;

    [Fact]
    public void KernelHeapHoldsNoReferenceTypeFields()
    {
        AssertNoReferences(typeof(KernelHeap<NoPages>));
    }

    [Fact]
    public void KernelHeapWorksAsAStaticFieldOfStructType()
    {
        using var ledger = new PageLedger();
        s_heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: true);

        void* a = s_heap.Allocate(40);
        void* b = s_heap.Allocate(4000);
        Assert.Equal(2UL, s_heap.Statistics.LiveBlocks);
        Assert.Equal(HeapError.None, s_heap.Free(a).Error);
        Assert.Equal(HeapError.None, s_heap.Free(b).Error);
        s_heap.Trim();
        Assert.Equal(0UL, ledger.PagesOutstanding);
        s_heap = default;
    }

    [Fact]
    public void AHeapWithoutPagesFailsCleanly()
    {
        var heap = new KernelHeap<NoPages>(default, debug: false);

        Assert.True(heap.Allocate(16) == null);
        Assert.True(heap.Allocate(100000) == null);
        Assert.Equal(HeapError.InvalidPointer, heap.Free((void*)0x1000).Error);
        Assert.Equal((nuint)0, heap.UsableSize((void*)0x1000));
        Assert.True(heap.Validate());
    }

    private static void AssertNoReferences(Type type)
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
