using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;
using Aurora.Vmm;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// brk, mmap (anonymous and file, private and shared), munmap, mprotect — as operations on the process's regions
/// (Process.Memory.cs). Pages are filled in on first touch, so each call costs what is mapped,
/// not the size of the range it names (issue 9, finding 5), and mprotect never grants what a
/// region may not have, nor write access to a frame another process shares (finding 2).
/// </summary>
internal static unsafe class MemoryCalls
{
    private const ulong ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    private const ulong MapShared = 0x01, MapPrivate = 0x02, MapSharedValidate = 0x03, MapDroppable = 0x08, MapType = 0x0f,
        MapFixed = 0x10, MapAnonymous = 0x20, MapGrowsDown = 0x100, MapNoReserve = 0x4000;
    private const ulong MapFixedNoReplace = 0x100000;

    /// <summary>The flags MAP_SHARED_VALIDATE knows (Linux's LEGACY_MAP_MASK plus
    /// MAP_FIXED_NOREPLACE); any other is EOPNOTSUPP with it, ignored with MAP_SHARED.</summary>
    private const ulong SharedValidateFlags = 0x3 | MapFixed | MapAnonymous | MapGrowsDown | 0x800 /* DENYWRITE */ |
        0x1000 /* EXECUTABLE */ | 0x2000 /* LOCKED */ | 0x4000 /* NORESERVE */ | 0x8000 /* POPULATE */ | 0x10000 /* NONBLOCK */ |
        0x20000 /* STACK */ | 0x40000 /* HUGETLB */ | MapFixedNoReplace;
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
            if (!Process.AddressSpaceAllows(process, wantedEnd - mappedEnd)) return (long)current;
            if (!GrowBreakRegion(process, start, mappedEnd, wantedEnd)) return (long)current;
        }
        else if (wantedEnd < mappedEnd)
        {
            Process.UnmapRegions(process, wantedEnd, mappedEnd);
        }

        process->Break = address;
        return (long)address;
    }

    /// <summary>The break grows by [oldEnd, newEnd) (free: checked by the caller): the break
    /// region ending at oldEnd takes it, else a new one. What lies below oldEnd is left as it
    /// is, as Linux's brk does: a mapping the program put inside the heap's range (MAP_FIXED,
    /// mprotect) keeps its own region. (Replacing [start, oldEnd) with one break region
    /// dropped such regions, their objects and their maximum access, while their pages stayed
    /// mapped.)</summary>
    private static bool GrowBreakRegion(Process* process, ulong start, ulong oldEnd, ulong newEnd)
    {
        const RegionAccess ReadWrite = RegionAccess.Read | RegionAccess.Write;
        int last = oldEnd > start ? process->Regions.IndexOf(oldEnd - Page) : -1;
        if (last >= 0 && process->Regions[last].Kind == RegionKind.Break && process->Regions[last].End == oldEnd &&
            process->Regions[last].Access == ReadWrite)
        {
            process->Regions[last].End = newEnd;
            return true;
        }

        return process->Regions.Insert(new Region(oldEnd, newEnd, ReadWrite, AllAccess, RegionKind.Break)) == VmmError.None;
    }

    /// <summary>mmap: anonymous memory (private: zero-filled on first touch; shared: an unnamed
    /// shared-memory object, Files/SharedMemoryFile.cs, that fork shares), or a file through its
    /// description's Map operation (private: the file's pages copy-on-write or copied; shared:
    /// the file's own pages, so the mapping, read(2) and write(2) see the same bytes). The
    /// region holds a reference to the description, so the mapping outlives close(2). Checks
    /// and errno in Linux's order (arch/x86 sys_mmap, do_mmap).</summary>
    internal static long Mmap(Process* process, ulong address, ulong length, ulong protection, ulong flags, ulong descriptor, ulong offset)
    {
        if ((offset & (Page - 1)) != 0) return -Errno.EINVAL;
        bool anonymous = (flags & MapAnonymous) != 0;
        OpenFileDescription* file = null;
        if (!anonymous)
        {
            file = process->Descriptors.Get((uint)descriptor);
            if (file == null) return -Errno.EBADF;
        }

        if (length == 0) return -Errno.EINVAL;
        // MAP_TYPE is four bits: a file takes SHARED, PRIVATE or SHARED_VALIDATE; anonymous
        // memory SHARED (not growing down), PRIVATE or DROPPABLE (private pages the kernel may
        // drop: never dropped here).
        ulong type = flags & MapType;
        bool typeKnown = anonymous
            ? type == MapPrivate || type == MapDroppable || (type == MapShared && (flags & MapGrowsDown) == 0)
            : type == MapShared || type == MapPrivate || type == MapSharedValidate;
        if (!typeKnown) return -Errno.EINVAL;
        bool shared = type == MapShared || type == MapSharedValidate;
        // Linux's mmap never checked the protection's other bits (PROT_SEM, PROT_GROWSDOWN...):
        // they are ignored, not refused.
        protection &= ProtRead | ProtWrite | ProtExec;
        if (length > UserMemory.UserLimit) return -Errno.ENOMEM;
        ulong size = PageUp(length);
        if (file != null)
        {
            if (offset > long.MaxValue || size > long.MaxValue - offset) return -Errno.EOVERFLOW;
            if (type == MapSharedValidate && (flags & ~SharedValidateFlags) != 0) return -Errno.EOPNOTSUPP;
            if (shared && (protection & ProtWrite) != 0 && !file->CanWrite) return -Errno.EACCES;
            if (!file->CanRead) return -Errno.EACCES;
            if (file->Operations->Map == null) return -Errno.ENODEV;
        }

        // Linux's heuristic overcommit: one writable mapping larger than all of memory can
        // never be backed, so it is refused at once (PROT_NONE and read-only reservations
        // cost nothing and are allowed, and so is a private MAP_NORESERVE one, as Linux skips
        // its accounting). Pages are allocated only when touched either way
        // (docs/security.md, "Memory: overcommit and out of memory").
        bool noReserve = (flags & MapNoReserve) != 0 && !shared;
        if ((protection & ProtWrite) != 0 && !noReserve && size > Memory.KernelMemory.Frames.TotalBytes) return -Errno.ENOMEM;
        // Shared anonymous memory is an object with a slot per page on the kernel heap, and
        // Linux's shmem charges its whole size at once whatever the protection: larger than
        // all of memory is ENOMEM (MAP_NORESERVE is not honoured for it here).
        if (anonymous && shared && size > Memory.KernelMemory.Frames.TotalBytes) return -Errno.ENOMEM;
        ulong start;
        bool replace = false;
        if ((flags & (MapFixed | MapFixedNoReplace)) != 0)
        {
            if ((address & (Page - 1)) != 0) return -Errno.EINVAL;
            if (address < Page || address >= UserMemory.UserLimit || size > UserMemory.UserLimit - address)
                return -Errno.ENOMEM;
            start = address;
            if (process->Regions.Overlaps(start, start + size))
            {
                if ((flags & MapFixed) == 0) return -Errno.EEXIST;
                replace = true;
            }
        }
        else
        {
            start = Process.ChooseMappingAddress(process, address & ~(Page - 1), size);
            if (start == 0) return -Errno.ENOMEM;
        }

        if (!Process.AddressSpaceAllows(process, size, start, replace ? start + size : start)) return -Errno.ENOMEM;
        var region = new Region(start, start + size, Process.AccessFromProt(protection), AllAccess, RegionKind.Anonymous);
        if (noReserve) region.Flags = RegionFlags.NoReserve;
        if (file != null)
        {
            OpenFileDescription.Retain(file);
            region.Kind = shared ? RegionKind.ObjectShared : RegionKind.ObjectPrivate;
            region.Tag = (ulong)file;
            region.Offset = offset;
            // Linux's VM_MAYWRITE: a shared mapping of a descriptor not open for writing can
            // never be made writable (mprotect: EACCES).
            if (shared && !file->CanWrite) region.MaxAccess = RegionAccess.Read | RegionAccess.Execute;
        }
        else if (shared)
        {
            OpenFileDescription* memory = Files.SharedMemoryFile.Create(size / Page);
            if (memory == null) return -Errno.ENOMEM;
            region.Kind = RegionKind.ObjectShared;
            region.Tag = (ulong)memory;
        }

        if (replace) Process.UnmapRegions(process, start, start + size);
        if (process->Regions.Insert(region) != VmmError.None)
        {
            if (region.Tag != 0) OpenFileDescription.Release((OpenFileDescription*)region.Tag);
            return -Errno.ENOMEM;
        }

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
        // PROT_SEM is valid on x86 and changes nothing (Linux's arch_validate_prot); no
        // mapping grows, so PROT_GROWSDOWN and PROT_GROWSUP stay EINVAL.
        const ulong ProtSem = 0x8;
        if ((address & (Page - 1)) != 0 || (protection & ~(ProtRead | ProtWrite | ProtExec | ProtSem)) != 0)
            return -Errno.EINVAL;
        protection &= ~ProtSem;
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
