using Aurora.Kernel.Processes;
using Aurora.Vmm;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// brk, mmap (anonymous, private), munmap, mprotect — as operations on the process's regions
/// (Process.Memory.cs). Pages are filled in on first touch, so each call costs what is mapped,
/// not the size of the range it names (issue 9, finding 5), and mprotect never grants what a
/// region may not have, nor write access to a frame another process shares (finding 2).
/// </summary>
internal static unsafe class MemoryCalls
{
    private const ulong ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    private const ulong MapShared = 0x01, MapPrivate = 0x02, MapFixed = 0x10, MapAnonymous = 0x20;
    private const ulong MapFixedNoReplace = 0x100000;
    private const ulong Page = UserMemory.PageSize;
    private const RegionAccess AllAccess = RegionAccess.Read | RegionAccess.Write | RegionAccess.Execute;

    private static ulong PageUp(ulong value) => (value + Page - 1) & ~(Page - 1);

    /// <summary>brk(address): moves the break and returns the new one; on failure, or for 0,
    /// returns the current one (Linux behaviour). The break is one region from the break start
    /// to the page above the break; it may not grow into another mapping.</summary>
    internal static long Brk(Process* process, ulong address)
    {
        ulong current = process->Break;
        if (address < process->BreakStart || address - process->BreakStart > Process.BreakLimit)
            return (long)current;
        ulong start = process->BreakStart;
        ulong mappedEnd = PageUp(current), wantedEnd = PageUp(address);
        if (wantedEnd > mappedEnd)
        {
            if (process->Regions.Overlaps(mappedEnd, wantedEnd)) return (long)current;
            if (!ReplaceBreakRegion(process, start, mappedEnd, wantedEnd)) return (long)current;
        }
        else if (wantedEnd < mappedEnd)
        {
            Process.UnmapRegions(process, wantedEnd, mappedEnd);
        }

        process->Break = address;
        return (long)address;
    }

    /// <summary>The break region [start, oldEnd) becomes [start, newEnd) (no region when empty).</summary>
    private static bool ReplaceBreakRegion(Process* process, ulong start, ulong oldEnd, ulong newEnd)
    {
        const RegionAccess ReadWrite = RegionAccess.Read | RegionAccess.Write;
        if (oldEnd > start) process->Regions.Remove(start, oldEnd); // removes whole regions only: cannot fail
        if (process->Regions.Insert(new Region(start, newEnd, ReadWrite, AllAccess, RegionKind.Break)) == VmmError.None)
            return true;
        if (oldEnd > start) process->Regions.Insert(new Region(start, oldEnd, ReadWrite, AllAccess, RegionKind.Break));
        return false;
    }

    internal static long Mmap(Process* process, ulong address, ulong length, ulong protection, ulong flags, ulong descriptor, ulong offset)
    {
        if (length == 0) return -Errno.EINVAL;
        if ((flags & MapAnonymous) == 0) return -Errno.EBADF; // no file descriptors map memory yet
        if ((flags & (MapShared | MapPrivate)) != MapPrivate) return -Errno.EINVAL;
        if ((protection & ~(ProtRead | ProtWrite | ProtExec)) != 0) return -Errno.EINVAL;
        if (length > UserMemory.UserLimit) return -Errno.ENOMEM;
        ulong size = PageUp(length);
        // Linux's heuristic overcommit: one writable private mapping larger than all of memory
        // can never be backed, so it is refused at once (PROT_NONE and read-only reservations
        // cost nothing and are allowed).
        if ((protection & ProtWrite) != 0 && size > Memory.KernelMemory.Frames.TotalBytes) return -Errno.ENOMEM;
        ulong start;
        if ((flags & (MapFixed | MapFixedNoReplace)) != 0)
        {
            if ((address & (Page - 1)) != 0) return -Errno.EINVAL;
            if (address < Page || address >= UserMemory.UserLimit || size > UserMemory.UserLimit - address)
                return -Errno.ENOMEM;
            start = address;
            if (process->Regions.Overlaps(start, start + size))
            {
                if ((flags & MapFixed) == 0) return -Errno.EEXIST;
                Process.UnmapRegions(process, start, start + size);
            }
        }
        else
        {
            start = Process.ChooseMappingAddress(process, address & ~(Page - 1), size);
            if (start == 0) return -Errno.ENOMEM;
        }

        var region = new Region(start, start + size, Process.AccessFromProt(protection), AllAccess, RegionKind.Anonymous);
        if (process->Regions.Insert(region) != VmmError.None) return -Errno.ENOMEM;
        return (long)start;
    }

    internal static long Munmap(Process* process, ulong address, ulong length)
    {
        if ((address & (Page - 1)) != 0 || length == 0 || address >= UserMemory.UserLimit || length > UserMemory.UserLimit - address)
            return -Errno.EINVAL;
        ulong end = address + PageUp(length);
        if (end > UserMemory.UserLimit) return -Errno.EINVAL;
        Process.UnmapRegions(process, address, end);
        return 0;
    }

    /// <summary>mprotect: every page of the range must be mapped (ENOMEM) and its region must
    /// allow the access (EACCES: a read-only shared-memory attachment stays read-only). Write
    /// access to a frame shared after fork is granted as copy-on-write.</summary>
    internal static long Mprotect(Process* process, ulong address, ulong length, ulong protection)
    {
        if ((address & (Page - 1)) != 0 || (protection & ~(ProtRead | ProtWrite | ProtExec)) != 0)
            return -Errno.EINVAL;
        if (length == 0) return 0;
        if (address >= UserMemory.UserLimit || length > UserMemory.UserLimit - address) return -Errno.ENOMEM;
        ulong end = address + PageUp(length);
        if (end > UserMemory.UserLimit) return -Errno.ENOMEM;
        RegionAccess access = Process.AccessFromProt(protection);
        switch (process->Regions.SetAccess(address, end, access))
        {
            case VmmError.None: break;
            case VmmError.ProtectionViolation: return -Errno.EACCES;
            default: return -Errno.ENOMEM;
        }

        UserMemory.ProtectRange(process->Space, address, end, Process.PageRights(access));
        return 0;
    }
}
