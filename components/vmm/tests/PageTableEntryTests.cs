using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

public class PageTableEntryTests
{
    [Fact]
    public void Flag_bits_sit_where_the_SDM_puts_them()
    {
        Assert.Equal(P, (ulong)PageFlags.Present);
        Assert.Equal(RW, (ulong)PageFlags.Writable);
        Assert.Equal(US, (ulong)PageFlags.User);
        Assert.Equal(PWT, (ulong)PageFlags.WriteThrough);
        Assert.Equal(PCD, (ulong)PageFlags.CacheDisable);
        Assert.Equal(A, (ulong)PageFlags.Accessed);
        Assert.Equal(D, (ulong)PageFlags.Dirty);
        Assert.Equal(PS, (ulong)PageFlags.Huge);
        Assert.Equal(Pat4K, (ulong)PageFlags.Pat);
        Assert.Equal(G, (ulong)PageFlags.Global);
        Assert.Equal(Cow, (ulong)PageFlags.CopyOnWrite);
        Assert.Equal(PatLarge, (ulong)PageFlags.PatLarge);
        Assert.Equal(XD, (ulong)PageFlags.NoExecute);
        Assert.Equal(RW | US | G | Cow | (1UL << 10) | XD, (ulong)PageFlags.Protection);
    }

    [Fact]
    public void A_4KiB_leaf_holds_address_present_and_protection_but_no_page_size_bit()
    {
        var entry = PageTableEntry.Leaf(0x1234_5000, PageSize.Size4KiB,
            PageFlags.Writable | PageFlags.User | PageFlags.NoExecute, CacheMode.WriteBack);
        Assert.Equal(0x1234_5000UL | P | RW | US | XD, entry.Value);
        Assert.True(entry.IsPresent);
        Assert.Equal(0x1234_5000UL, entry.FrameAddress(PageSize.Size4KiB));
    }

    [Fact]
    public void A_2MiB_leaf_sets_the_page_size_bit()
    {
        var entry = PageTableEntry.Leaf(0x4020_0000, PageSize.Size2MiB, PageFlags.Global, CacheMode.WriteBack);
        Assert.Equal(0x4020_0000UL | P | PS | G, entry.Value);
        Assert.True(entry.IsHuge);
        Assert.Equal(0x4020_0000UL, entry.FrameAddress(PageSize.Size2MiB));
    }

    [Theory]
    [InlineData(CacheMode.WriteBack, 0UL)]
    [InlineData(CacheMode.WriteThrough, PWT)]
    [InlineData(CacheMode.UncachedMinus, PCD)]
    [InlineData(CacheMode.Uncached, PCD | PWT)]
    [InlineData(CacheMode.WriteProtected, Pat4K)]
    [InlineData(CacheMode.WriteCombining, Pat4K | PWT)]
    public void Cache_modes_encode_their_PAT_index_with_bit_7_in_a_4KiB_entry(CacheMode mode, ulong bits)
    {
        var entry = PageTableEntry.Leaf(0x5000, PageSize.Size4KiB, PageFlags.None, mode);
        Assert.Equal(0x5000UL | P | bits, entry.Value);
        Assert.Equal(mode, entry.Cache(PageSize.Size4KiB));
    }

    [Theory]
    [InlineData(CacheMode.WriteBack, 0UL)]
    [InlineData(CacheMode.WriteThrough, PWT)]
    [InlineData(CacheMode.UncachedMinus, PCD)]
    [InlineData(CacheMode.Uncached, PCD | PWT)]
    [InlineData(CacheMode.WriteProtected, PatLarge)]
    [InlineData(CacheMode.WriteCombining, PatLarge | PWT)]
    public void Cache_modes_encode_their_PAT_index_with_bit_12_in_a_2MiB_entry(CacheMode mode, ulong bits)
    {
        var entry = PageTableEntry.Leaf(0x60_0000, PageSize.Size2MiB, PageFlags.None, mode);
        Assert.Equal(0x60_0000UL | P | PS | bits, entry.Value);
        Assert.Equal(mode, entry.Cache(PageSize.Size2MiB));
        Assert.Equal(0x60_0000UL, entry.FrameAddress(PageSize.Size2MiB));
    }

    [Fact]
    public void PAT_indices_6_and_7_decode_as_uncached_as_Limine_programs_them()
    {
        Assert.Equal(CacheMode.Uncached, new PageTableEntry(P | Pat4K | PCD).Cache(PageSize.Size4KiB));
        Assert.Equal(CacheMode.Uncached, new PageTableEntry(P | PS | PatLarge | PCD | PWT).Cache(PageSize.Size2MiB));
    }

    [Fact]
    public void Virtual_address_indices_split_the_kernel_base_into_511_510_0_0()
    {
        const ulong kernelBase = 0xFFFF_FFFF_8000_0000;
        Assert.Equal(511, VirtualAddress.Pml4Index(kernelBase));
        Assert.Equal(510, VirtualAddress.PdptIndex(kernelBase));
        Assert.Equal(0, VirtualAddress.PdIndex(kernelBase));
        Assert.Equal(0, VirtualAddress.PtIndex(kernelBase));
        Assert.Equal(kernelBase, Va(511, 510, 0, 0));

        ulong user = Va(3, 5, 7, 9, 0x123);
        Assert.Equal(3, VirtualAddress.Pml4Index(user));
        Assert.Equal(5, VirtualAddress.PdptIndex(user));
        Assert.Equal(7, VirtualAddress.PdIndex(user));
        Assert.Equal(9, VirtualAddress.PtIndex(user));
    }

    [Theory]
    [InlineData(0x0000_0000_0000_0000UL, true)]
    [InlineData(0x0000_7FFF_FFFF_FFFFUL, true)]
    [InlineData(0xFFFF_8000_0000_0000UL, true)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL, true)]
    [InlineData(0x0000_8000_0000_0000UL, false)]
    [InlineData(0xFFFF_7FFF_FFFF_FFFFUL, false)]
    [InlineData(0x0001_0000_0000_0000UL, false)]
    public void Canonical_means_bits_63_to_48_copy_bit_47(ulong address, bool canonical)
        => Assert.Equal(canonical, VirtualAddress.IsCanonical(address));
}
