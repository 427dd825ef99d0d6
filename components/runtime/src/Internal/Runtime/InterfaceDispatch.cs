using System;
using System.Runtime;

namespace Internal.Runtime;

/// <summary>
/// Resolves interface calls the compiler could not devirtualise. A call site calls through an
/// interface dispatch cell whose stub is <c>RhpInitialDynamicInterfaceDispatch</c> (assembly,
/// native/x86_64/InterfaceDispatch.S); the stub saves the argument registers and calls
/// <see cref="ResolveCall"/> with the receiver and the cell, then jumps to the result.
/// The implementation is found in the receiver type's dispatch map (and its bases'), and
/// remembered in a small direct-mapped cache keyed by (cell, type).
/// </summary>
internal static unsafe class InterfaceDispatch
{
    // Low bits of a cell's cache word (ILCompiler's InterfaceDispatchCellCachePointerFlags).
    private const nint CachePointerMask = 0x3;
    private const nint IsInterfacePointer = 0x1;
    private const nint IsIndirectedInterfaceRelativePointer = 0x2;
    private const nint IsInterfaceRelativePointer = 0x3;
    private const ushort ReabstractionSlot = 0xFFFF;
    private const ushort DiamondSlot = 0xFFFE;

    private struct Cell
    {
        public nint Stub;
        public nint Cache;
    }

    private const int CacheSize = 256;

    private struct Cache
    {
        public fixed long Cells[CacheSize];
        public fixed long Types[CacheSize];
        public fixed long Targets[CacheSize];
    }

    private static Cache s_cache;

    /// <summary>Number of resolutions that missed the cache (tests and benchmarks read it).</summary>
    internal static ulong Misses;

    [RuntimeExport("AuroraResolveInterfaceCall")]
    private static nint ResolveCall(object receiver, nint cell)
    {
        MethodTable* type = receiver.GetMethodTable();
        int index = (int)(((ulong)cell >> 4 ^ (ulong)type >> 3) & (CacheSize - 1));
        fixed (Cache* cache = &s_cache)
        {
            if (cache->Cells[index] == cell && cache->Types[index] == (long)type)
                return (nint)cache->Targets[index];
            Misses++;
            nint target = Resolve(type, (Cell*)cell);
            cache->Cells[index] = cell;
            cache->Types[index] = (long)type;
            cache->Targets[index] = target;
            return target;
        }
    }

    internal static nint ResolveForDelegate(object receiver, nint cell) => Resolve(receiver.GetMethodTable(), (Cell*)cell);

    private static nint Resolve(MethodTable* type, Cell* cell)
    {
        DecodeCell(cell, out MethodTable* interfaceType, out ushort slot);
        nint target = FindImplementation(type, interfaceType, slot);
        if (target == 0) RuntimeHost.Fail("interface dispatch: no implementation of the interface method");
        return target;
    }

    /// <summary>A run of cells ends with a cell whose stub is null; that terminator's cache
    /// word holds the slot (low 16 bits) for the whole run. Each cell's own cache word points
    /// (relatively or absolutely) at the interface type.</summary>
    private static void DecodeCell(Cell* cell, out MethodTable* interfaceType, out ushort slot)
    {
        nint cache = cell->Cache;
        Cell* terminator = cell;
        while (terminator->Stub != 0) terminator++;
        slot = (ushort)terminator->Cache;
        switch (cache & CachePointerMask)
        {
            case IsInterfacePointer:
                interfaceType = (MethodTable*)(cache & ~CachePointerMask);
                break;
            case IsInterfaceRelativePointer:
            case IsIndirectedInterfaceRelativePointer:
                nint address = ((nint)(&cell->Cache) + (int)cache) & ~CachePointerMask;
                interfaceType = (cache & CachePointerMask) == IsInterfaceRelativePointer
                    ? (MethodTable*)address
                    : *(MethodTable**)address;
                break;
            default:
                // 0 would be a cache pointer; Aurora never installs caches in cells.
                interfaceType = null;
                RuntimeHost.Fail("interface dispatch: unsupported dispatch cell encoding");
                break;
        }
    }

    internal static nint FindImplementation(MethodTable* type, MethodTable* interfaceType, ushort slot)
    {
        // First the type's own (and inherited) implementations, then default interface methods.
        for (int pass = 0; pass < 2; pass++)
        {
            for (MethodTable* current = type; current != null; current = current->BaseType)
            {
                DispatchMap* map = current->DispatchMap;
                if (map == null) continue;
                int first = pass == 0 ? 0 : map->StandardEntryCount;
                int end = pass == 0 ? map->StandardEntryCount : map->StandardEntryCount + map->DefaultEntryCount;
                DispatchMapEntry* entries = map->Entries;
                for (int i = first; i < end; i++)
                {
                    if (entries[i].InterfaceMethodSlot != slot) continue;
                    if (current->InterfaceMap[entries[i].InterfaceIndex] != interfaceType) continue;
                    ushort implementation = entries[i].ImplMethodSlot;
                    if (implementation == ReabstractionSlot || implementation == DiamondSlot) return 0;
                    if (implementation < current->NumVtableSlots)
                        return type->Vtable[implementation]; // the most derived override
                    return current->GetSealedVirtualSlot((ushort)(implementation - current->NumVtableSlots));
                }
            }
        }
        return 0;
    }
}
