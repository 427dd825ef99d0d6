using System;
using Aurora.Kernel.Memory;
using Aurora.Pmm;
using Aurora.Vmm;

namespace Aurora.Kernel.Processes;

/// <summary>
/// Pages of user address spaces, and the checked copies between user memory and the kernel.
/// Every user pointer a syscall receives is checked page by page against the process's own
/// page tables (present, user-accessible, writable where the kernel writes) before a byte is
/// touched, so a bad pointer is an EFAULT and never a kernel fault. A process's mappings
/// change only in its own system calls and faults (one thread per process today), so the check
/// cannot go stale; threads will hold the address space's lock across check and copy
/// (docs/architecture.md, "Locks").
/// <para>
/// Frames shared copy-on-write belong to several address spaces at once, so everything that
/// reads or changes their share counts — fork's clone, write-fault resolution, releasing a
/// frame, tearing a space down — holds <see cref="s_shareLock"/>. Without it two processes
/// could both decide they hold a frame's last share, or a count could lose an update, and a
/// frame would be freed while still mapped (issue 9, finding 1).
/// </para>
/// </summary>
internal static unsafe class UserMemory
{
    /// <summary>First address above what user programs may map: the canonical lower half less
    /// its last page, as Linux's TASK_SIZE_MAX, so no user instruction ends right at the
    /// non-canonical boundary (a second line against SYSRET to a non-canonical RIP).</summary>
    internal const ulong UserLimit = 0x0000_7FFF_FFFF_F000;
    internal const ulong PageSize = 4096;

    private static FrameRefCounts s_counts;

    /// <summary>Guards <see cref="s_counts"/> and the page-table entries of shared frames.
    /// Taken after an address space's own lock and before the heap and frame locks.</summary>
    private static Sync.SpinLock s_shareLock;

    /// <summary>Share counts of user frames. Read or change them only with the share lock held:
    /// through the methods below, or <see cref="SetCount"/>.</summary>
    internal static FrameRefCounts Counts => s_counts;

    /// <summary>Sets a frame's share count (shared segments pin their frames) under the share lock.</summary>
    internal static void SetCount(ulong frame, ushort count)
    {
        bool flags = s_shareLock.Acquire();
        s_counts.Set(frame, count);
        s_shareLock.Release(flags);
    }

    /// <summary>One more mapping of an object's frame (a tmpfs page, a shared-memory page) is
    /// about to be made: its share count goes up first (0, the object alone, becomes 2), so
    /// the object dropping the page meanwhile leaves the frame to the mapping. False when the
    /// count is at its limit.</summary>
    internal static bool ShareFrame(ulong frame)
    {
        bool flags = s_shareLock.Acquire();
        bool shared = ShareLocked(frame);
        s_shareLock.Release(flags);
        return shared;
    }

    private static bool ShareLocked(ulong frame)
    {
        ushort count = s_counts.Get(frame);
        if (count >= FrameRefCounts.MaxCount) return false;
        s_counts.Set(frame, (ushort)(count == 0 ? 2 : count + 1));
        return true;
    }

    /// <summary>The frame in an object's page slot, made (zeroed, from user memory: not from the
    /// kernel's reserve) if the slot is empty, with one
    /// share counted for the mapping about to be made. The slot is read and filled under the
    /// share lock, so two processes touching the page at once get the same frame.</summary>
    internal static bool ObjectFrame(ulong* slot, out ulong frame)
    {
        bool flags = s_shareLock.Acquire();
        frame = *slot;
        if (frame == 0 && KernelMemory.AllocateUserFrame(out frame))
        {
            new Span<byte>((void*)(frame + KernelMemory.DirectMapOffset), (int)PageSize).Clear();
            s_counts.Set(frame, 0);
            *slot = frame;
        }

        bool shared = frame != 0 && ShareLocked(frame);
        s_shareLock.Release(flags);
        return shared;
    }

    /// <summary>An object lets go of its frame (a tmpfs page freed, shared memory closed): freed
    /// now if no mapping holds it, else it goes with the last mapping's unmap.</summary>
    internal static void ReleaseObjectFrame(ulong frame)
    {
        bool flags = s_shareLock.Acquire();
        KernelMemory.Mapper.ReleaseFrame(frame, s_counts);
        s_shareLock.Release(flags);
    }

    /// <summary>Maps an object's frame whose share <see cref="ShareFrame"/> counted (the share
    /// goes back if the page cannot be mapped: no page table, or already mapped).</summary>
    internal static bool MapObjectFrame(AddressSpace space, ulong page, ulong frame, PageFlags rights)
    {
        bool flags = s_shareLock.Acquire();
        VmmError error = KernelMemory.Mapper.Map(space, page, frame, Vmm.PageSize.Size4KiB, rights);
        if (error != VmmError.None) KernelMemory.Mapper.ReleaseFrame(frame, s_counts);
        s_shareLock.Release(flags);
        return error == VmmError.None || error == VmmError.AlreadyMapped;
    }

    /// <summary>Maps a frame that belongs to this mapping alone (a copy).</summary>
    internal static bool MapPrivateFrame(AddressSpace space, ulong page, ulong frame, PageFlags rights)
    {
        VmmError error = KernelMemory.Mapper.Map(space, page, frame, Vmm.PageSize.Size4KiB, rights);
        if (error != VmmError.None) KernelMemory.FreeFrame(frame, "mapped copy free failed");
        return error == VmmError.None || error == VmmError.AlreadyMapped;
    }

    /// <summary>fork's half of copy-on-write: <paramref name="child"/> gets the parent's user
    /// half with every frame shared (Aurora.Vmm Clone). The caller owns the parent's mappings.</summary>
    internal static VmmError Clone(AddressSpace parent, out AddressSpace child)
    {
        bool flags = s_shareLock.Acquire();
        VmmError error = KernelMemory.Mapper.Clone(parent, s_counts, out child);
        s_shareLock.Release(flags);
        return error;
    }

    /// <summary>A write fault on a present user page: copy-on-write resolution (a private copy,
    /// or write access back for the last sharer). ProtectionViolation for a real violation.</summary>
    internal static VmmError ResolveWriteFault(AddressSpace space, ulong address)
    {
        bool flags = s_shareLock.Acquire();
        VmmError error = KernelMemory.Mapper.ResolveWriteFault(space, address, s_counts);
        s_shareLock.Release(flags);
        return error;
    }

    /// <summary>At boot, once the heap runs: one count per physical frame.</summary>
    internal static void Initialize()
    {
        ulong frames = KernelMemory.DirectMapSize / PageSize;
        var counts = (ushort*)KernelMemory.Allocate((nuint)(frames * sizeof(ushort)));
        if (counts == null) Panic.Fail("no memory for the user frame counts");
        new Span<byte>(counts, (int)(frames * sizeof(ushort))).Clear();
        s_counts = new FrameRefCounts(counts, frames);
    }

    /// <summary>Maps zeroed pages over [start, end) (page-aligned) with
    /// <paramref name="protection"/>; pages already mapped keep their frame and get the union
    /// of both protections (segments may share a page).</summary>
    internal static bool MapZeroed(AddressSpace space, ulong start, ulong end, PageFlags protection)
    {
        ref var mapper = ref KernelMemory.Mapper;
        for (ulong page = start; page < end; page += PageSize)
        {
            if (mapper.Translate(space, page, out Translation existing) == VmmError.None)
            {
                PageFlags merged = (existing.Flags & (PageFlags.Writable | PageFlags.User)) | protection;
                if ((existing.Flags & PageFlags.NoExecute) == 0 || (protection & PageFlags.NoExecute) == 0)
                    merged &= ~PageFlags.NoExecute;
                if (mapper.Protect(space, page, Vmm.PageSize.Size4KiB, merged) != VmmError.None) return false;
                continue;
            }

            if (!KernelMemory.AllocateUserFrame(out ulong frame)) return false;
            new Span<byte>((void*)(frame + KernelMemory.DirectMapOffset), (int)PageSize).Clear();
            if (mapper.Map(space, page, frame, Vmm.PageSize.Size4KiB, protection) != VmmError.None)
            {
                KernelMemory.FreeFrame(frame, "user frame free failed");
                return false;
            }
        }

        return true;
    }

    /// <summary>Unmaps [start, end) (page-aligned) and drops each frame's share (freeing frames
    /// no one else maps). The mapper visits only existing page tables; the share lock is held
    /// for at most 1 GiB of address space at a time, so the call stays preemptible.</summary>
    internal static void UnmapRange(AddressSpace space, ulong start, ulong end)
    {
        const ulong Step = 1UL << 30;
        for (ulong at = start; at < end;)
        {
            ulong next = (at | (Step - 1)) + 1;
            ulong stop = next < end ? next : end;
            bool flags = s_shareLock.Acquire();
            VmmError error = KernelMemory.Mapper.UnmapRange(space, at, stop, s_counts, out _);
            s_shareLock.Release(flags);
            if (error != VmmError.None) Panic.Fail("unmapping a user range failed", "the range was checked by the caller");
            at = stop;
        }
    }

    /// <summary>mprotect's page-table half: new rights for every mapped page of [start, end),
    /// write access on shared frames given as copy-on-write (never in place).</summary>
    internal static void ProtectRange(AddressSpace space, ulong start, ulong end, PageFlags rights)
    {
        bool flags = s_shareLock.Acquire();
        VmmError error = KernelMemory.Mapper.ProtectRange(space, start, end, rights, s_counts, out _);
        s_shareLock.Release(flags);
        if (error != VmmError.None) Panic.Fail("protecting a user range failed", "the range was checked by the caller");
    }

    /// <summary>mremap's page-table half: the pages of [from, from + length) move to
    /// <paramref name="to"/> with their frames and share state (nothing copied, no count
    /// changes). Fails (OutOfFrames for a table) with every page where it was.</summary>
    internal static VmmError MoveRange(AddressSpace space, ulong from, ulong to, ulong length)
    {
        bool flags = s_shareLock.Acquire();
        VmmError error = KernelMemory.Mapper.MoveRange(space, from, to, length, out _);
        s_shareLock.Release(flags);
        return error;
    }

    /// <summary>True when the page at <paramref name="page"/> is mapped (mincore).</summary>
    internal static bool IsResident(AddressSpace space, ulong page) =>
        KernelMemory.Mapper.Translate(space, page, out _) == VmmError.None;

    /// <summary>Frees the user half: every page table and every frame it maps.</summary>
    internal static void Destroy(AddressSpace space)
    {
        bool flags = s_shareLock.Acquire();
        KernelMemory.Mapper.DestroyAddressSpace(space, s_counts);
        s_shareLock.Release(flags);
    }

    /// <summary>True when every byte of [address, address + length) is mapped user memory
    /// (writable too when <paramref name="write"/>; copy-on-write pages are copied then).</summary>
    internal static bool IsAccessible(AddressSpace space, ulong address, ulong length, bool write)
    {
        if (length == 0) return true;
        if (address >= UserLimit || length > UserLimit - address) return false;
        ulong end = address + length;
        for (ulong page = address & ~(PageSize - 1); page < end; page += PageSize)
        {
            if (KernelMemory.Mapper.Translate(space, page, out Translation t) != VmmError.None)
            {
                // Not there yet: demand paging, if the page is in one of the process's regions.
                if (!FaultIn(space, page, write) || KernelMemory.Mapper.Translate(space, page, out t) != VmmError.None)
                    return false;
            }
            if ((t.Flags & PageFlags.User) == 0) return false;
            if (write && (t.Flags & PageFlags.Writable) == 0)
            {
                // A page shared after fork: the kernel writes through the direct map, so it
                // must take the page's private copy first, as a user write would.
                if ((t.Flags & PageFlags.CopyOnWrite) == 0 || ResolveWriteFault(space, page) != VmmError.None)
                    return false;
            }
        }

        return true;
    }

    /// <summary>A kernel copy reached a page of the running process's space that is not mapped:
    /// fill it in as a user access would be (Process.ResolveFault).</summary>
    private static bool FaultIn(AddressSpace space, ulong page, bool write)
    {
        Process* process = Process.Current;
        if (process == null || process->Space.Root != space.Root) return false;
        // The address-space lock, unless this thread's memory call already holds it.
        bool take = !process->SpaceLock.IsHeldByCurrentThread;
        if (take) process->SpaceLock.Acquire();
        bool resolved = Process.ResolveFault(process, page, write, execute: false, present: false);
        bool outOfMemory = process->OutOfMemory; // read under the lock: another thread's fault resets it
        if (take) process->SpaceLock.Release();
        // Out of memory in a system call's copy: the call fails (EFAULT) and the process is
        // killed on its way back to user mode, as a fault of its own would be.
        if (!resolved && outOfMemory) process->PendingSignals |= 1UL << (Process.SignalKill - 1);
        return resolved;
    }

    /// <summary>The direct-map address of mapped user address <paramref name="address"/>, and how
    /// many of <paramref name="remaining"/> bytes from there stay within its page.</summary>
    private static byte* DirectMapped(AddressSpace space, ulong address, int remaining, out int chunk)
    {
        KernelMemory.Mapper.Translate(space, address, out Translation t);
        chunk = (int)Math.Min((ulong)remaining, PageSize - (address & (PageSize - 1)));
        return (byte*)(t.PhysicalAddress + KernelMemory.DirectMapOffset);
    }

    /// <summary>How often a page of a copy into user memory is faulted in again when another
    /// thread's fork (or munmap) took it away between the fault-in and the write.</summary>
    private const int WriteAttempts = 64;

    /// <summary>Copies into user memory through the direct map (the kernel never writes user
    /// pages through user addresses, so SMAP-style protections stay possible). Each page is
    /// looked up and written with the share lock held: system calls are preemptible, and a
    /// fork by another thread between the look-up and the write makes the page copy-on-write,
    /// after which the parent's next write moves it to a copy, so a write into the frame looked
    /// up before would land in the child's page and be lost here (a thread's clear-tid word
    /// left set; attack.thread_storm), or, after a munmap, in a freed frame. A page no longer
    /// writable is faulted in again and the write tried again, as Linux's copy_to_user faults
    /// and retries.</summary>
    internal static bool CopyTo(AddressSpace space, ulong userAddress, ReadOnlySpan<byte> data)
    {
        if (WriteLocked(space, userAddress, data)) return true;
        if (!IsAccessible(space, userAddress, (ulong)data.Length, write: true)) return false;
        for (int done = 0, chunk; done < data.Length; done += chunk)
        {
            ulong at = userAddress + (ulong)done;
            chunk = (int)Math.Min((ulong)(data.Length - done), PageSize - (at & (PageSize - 1)));
            for (int attempt = 0; !WriteLocked(space, at, data.Slice(done, chunk)); attempt++)
                if (attempt == WriteAttempts || !IsAccessible(space, at, (ulong)chunk, write: true)) return false;
        }

        return true;
    }

    /// <summary>Writes <paramref name="data"/> (within one page) at <paramref name="address"/>
    /// if it is mapped writable user memory now, with the share lock held across the look-up
    /// and the write so no copy-on-write change or unmap comes between.</summary>
    private static bool WriteLocked(AddressSpace space, ulong address, ReadOnlySpan<byte> data)
    {
        bool flags = s_shareLock.Acquire();
        byte* page = WithinOnePage(space, address, data.Length, write: true);
        if (page != null) data.CopyTo(new Span<byte>(page, data.Length));
        s_shareLock.Release(flags);
        return page != null;
    }

    /// <summary>The common case of a copy, answered with one page-table walk (the general path
    /// walks each page two or three times): a range within one page that is mapped with the
    /// rights the copy needs. Its direct-map address, or null for the general path (also for an
    /// empty range, a range over a page boundary, a page not present, a copy-on-write page).</summary>
    private static byte* WithinOnePage(AddressSpace space, ulong address, int length, bool write)
    {
        if (length <= 0 || address >= UserLimit || (address & (PageSize - 1)) + (ulong)length > PageSize) return null;
        if (KernelMemory.Mapper.Translate(space, address, out Translation t) != VmmError.None) return null;
        if ((t.Flags & PageFlags.User) == 0 || (write && (t.Flags & PageFlags.Writable) == 0)) return null;
        return (byte*)(t.PhysicalAddress + KernelMemory.DirectMapOffset);
    }

    /// <summary>Writes into pages the kernel itself just mapped (read-only ones too), for the
    /// program loader. False if a page is not mapped.</summary>
    internal static bool Fill(AddressSpace space, ulong userAddress, ReadOnlySpan<byte> data)
    {
        if (!IsAccessible(space, userAddress, (ulong)data.Length, write: false)) return false;
        for (int done = 0, chunk; done < data.Length; done += chunk)
        {
            byte* kernel = DirectMapped(space, userAddress + (ulong)done, data.Length - done, out chunk);
            data.Slice(done, chunk).CopyTo(new Span<byte>(kernel, chunk));
        }

        return true;
    }

    /// <summary>Copies out of user memory; false if any byte is not readable user memory. As
    /// <see cref="CopyTo"/>, each page is looked up and read with the share lock held, and a
    /// page that went away after its fault-in is faulted in again: the copy used to look a
    /// page up again after the fault-in without the lock, and another thread's munmap in
    /// between (the call preempted) left no translation, so it read physical address 0 through
    /// the direct map (arm64: a kernel panic in attack.thread_storm's ppoll on its window; x86:
    /// the bytes at physical 0 taken for the user's), or, unmapped and reused, another frame.</summary>
    internal static bool CopyFrom(AddressSpace space, ulong userAddress, Span<byte> destination)
    {
        if (ReadLocked(space, userAddress, destination)) return true;
        if (!IsAccessible(space, userAddress, (ulong)destination.Length, write: false)) return false;
        for (int done = 0, chunk; done < destination.Length; done += chunk)
        {
            ulong at = userAddress + (ulong)done;
            chunk = (int)Math.Min((ulong)(destination.Length - done), PageSize - (at & (PageSize - 1)));
            for (int attempt = 0; !ReadLocked(space, at, destination.Slice(done, chunk)); attempt++)
                if (attempt == WriteAttempts || !IsAccessible(space, at, (ulong)chunk, write: false)) return false;
        }

        return true;
    }

    /// <summary>Reads <paramref name="destination"/> (within one page) from
    /// <paramref name="address"/> if it is mapped user memory now, with the share lock held
    /// across the look-up and the read (no unmap comes between).</summary>
    private static bool ReadLocked(AddressSpace space, ulong address, Span<byte> destination)
    {
        bool flags = s_shareLock.Acquire();
        byte* page = WithinOnePage(space, address, destination.Length, write: false);
        if (page != null) new ReadOnlySpan<byte>(page, destination.Length).CopyTo(destination);
        s_shareLock.Release(flags);
        return page != null;
    }

    /// <summary>A NUL-terminated string from user memory (a path) into <paramref name="buffer"/>,
    /// without the NUL. 0 or a positive length; -EFAULT for an unreadable byte before the NUL,
    /// -ENAMETOOLONG when no NUL comes within the buffer.</summary>
    /// <summary>Whether [address, address + length) lies in the user half (Linux's access_ok:
    /// a range check only, nothing about what is mapped).</summary>
    internal static bool IsUserRange(ulong address, ulong length) => address <= UserLimit && length <= UserLimit - address;

    internal static long CopyString(AddressSpace space, ulong userAddress, Span<byte> buffer)
    {
        int length = 0;
        while (length < buffer.Length)
        {
            ulong address = userAddress + (ulong)length;
            int chunk = (int)Math.Min((ulong)(buffer.Length - length), PageSize - (address & (PageSize - 1)));
            if (!CopyFrom(space, address, buffer.Slice(length, chunk))) return -Syscalls.Errno.EFAULT;
            for (int i = 0; i < chunk; i++)
            {
                if (buffer[length + i] == 0) return length + i;
            }

            length += chunk;
        }

        return -Syscalls.Errno.ENAMETOOLONG;
    }
}
