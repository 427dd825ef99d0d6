using System;
using Aurora.Caps;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Vmm;

namespace Aurora.Kernel.Ipc;

/// <summary>
/// Shared-memory segments as the kernel core keeps them (SPEC IPC-1): counted frames, each
/// attachment a region of the process (at most what the grant allows), inherited by fork,
/// detached by execve and exit, freed with the last attachment. The syscalls (shmat, shmdt,
/// Syscalls/IpcCalls.cs) and the process lifecycle both use this; processes never call into
/// a syscall family (issue 10, item 6).
/// </summary>
internal static unsafe class SharedSegments
{
    /// <summary>Bits of <see cref="Process.SharedId"/> above the id: the attachment is a
    /// System V segment's (<see cref="SysvSegments"/>; else token-named), and read-only.</summary>
    internal const ulong SysvMark = 1UL << 62, ReadOnlyMark = 1UL << 63;

    /// <summary>Every attachment of a process that is ending (before the capability space
    /// forgets it).</summary>
    internal static void DetachAll(Process* process)
    {
        for (int i = 0; i < Process.MaxSharedMappings; i++)
        {
            if (process->SharedAddress[i] != 0) DetachSlot(process, i);
        }
    }

    /// <summary>After fork (and ProcessForked, which gave the child the parent's ids): the
    /// child's address space already shares the segments' pinned frames; each mapping becomes
    /// an attachment of the child too. A segment that can no longer be attached (its token
    /// was revoked meanwhile) is unmapped from the child.</summary>
    internal static void InheritAttachments(Process* parent, Process* child)
    {
        for (int i = 0; i < Process.MaxSharedMappings; i++)
        {
            child->SharedAddress[i] = 0;
            if (parent->SharedAddress[i] == 0) continue;
            if ((parent->SharedId[i] & SysvMark) != 0)
            {
                SysvSegments.Forked(parent->SharedSegment[i], child);
                child->SharedAddress[i] = parent->SharedAddress[i];
                child->SharedPages[i] = parent->SharedPages[i];
                child->SharedSegment[i] = parent->SharedSegment[i];
                child->SharedId[i] = parent->SharedId[i];
                continue;
            }

            // By segment, not by id: the child shares the mapping even when the segment was
            // removed (IPC_RMID) after the parent attached it, as in Linux.
            Capabilities.Lock();
            CapsError error = Capabilities.Space.AttachForked(child->CapsHandle, parent->SharedSegment[i]);
            Capabilities.Unlock();
            if (error != CapsError.None)
            {
                UnmapSegment(child, parent->SharedAddress[i], parent->SharedPages[i], parent->SharedSegment[i]);
                continue;
            }

            child->SharedAddress[i] = parent->SharedAddress[i];
            child->SharedPages[i] = parent->SharedPages[i];
            child->SharedSegment[i] = parent->SharedSegment[i];
            child->SharedId[i] = parent->SharedId[i];
        }
    }

    /// <summary>Ends attachment <paramref name="slot"/> (shmdt, cap_shmdt, execve, exit):
    /// its pieces unmapped, the segment's count of attachments dropped. False when the program
    /// had unmapped every piece already.</summary>
    internal static bool DetachSlot(Process* process, int slot)
    {
        bool mapped = UnmapSegment(process, process->SharedAddress[slot], process->SharedPages[slot], process->SharedSegment[slot]);
        if ((process->SharedId[slot] & SysvMark) != 0)
        {
            process->SharedAddress[slot] = 0;
            SysvSegments.Dropped(process->SharedSegment[slot], process, SysvIpc.Now);
            return mapped;
        }

        Capabilities.Lock();
        Capabilities.Space.Detach(process->CapsHandle, process->SharedSegment[slot], out ulong free);
        Capabilities.Unlock();
        FreeSegment(free);
        process->SharedAddress[slot] = 0;
        return mapped;
    }

    /// <summary>Unmaps what is left of an attachment, as Linux's shmdt does (ipc/shm.c,
    /// ksys_shmdt): every piece of <paramref name="segment"/> inside [start, start + count
    /// pages) that is still at the place its offset in the segment gives. mprotect cuts an
    /// attachment into several regions and munmap may take any of them (the first included),
    /// so all of them are looked for, not only one at <paramref name="start"/>; a mapping the
    /// program put in a hole, or the same segment attached elsewhere, stays. False when no
    /// piece was left (Linux's shmdt answers EINVAL then).</summary>
    internal static bool UnmapSegment(Process* process, ulong start, ulong count, ulong segment)
    {
        ulong end = start + (count * 4096);
        bool found = false;
        int i = process->Regions.FirstEndingAfter(start);
        while (i < process->Regions.Count && process->Regions[i].Start < end)
        {
            Region region = process->Regions[i];
            if (region.Kind != RegionKind.Shared || region.Tag != segment || region.End > end || region.Offset != region.Start - start)
            {
                i++;
                continue;
            }

            Process.UnmapRegions(process, region.Start, region.End);
            found = true;
            i = process->Regions.FirstEndingAfter(region.End); // the map moved under the index
        }

        return found;
    }

    /// <summary>A page list (count, then frames), every frame zeroed and counted as the
    /// segment's alone (0); each mapping of it adds a share (<see cref="MapPage"/>), so a page
    /// the program cut out of its attachment (munmap, mprotect, MAP_FIXED) keeps its frame
    /// until that page too is unmapped. 0 when memory runs out.</summary>
    internal static ulong* AllocateSegment(ulong count)
    {
        var pages = (ulong*)KernelMemory.Allocate((nuint)((count + 1) * 8));
        if (pages == null) return null;
        pages[0] = 0;
        for (ulong i = 0; i < count; i++)
        {
            if (!KernelMemory.AllocateFrame(out ulong frame))
            {
                FreeSegment((ulong)pages);
                return null;
            }

            new Span<byte>((void*)(frame + KernelMemory.DirectMapOffset), 4096).Clear();
            UserMemory.SetCount(frame, 0);
            pages[1 + i] = frame;
            pages[0] = i + 1;
        }

        return pages;
    }

    /// <summary>Maps one page of a segment (MAP_SHARED-like: fork shares it as it is, never
    /// copy-on-write) with a share of its frame counted for the mapping. False when it cannot.</summary>
    internal static bool MapPage(AddressSpace space, ulong page, ulong frame, PageFlags rights) =>
        UserMemory.ShareFrame(frame) && UserMemory.MapObjectFrame(space, page, frame, rights | PageFlags.Shared);

    /// <summary>Frees a segment's page list when the capability space says its last
    /// attachment is gone (0: nothing to free). Each frame goes now, or with the last page
    /// still mapping it: a detach unmaps only what is left of the attachment's first piece, and
    /// freeing a frame still mapped elsewhere let the address space's teardown free it again.</summary>
    internal static void FreeSegment(ulong handle)
    {
        if (handle == 0) return;
        var pages = (ulong*)handle;
        for (ulong i = 0; i < pages[0]; i++) UserMemory.ReleaseObjectFrame(pages[1 + i]);

        KernelMemory.Free(pages);
    }
}
