global using UserRegions = Aurora.Vmm.RegionMap<Aurora.Kernel.Memory.HeapRegionStorage>;
using Aurora.Kernel.Memory;
using Aurora.Vmm;

namespace Aurora.Kernel.Processes;

/// <summary>
/// A process's virtual memory areas (<see cref="Regions"/>, an Aurora.Vmm RegionMap): which
/// addresses it may touch with what rights, and the most mprotect may ever grant. The page
/// tables follow the regions: anonymous memory, the break and the stack are filled in on first
/// touch (demand paging), so mmap, munmap and mprotect cost what is mapped, not what is asked
/// (issue 9, finding 5), and a right the region does not allow is never granted by a fault or
/// by mprotect (finding 2).
/// </summary>
internal unsafe partial struct Process
{
    /// <summary>Most regions one process may have (Linux's vm.max_map_count is 65530; ours is
    /// lower because the table lives on the kernel heap).</summary>
    internal const int MaxRegions = 8192;

    internal static UserRegions NewRegions() => new UserRegions(default, MaxRegions);

    /// <summary>PROT_* bits (Linux) as region access.</summary>
    internal static RegionAccess AccessFromProt(ulong prot) => (RegionAccess)(prot & 7);

    /// <summary>The page rights a region's access gives. x86 cannot express write-only or
    /// execute-only, so any access makes the page user-readable; no access (PROT_NONE) leaves
    /// it kernel-only.</summary>
    internal static PageFlags PageRights(RegionAccess access)
    {
        if (access == RegionAccess.None) return PageFlags.NoExecute;
        PageFlags flags = PageFlags.User;
        if ((access & RegionAccess.Write) != 0) flags |= PageFlags.Writable;
        if ((access & RegionAccess.Execute) == 0) flags |= PageFlags.NoExecute;
        return flags;
    }

    /// <summary>
    /// A user page fault, or a kernel copy reaching a page not yet there: demand paging (a
    /// zeroed frame for anonymous, stack and break regions) and copy-on-write, both only where
    /// the region's access allows the kind of access. True when the access can be retried.
    /// </summary>
    internal static bool ResolveFault(Process* process, ulong address, bool write, bool execute, bool present)
    {
        if (address >= UserMemory.UserLimit) return false;
        int index = process->Regions.IndexOf(address & ~(UserMemory.PageSize - 1));
        if (index < 0) return false;
        Region region = process->Regions[index];
        if (region.Access == RegionAccess.None) return false;
        if (write && (region.Access & RegionAccess.Write) == 0) return false;
        if (execute && (region.Access & RegionAccess.Execute) == 0) return false;
        if (present) return write && UserMemory.ResolveWriteFault(process->Space, address) == VmmError.None;
        if (region.Kind == RegionKind.Shared) return false; // its frames are mapped at attach
        if (HoldsObject(region)) return FaultInObjectPage(process, region, address & ~(UserMemory.PageSize - 1), write);
        return UserMemory.MapZeroed(process->Space, address & ~(UserMemory.PageSize - 1),
            (address & ~(UserMemory.PageSize - 1)) + UserMemory.PageSize, PageRights(region.Access));
    }

    /// <summary>Whether the region holds a reference to a mapped object (its Tag is an open file
    /// description: a file, or anonymous shared memory).</summary>
    internal static bool HoldsObject(in Region region) =>
        region.Kind == RegionKind.ObjectShared || region.Kind == RegionKind.ObjectPrivate;

    /// <summary>A first touch of a page of a file or shared-memory mapping: the object gives the
    /// page (FileOperations.Map). Shared: its own frame, mapped PageFlags.Shared so fork and
    /// mprotect never copy it. Private: its own frame copy-on-write (a write copies at once), or
    /// a copy that is the mapping's alone. Past the object's last page the access fails:
    /// SIGBUS (<see cref="BusError"/>), as Linux.</summary>
    private static bool FaultInObjectPage(Process* process, in Region region, ulong page, bool write)
    {
        var file = (Files.OpenFileDescription*)region.Tag;
        bool shared = region.Kind == RegionKind.ObjectShared;
        Files.MappedPage mapped;
        long result = file->Operations->Map(file, region.Offset + (page - region.Start), shared, &mapped);
        if (result < 0)
        {
            process->BusError = true;
            return false;
        }

        PageFlags rights = PageRights(region.Access);
        if (mapped.Copy) return UserMemory.MapPrivateFrame(process->Space, page, mapped.Frame, rights);
        if (shared) return UserMemory.MapObjectFrame(process->Space, page, mapped.Frame, rights | PageFlags.Shared);
        if ((rights & PageFlags.Writable) != 0) rights = (rights & ~PageFlags.Writable) | PageFlags.CopyOnWrite;
        if (!UserMemory.MapObjectFrame(process->Space, page, mapped.Frame, rights)) return false;
        return !write || UserMemory.ResolveWriteFault(process->Space, page) == VmmError.None;
    }

    /// <summary>Where a new mapping of <paramref name="size"/> bytes goes when the caller did not
    /// fix it: the hint when it is free, else the first gap from the mapping cursor up (then from
    /// the bottom of the mapping window); one unmapped guard page is left after each. 0 when
    /// nothing fits.</summary>
    /// <summary>RLIMIT_AS (Linux's may_expand_vm): whether [start, end) may be added to the
    /// process's regions, the part already mapped there not counted twice (MAP_FIXED over
    /// a mapping). Under the address-space lock.</summary>
    internal static bool FitsAddressSpaceLimit(Process* process, ulong start, ulong end)
    {
        ulong limit = ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.AddressSpace);
        if (limit == ResourceLimits.Infinity) return true;
        ulong total = end - start;
        for (int i = 0; i < process->Regions.Count; i++)
        {
            ref Region region = ref process->Regions[i];
            ulong overlapStart = region.Start > start ? region.Start : start, overlapEnd = region.End < end ? region.End : end;
            total += region.Length - (overlapEnd > overlapStart ? overlapEnd - overlapStart : 0);
        }

        return total <= limit;
    }

    /// <summary>RLIMIT_AS for mremap's growth by <paramref name="extra"/> bytes.</summary>
    internal static bool FitsAddressSpaceLimit(Process* process, ulong extra)
    {
        ulong limit = ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.AddressSpace);
        if (limit == ResourceLimits.Infinity) return true;
        ulong total = extra;
        for (int i = 0; i < process->Regions.Count; i++) total += process->Regions[i].Length;
        return total <= limit;
    }

    internal static ulong ChooseMappingAddress(Process* process, ulong hint, ulong size)
    {
        const ulong Page = UserMemory.PageSize;
        if (hint != 0 && (hint & (Page - 1)) == 0 && hint >= MappingBaseLowest && hint < MappingLimit &&
            size <= MappingLimit - hint && !process->Regions.Overlaps(hint, hint + size))
            return hint;
        ulong start = process->Regions.FindFree(size + Page, process->MappingCursor, MappingLimit);
        if (start == 0) start = process->Regions.FindFree(size + Page, MappingBaseLowest, MappingLimit);
        if (start == 0) return 0;
        process->MappingCursor = start + size + Page;
        return start;
    }

    /// <summary>Unmaps [start, end) and forgets its regions (munmap, MAP_FIXED, brk shrinking).</summary>
    internal static void UnmapRegions(Process* process, ulong start, ulong end)
    {
        // Every mapping has a region, so only the regions the range meets need a walk.
        for (int i = process->Regions.FirstEndingAfter(start); i < process->Regions.Count && process->Regions[i].Start < end; i++)
        {
            Region region = process->Regions[i];
            UserMemory.UnmapRange(process->Space, region.Start > start ? region.Start : start, region.End < end ? region.End : end);
        }

        if (process->Regions.Remove(start, end) != VmmError.None)
        {
            // Cutting one region in two needs one more slot; without memory for it the range
            // stays a region whose pages are gone: touching it faults in fresh zero pages,
            // which is what a later mmap there would give too.
            Log.WriteLine("munmap: no memory to split a region; its pages are unmapped");
        }
    }
}
