using System;
using Aurora.Kernel.Processes;
using Aurora.Vmm;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// mremap, msync, mincore and madvise (issue 11, item 3): calls on mappings that exist,
/// answered from the process's regions (Process.Memory.cs) with Linux's argument checks and
/// errno (mm/mremap.c, mm/msync.c, mm/mincore.c, mm/madvise.c). Like munmap and mprotect they
/// cost what is mapped, not the size of the range they name.
/// </summary>
internal static unsafe class MappingCalls
{
    private const ulong Page = UserMemory.PageSize;
    private const ulong MremapMayMove = 1, MremapFixed = 2, MremapDontUnmap = 4;
    private const ulong MsAsync = 1, MsInvalidate = 2, MsSync = 4;

    private static ulong PageUp(ulong value) => (value + Page - 1) & ~(Page - 1);

    /// <summary>mremap(old, oldSize, newSize, flags, newAddress): shrinks in place (the tail is
    /// unmapped), grows in place when the addresses after the mapping are free, else moves it
    /// (MREMAP_MAYMOVE) with its pages — never copied — to a free place or to
    /// <paramref name="newAddress"/> (MREMAP_FIXED, replacing what was there). The old range
    /// must lie in one mapping (EFAULT). MREMAP_DONTUNMAP (with MAYMOVE, same size) moves the
    /// pages and leaves the old range mapped and empty (it fills in again on touch).</summary>
    internal static long Mremap(Process* process, ulong old, ulong oldSize, ulong newSize, ulong flags, ulong newAddress)
    {
        if ((flags & ~(MremapMayMove | MremapFixed | MremapDontUnmap)) != 0) return -Errno.EINVAL;
        if ((flags & MremapFixed) != 0 && (flags & MremapMayMove) == 0) return -Errno.EINVAL;
        bool keepOld = (flags & MremapDontUnmap) != 0;
        if (keepOld && ((flags & MremapMayMove) == 0 || oldSize != newSize)) return -Errno.EINVAL;
        if ((old & (Page - 1)) != 0) return -Errno.EINVAL;
        ulong oldLength = PageUp(oldSize), newLength = PageUp(newSize);
        if (newLength == 0) return -Errno.EINVAL; // also a size that wraps when rounded up
        int oldIndex = process->Regions.IndexOf(old);
        if (oldIndex < 0) return -Errno.EFAULT;
        // An old size of 0 makes a second mapping of the same pages: only a shared mapping has
        // pages two mappings can share (Linux's vma_to_resize); a private one would get fresh
        // zero pages (or a second break or stack region): EINVAL.
        RegionKind oldKind = process->Regions[oldIndex].Kind;
        if (oldLength == 0 && oldKind != RegionKind.ObjectShared && oldKind != RegionKind.Shared) return -Errno.EINVAL;

        if ((flags & MremapFixed) != 0) return MoveTo(process, old, oldLength, newAddress, newLength, keepOld);
        if (keepOld)
        {
            long movable = MovableEnd(process, old, oldLength);
            if (movable < 0) return movable;
            ulong free = Process.ChooseMappingAddress(process, 0, newLength);
            return free == 0 ? -Errno.ENOMEM : Move(process, old, oldLength, free, newLength, keepOld: true);
        }

        if (oldLength >= newLength)
        {
            // The tail goes as munmap would take it: past the user limit, or wrapping, EINVAL
            // (Linux's do_vmi_munmap), never a reversed range.
            ulong tail = old + newLength;
            if (tail > UserMemory.UserLimit || oldLength - newLength > UserMemory.UserLimit - tail) return -Errno.EINVAL;
            if (oldLength > newLength) Process.UnmapRegions(process, tail, old + oldLength);
            return (long)old;
        }

        long checkedEnd = MovableEnd(process, old, oldLength);
        if (checkedEnd < 0) return checkedEnd;
        Region region = process->Regions[process->Regions.IndexOf(old)];
        if ((region.Access & RegionAccess.Write) != 0 && (region.Flags & RegionFlags.NoReserve) == 0 &&
            newLength > Memory.KernelMemory.Frames.TotalBytes)
            return -Errno.ENOMEM;
        if (!Process.AddressSpaceAllows(process, newLength - oldLength)) return -Errno.ENOMEM;
        ulong end = old + oldLength;
        ulong grownEnd = old + newLength;
        if ((ulong)checkedEnd == end && newLength <= UserMemory.UserLimit - old && !process->Regions.Overlaps(end, grownEnd))
        {
            // In place: the last region of the mapping takes the free addresses after it.
            int last = process->Regions.IndexOf(end - Page);
            process->Regions[last].End = grownEnd;
            return (long)old;
        }

        if ((flags & MremapMayMove) == 0) return -Errno.ENOMEM;
        ulong target = Process.ChooseMappingAddress(process, 0, newLength);
        if (target == 0) return -Errno.ENOMEM;
        return Move(process, old, oldLength, target, newLength);
    }

    /// <summary>MREMAP_FIXED: the new range is checked, cleared and then the mapping moves there
    /// (a shrink first gives up its tail), as Linux's mremap_to.</summary>
    private static long MoveTo(Process* process, ulong old, ulong oldLength, ulong target, ulong newLength, bool keepOld)
    {
        if ((target & (Page - 1)) != 0) return -Errno.EINVAL;
        if (newLength > UserMemory.UserLimit || target > UserMemory.UserLimit - newLength) return -Errno.EINVAL;
        if (old + oldLength > target && target + newLength > old) return -Errno.EINVAL;
        if (target < Page) return -Errno.EPERM; // below the lowest address anything may map
        long checkedEnd = MovableEnd(process, old, newLength < oldLength ? newLength : oldLength);
        if (checkedEnd < 0) return checkedEnd;
        if (newLength > oldLength && !Process.AddressSpaceAllows(process, newLength - oldLength, target, target + newLength))
            return -Errno.ENOMEM;
        Process.UnmapRegions(process, target, target + newLength);
        if (oldLength > newLength)
        {
            Process.UnmapRegions(process, old + newLength, old + oldLength);
            oldLength = newLength;
        }

        return Move(process, old, oldLength, target, newLength, keepOld);
    }

    /// <summary>Checks that [old, old + length) lies in one mapping: consecutive regions with the
    /// same kind, rights and owner (Linux would have merged them into one area). The mapping's end, or
    /// -EFAULT (a hole, another mapping, or a shared-memory attachment: those are fixed in place).</summary>
    private static long MovableEnd(Process* process, ulong old, ulong length)
    {
        int index = process->Regions.IndexOf(old);
        if (index < 0) return -Errno.EFAULT;
        Region first = process->Regions[index];
        if (first.Kind == RegionKind.Shared) return -Errno.EFAULT;
        ulong at = first.End;
        for (int i = index + 1; i < process->Regions.Count; i++)
        {
            Region next = process->Regions[i];
            if (next.Start != at || next.Kind != first.Kind || next.Access != first.Access || next.Flags != first.Flags ||
                next.MaxAccess != first.MaxAccess || next.Tag != first.Tag ||
                next.Offset != first.Offset + (next.Start - first.Start))
                break;
            at = next.End;
        }

        return at - old >= length ? (long)at : -Errno.EFAULT; // never old + length: it may wrap
    }

    /// <summary>Moves the mapping at [old, old + oldLength) to [target, target + newLength)
    /// (free addresses): the new region first (ENOMEM changes nothing), then the pages, then the
    /// old region goes (or stays, empty, with <paramref name="keepOld"/>: MREMAP_DONTUNMAP).</summary>
    private static long Move(Process* process, ulong old, ulong oldLength, ulong target, ulong newLength, bool keepOld = false)
    {
        Region region = process->Regions[process->Regions.IndexOf(old)];
        region.Offset += old - region.Start;
        region.Start = target;
        region.End = target + newLength;
        if (process->Regions.Insert(region) != VmmError.None) return -Errno.ENOMEM;
        // The new region holds its own reference to a mapped object (Insert takes the
        // caller's); the old pieces give theirs back as they go.
        if (Process.HoldsObject(region)) Files.OpenFileDescription.Retain((Files.OpenFileDescription*)region.Tag);
        if (UserMemory.MoveRange(process->Space, old, target, oldLength) != VmmError.None)
        {
            process->Regions.Remove(target, target + newLength); // a whole region: cannot fail; releases the reference
            return -Errno.ENOMEM;
        }

        // The pages have left; what is left to do is the bookkeeping (UnmapRegions finds nothing to unmap).
        if (!keepOld) Process.UnmapRegions(process, old, old + oldLength);
        return (long)target;
    }

    /// <summary>msync(address, length, flags): every mapping is memory already (anonymous memory,
    /// tmpfs pages that are the file's own, copies of a read-only image), so there is nothing to
    /// write back; what is checked is what Linux
    /// checks: flags (EINVAL), alignment (EINVAL), and that the range is mapped (ENOMEM).</summary>
    internal static long Msync(Process* process, ulong address, ulong length, ulong flags)
    {
        if ((flags & ~(MsAsync | MsInvalidate | MsSync)) != 0) return -Errno.EINVAL;
        if ((address & (Page - 1)) != 0) return -Errno.EINVAL;
        if ((flags & MsAsync) != 0 && (flags & MsSync) != 0) return -Errno.EINVAL;
        ulong end = address + PageUp(length);
        if (end < address) return -Errno.ENOMEM;
        if (end == address) return 0;
        return process->Regions.Covers(address, end) ? 0 : -Errno.ENOMEM;
    }

    /// <summary>mincore(address, length, vector): one byte per page, 1 when the page is in
    /// memory (here: mapped in the page tables), 0 when touching it would fill it in. Written a
    /// chunk at a time, each chunk through a checked copy (EFAULT); a page in no mapping ends
    /// the call with ENOMEM, as Linux's do_mincore.</summary>
    internal static long Mincore(Process* process, ulong address, ulong length, ulong vector)
    {
        if ((address & (Page - 1)) != 0) return -Errno.EINVAL;
        if (address > UserMemory.UserLimit || length > UserMemory.UserLimit - address) return -Errno.ENOMEM;
        ulong pages = (length >> 12) + ((length & (Page - 1)) != 0 ? 1UL : 0UL);
        if (vector >= UserMemory.UserLimit || pages > UserMemory.UserLimit - vector) return -Errno.EFAULT;
        const int Chunk = 256;
        byte* buffer = stackalloc byte[Chunk];
        for (ulong done = 0; done < pages;)
        {
            // A range of 2^32 pages takes a while: SIGKILL (or running out of memory for the
            // vector) ends it between chunks, so the process stays killable.
            if (Process.KillPending(process)) return -Errno.EINTR;
            ulong at = address + (done << 12);
            int index = process->Regions.IndexOf(at);
            if (index < 0) return -Errno.ENOMEM;
            ulong inRegion = (process->Regions[index].End - at) >> 12;
            int count = (int)Math.Min(Math.Min(inRegion, pages - done), (ulong)Chunk);
            for (int i = 0; i < count; i++) buffer[i] = UserMemory.IsResident(process->Space, at + ((ulong)i << 12)) ? (byte)1 : (byte)0;
            if (!UserMemory.CopyTo(process->Space, vector + done, new ReadOnlySpan<byte>(buffer, count))) return -Errno.EFAULT;
            done += (ulong)count;
        }

        return 0;
    }

    /// <summary>madvise(address, length, advice). MADV_DONTNEED (and DONTNEED_LOCKED) drops the
    /// pages, so they are filled in again on the next touch: zeros for anonymous memory, the
    /// break and the stack, the file's contents for a private file mapping (the private changes
    /// are gone, as Linux), the same object pages for a shared one; a program's image and
    /// shared-memory attachments keep theirs (their pages are not refilled from anywhere). The other advice
    /// Linux knows only steers its page cache or reclaim and is accepted; advice that changes
    /// what fork or a fault does (DONTFORK, WIPEONFORK, REMOVE, ...) is not served (EINVAL).
    /// MADV_FREE is for private anonymous memory (anonymous, break, stack): its pages go at once
    /// (Linux frees them lazily, so a read may see the old data or zeros: zeros is one of the
    /// two); a program image keeps its pages, and a file or shared mapping is EINVAL, as
    /// Linux's madvise_free_single_vma.
    /// A range with unmapped pages is done where mapped and answers ENOMEM.</summary>
    internal static long Madvise(Process* process, ulong address, ulong length, ulong advice)
    {
        if (!IsServedAdvice(advice)) return -Errno.EINVAL;
        if ((address & (Page - 1)) != 0) return -Errno.EINVAL;
        ulong rounded = PageUp(length);
        if (length != 0 && rounded == 0) return -Errno.EINVAL;
        ulong end = address + rounded;
        if (end < address) return -Errno.EINVAL;
        if (end == address) return 0;
        if (advice == DontNeed || advice == DontNeedLocked || advice == Free)
        {
            for (int i = process->Regions.FirstEndingAfter(address); i < process->Regions.Count && process->Regions[i].Start < end; i++)
            {
                Region region = process->Regions[i];
                if (advice == Free && (region.Kind == RegionKind.Shared || Process.HoldsObject(region))) return -Errno.EINVAL;
                if (region.Kind == RegionKind.Shared || region.Kind == RegionKind.Image) continue;
                UserMemory.UnmapRange(process->Space, Math.Max(region.Start, address), Math.Min(region.End, end));
            }
        }

        return process->Regions.Covers(address, end > UserMemory.UserLimit ? UserMemory.UserLimit : end) && end <= UserMemory.UserLimit
            ? 0 : -Errno.ENOMEM;
    }

    private const ulong DontNeed = 4, Free = 8, DontNeedLocked = 24;

    /// <summary>MADV_NORMAL, RANDOM, SEQUENTIAL, WILLNEED, DONTNEED, FREE, DONTDUMP, DODUMP,
    /// COLD, PAGEOUT, POPULATE_READ, POPULATE_WRITE, DONTNEED_LOCKED.</summary>
    private static bool IsServedAdvice(ulong advice) => advice switch
    {
        0 or 1 or 2 or 3 or 4 or 8 or 16 or 17 or 20 or 21 or 22 or 23 or 24 => true,
        _ => false,
    };
}
