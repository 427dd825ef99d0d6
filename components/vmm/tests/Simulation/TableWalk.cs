namespace Aurora.Vmm.Tests.Simulation;

/// <summary>Counts the table frames reachable from a root by reading the simulated RAM directly.</summary>
public static class TableWalk
{
    public static int CountTables(SimulatedMachine machine, ulong root, int firstPml4 = 0, int endPml4 = 512)
    {
        int tables = 1;
        for (int i4 = firstPml4; i4 < endPml4; i4++)
        {
            ulong e4 = machine.Entry(root, i4);
            if ((e4 & Bits.P) == 0)
            {
                continue;
            }
            tables++;
            ulong pdpt = e4 & PageTableEntry.AddressMask;
            for (int i3 = 0; i3 < 512; i3++)
            {
                ulong e3 = machine.Entry(pdpt, i3);
                if ((e3 & Bits.P) == 0 || (e3 & Bits.PS) != 0)
                {
                    continue;
                }
                tables++;
                ulong pd = e3 & PageTableEntry.AddressMask;
                for (int i2 = 0; i2 < 512; i2++)
                {
                    ulong e2 = machine.Entry(pd, i2);
                    if ((e2 & Bits.P) != 0 && (e2 & Bits.PS) == 0)
                    {
                        tables++;
                    }
                }
            }
        }
        return tables;
    }
}
