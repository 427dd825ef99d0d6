using System;
using Aurora.Kernel.Processes;
using Aurora.Vmm;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// mlock, mlock2, munlock, mlockall and munlockall (Linux mm/mlock.c). Aurora never pages out,
/// so every resident page is already "locked"; what these calls change is residency: mlock
/// fills in the range's pages now (MLOCK_ONFAULT: as they are touched, which is what happens
/// anyway), as Linux's populate step does. The answers are Linux's: the range rounded out to
/// pages, ENOMEM when part of it is not mapped, EAGAIN when memory ran out while filling it,
/// EINVAL for unknown flags, EPERM/ENOMEM for RLIMIT_MEMLOCK without privilege. Runtimes call
/// them: .NET's NativeAOT runtime locks a page for its write-buffer flush when membarrier is
/// missing, and refuses to start when mlock fails.
/// </summary>
internal static unsafe class MemoryLockCalls
{
    private const ulong Page = UserMemory.PageSize;
    private const ulong LockOnFault = 1;                              // MLOCK_ONFAULT
    private const ulong AllCurrent = 1, AllFuture = 2, AllOnFault = 4; // MCL_*

    internal static long Lock(Process* process, ulong address, ulong length, ulong flags)
    {
        if ((flags & ~LockOnFault) != 0) return -Errno.EINVAL;
        long checkedRange = Range(process, address, length, out ulong start, out ulong end);
        if (checkedRange <= 0) return checkedRange;
        if (!process->Credentials.Privileged)
        {
            ulong limit = ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.LockedMemory);
            if (limit == 0) return -Errno.EPERM;
            if (limit != ResourceLimits.Infinity && end - start > limit) return -Errno.ENOMEM;
        }

        return (flags & LockOnFault) != 0 ? 0 : Populate(process, start, end);
    }

    internal static long Unlock(Process* process, ulong address, ulong length)
    {
        long checkedRange = Range(process, address, length, out _, out _);
        return checkedRange < 0 ? checkedRange : 0;
    }

    internal static long LockAll(Process* process, ulong flags)
    {
        // Linux: some of CURRENT|FUTURE, ONFAULT only with one of them.
        if (flags == 0 || (flags & ~(AllCurrent | AllFuture | AllOnFault)) != 0 || flags == AllOnFault) return -Errno.EINVAL;
        if (!process->Credentials.Privileged && ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.LockedMemory) == 0)
            return -Errno.EPERM;
        if ((flags & AllCurrent) == 0 || (flags & AllOnFault) != 0) return 0;
        // As Linux's mm_populate(ignore_errors): what cannot be filled in is left; SIGKILL ends it.
        for (int i = 0; i < process->Regions.Count; i++)
        {
            Region region = process->Regions[i];
            if (region.Access == RegionAccess.None) continue;
            if (Populate(process, region.Start, region.End) == -Errno.EINTR) return -Errno.EINTR;
        }

        return 0;
    }

    internal static long UnlockAll() => 0;

    /// <summary>The page range of [address, address + length): 0 for an empty one, ENOMEM when
    /// any page of it has no mapping, EINVAL when it wraps (Linux apply_vma_lock_flags).</summary>
    private static long Range(Process* process, ulong address, ulong length, out ulong start, out ulong end)
    {
        start = address & ~(Page - 1);
        ulong span = length + (address & (Page - 1));
        end = start;
        if (span < length) return -Errno.ENOMEM;            // PAGE_ALIGN overflow: no such range is mapped
        span = (span + Page - 1) & ~(Page - 1);
        if (span == 0) return 0;
        end = start + span;
        if (end < start) return -Errno.EINVAL;
        if (end > UserMemory.UserLimit || !process->Regions.Covers(start, end)) return -Errno.ENOMEM;
        return 1;
    }

    /// <summary>Fills in the pages of [start, end): a write fault where the region is writable
    /// and private, so no later touch faults. ENOMEM for a PROT_NONE part (Linux: the fill-in
    /// faults, EFAULT, reported as ENOMEM); EAGAIN when memory ran out (the process is not
    /// killed for it here: the call fails, as Linux's __mlock_posix_error_return).</summary>
    private static long Populate(Process* process, ulong start, ulong end)
    {
        for (int i = process->Regions.FirstEndingAfter(start); i < process->Regions.Count && process->Regions[i].Start < end; i++)
        {
            Region region = process->Regions[i];
            if (region.Access == RegionAccess.None) return -Errno.ENOMEM;
            if (region.Kind == RegionKind.Shared) continue; // attachments are mapped whole
            bool write = (region.Access & RegionAccess.Write) != 0 && region.Kind != RegionKind.ObjectShared;
            ulong from = Math.Max(region.Start, start), to = Math.Min(region.End, end);
            for (ulong page = from; page < to; page += Page)
            {
                // A huge range takes a while: SIGKILL ends it between pages.
                if (((page - from) & (255 * Page)) == 0 && Process.KillPending(process)) return -Errno.EINTR;
                if (UserMemory.IsResident(process->Space, page)) continue;
                if (!Process.ResolveFault(process, page, write, execute: false, present: false))
                {
                    bool outOfMemory = process->OutOfMemory;
                    process->OutOfMemory = false;
                    process->BusError = false;
                    if (outOfMemory) return -Errno.EAGAIN;
                    break; // past the end of a mapped file: the rest of the region has no pages to give
                }
            }
        }

        return 0;
    }
}
