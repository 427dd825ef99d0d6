using Aurora.Kernel.Processes;
using Aurora.Vmm;

namespace Aurora.Kernel.Syscalls;

/// <summary>brk, mmap (anonymous private memory), munmap, mprotect.</summary>
internal static unsafe class MemoryCalls
{
    private const ulong ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    private const ulong MapShared = 0x01, MapPrivate = 0x02, MapFixed = 0x10, MapAnonymous = 0x20;
    private const ulong Page = UserMemory.PageSize;

    private static ulong PageUp(ulong value) => (value + Page - 1) & ~(Page - 1);

    /// <summary>brk(address): moves the break (mapping or freeing whole pages) and returns the
    /// new break; on failure, or for 0, returns the current one (Linux behaviour).</summary>
    internal static long Brk(Process* process, ulong address)
    {
        ulong current = process->Break;
        if (address < process->BreakStart || address - process->BreakStart > Process.BreakLimit)
            return (long)current;
        ulong mappedEnd = PageUp(current), wantedEnd = PageUp(address);
        if (wantedEnd > mappedEnd)
        {
            if (!UserMemory.MapZeroed(process->Space, mappedEnd, wantedEnd, PageFlags.User | PageFlags.Writable | PageFlags.NoExecute))
            {
                UserMemory.Unmap(process->Space, mappedEnd, wantedEnd);
                return (long)current;
            }
        }
        else if (wantedEnd < mappedEnd)
        {
            UserMemory.Unmap(process->Space, wantedEnd, mappedEnd);
        }

        process->Break = address;
        return (long)address;
    }

    internal static long Mmap(Process* process, ulong address, ulong length, ulong protection, ulong flags, ulong descriptor, ulong offset)
    {
        if (length == 0 || length > Process.MappingLimit) return -Errno.EINVAL;
        if ((flags & MapAnonymous) == 0) return -Errno.EBADF; // no file descriptors map memory yet
        if ((flags & (MapShared | MapPrivate)) != MapPrivate) return -Errno.EINVAL;
        if ((protection & ~(ProtRead | ProtWrite | ProtExec)) != 0) return -Errno.EINVAL;
        ulong size = PageUp(length);
        ulong start;
        if ((flags & MapFixed) != 0)
        {
            if ((address & (Page - 1)) != 0 || address < Page || address >= UserMemory.UserLimit || size > UserMemory.UserLimit - address)
                return -Errno.EINVAL;
            start = address;
            UserMemory.Unmap(process->Space, start, start + size);
        }
        else
        {
            start = process->MappingCursor;
            if (size > Process.MappingLimit - start) return -Errno.ENOMEM;
            process->MappingCursor = start + size + Page; // a guard page between mappings
        }

        if (!UserMemory.MapZeroed(process->Space, start, start + size, Protection(protection)))
        {
            UserMemory.Unmap(process->Space, start, start + size);
            return -Errno.ENOMEM;
        }

        return (long)start;
    }

    internal static long Munmap(Process* process, ulong address, ulong length)
    {
        if ((address & (Page - 1)) != 0 || length == 0 || address >= UserMemory.UserLimit || length > UserMemory.UserLimit - address)
            return -Errno.EINVAL;
        UserMemory.Unmap(process->Space, address, address + PageUp(length));
        return 0;
    }

    internal static long Mprotect(Process* process, ulong address, ulong length, ulong protection)
    {
        if ((address & (Page - 1)) != 0 || address >= UserMemory.UserLimit || length > UserMemory.UserLimit - address ||
            (protection & ~(ProtRead | ProtWrite | ProtExec)) != 0)
            return -Errno.EINVAL;
        ulong end = address + PageUp(length);
        if (!UserMemory.IsAccessible(process->Space, address, end - address, write: false)) return -Errno.ENOMEM;
        for (ulong page = address; page < end; page += Page)
        {
            if (Memory.KernelMemory.Mapper.Protect(process->Space, page, Vmm.PageSize.Size4KiB, Protection(protection)) != VmmError.None)
                return -Errno.ENOMEM;
        }

        return 0;
    }

    /// <summary>PROT_* to page flags. x86 cannot map write-only or no-access-but-present pages
    /// distinctly; PROT_NONE pages stay user-inaccessible (no User bit).</summary>
    private static PageFlags Protection(ulong protection)
    {
        PageFlags flags = protection == 0 ? PageFlags.None : PageFlags.User;
        if ((protection & ProtWrite) != 0) flags |= PageFlags.Writable;
        if ((protection & ProtExec) == 0) flags |= PageFlags.NoExecute;
        return flags;
    }
}
