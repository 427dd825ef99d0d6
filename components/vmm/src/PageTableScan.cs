namespace Aurora.Vmm;

/// <summary>
/// Finding the present entries of a page table. Fork (Clone) and exit (Destroy) visit every
/// table of a space, and most of a small process's 512-entry tables are empty: the loops that
/// tested one entry at a time spent ~11 instructions an entry (issue 17: two thirds of a
/// fork + exit + wait). Four entries are tested with one OR here.
/// </summary>
internal static unsafe class PageTableScan
{
    private const int EntriesPerTable = 512;

    /// <summary>The index of the first entry at or after <paramref name="index"/> whose Present
    /// bit is set, or <paramref name="end"/> when none is before it.</summary>
    internal static int NextPresent(ulong* table, int index, int end = EntriesPerTable)
    {
        const ulong present = (ulong)PageFlags.Present;
        while (index < end && (index & 3) != 0)
        {
            if ((table[index] & present) != 0) return index;
            index++;
        }
        while (index + 4 <= end && ((table[index] | table[index + 1] | table[index + 2] | table[index + 3]) & present) == 0)
        {
            index += 4;
        }
        while (index < end && (table[index] & present) == 0)
        {
            index++;
        }
        return index;
    }
}
