using System;
using Aurora.Caps;
using Aurora.Kernel.Ipc;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Pmm;
using Aurora.Vmm;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// IPC named by capability tokens (SPEC IPC-1) and the system-call filter (SEC-5), served by
/// <c>Aurora.Caps</c> with the conventions of its README, under Aurora's own numbers (Linux's
/// msgget/shmget numbers are System V IPC with keys: SysvIpcCalls): cap_msgget/cap_shmget
/// (1006, 1010) take a user pointer to a 32-byte token where Linux takes the key (NULL =
/// IPC_PRIVATE: a new token and object); cap_msgsnd/cap_msgrcv/cap_msgctl and
/// cap_shmat/cap_shmdt/cap_shmctl take the caller's own ids; Aurora's calls 1000-1005 mint,
/// grant, revoke, release and export tokens and install a filter. A queue
/// that is full or empty blocks the caller on <see cref="Capabilities.QueueEvents"/> (woken by every send,
/// receive and removal; a signal ends the wait with EINTR, never restarted, as signal(7) says
/// of msgsnd/msgrcv) unless IPC_NOWAIT. Shared segments are pinned frames mapped into each attaching process
/// (shared across fork, never copied on write) and freed when the last attachment goes.
/// </summary>
internal static unsafe class IpcCalls
{
    private const int TokenBytes = 32;
    private const int MaxMessage = CapsLimits.MaxMessageSize;

    /// <summary>A sandboxed process refused by its token's rights (EACCES) or a grant wider
    /// than its own (EPERM) gets an audit line like the sandbox's other refusals
    /// (docs/sandbox.md: tokens granted by the agent runtime).</summary>
    private static long Audited(Process* process, long result, string what)
    {
        if ((result == -Errno.EACCES || result == -Errno.EPERM) && process->Sandbox.IsRestricted)
            return Sandbox.Audit.Refused(process, what, default, result, "token rights");
        return result;
    }

    private static long CopyToken(Process* process, ulong userToken, out CapabilityToken token)
    {
        token = default;
        byte* bytes = stackalloc byte[TokenBytes];
        if (!UserMemory.CopyFrom(process->Space, userToken, new Span<byte>(bytes, TokenBytes))) return -Errno.EFAULT;
        return -(long)CapabilityToken.FromBytes(new ReadOnlySpan<byte>(bytes, TokenBytes), out token);
    }

    private static long StoreToken(Process* process, ulong userToken, in CapabilityToken token)
    {
        byte* bytes = stackalloc byte[TokenBytes];
        token.CopyTo(new Span<byte>(bytes, TokenBytes));
        return UserMemory.CopyTo(process->Space, userToken, new ReadOnlySpan<byte>(bytes, TokenBytes)) ? 0 : -Errno.EFAULT;
    }

    internal static long MessageGet(Process* process, ulong userToken, ulong flags)
    {
        if (userToken == 0)
        {
            Capabilities.Lock();
            long created = Capabilities.Space.MessageGetPrivate(process->CapsHandle, out _);
            Capabilities.Unlock();
            return created;
        }

        long error = CopyToken(process, userToken, out CapabilityToken token);
        if (error != 0) return error;
        Capabilities.Lock();
        long id = Capabilities.Space.MessageGet(process->CapsHandle, token, (int)flags);
        Capabilities.Unlock();
        return Audited(process, id, "cap_msgget");
    }

    internal static long MessageSend(Process* process, ulong id, ulong message, ulong size, ulong flags)
    {
        if (size > MaxMessage) return -Errno.EINVAL;
        byte* buffer = (byte*)KernelMemory.Allocate((nuint)(8 + size));
        if (buffer == null) return -Errno.ENOMEM;
        long result = UserMemory.CopyFrom(process->Space, message, new Span<byte>(buffer, (int)(8 + size))) ? 0 : -Errno.EFAULT;
        while (result == 0)
        {
            Capabilities.QueueEvents.Prepare(interruptible: true);
            Capabilities.Lock();
            CapsError error = Capabilities.Space.Send(process->CapsHandle, (int)id, *(long*)buffer, new ReadOnlySpan<byte>(buffer + 8, (int)size), (int)flags);
            Capabilities.Unlock();
            if (error == CapsError.None) Capabilities.QueuesChanged();
            if (error != CapsError.TryAgain || (flags & IpcFlags.NoWait) != 0)
            {
                Capabilities.QueueEvents.Cancel();
                result = -(long)error;
                break;
            }

            result = WaitForQueue(process);
        }

        KernelMemory.Free(buffer);
        return Audited(process, result, "cap_msgsnd");
    }

    internal static long MessageReceive(Process* process, ulong id, ulong message, ulong size, long type, ulong flags)
    {
        if ((long)size < 0) return -Errno.EINVAL; // Linux: msgsz is a long there
        if (size > MaxMessage) size = MaxMessage;
        if (!UserMemory.IsAccessible(process->Space, message, 8 + size, write: true)) return -Errno.EFAULT;
        byte* buffer = (byte*)KernelMemory.Allocate((nuint)(size + 1));
        if (buffer == null) return -Errno.ENOMEM;
        long result;
        while (true)
        {
            Capabilities.QueueEvents.Prepare(interruptible: true);
            Capabilities.Lock();
            result = Capabilities.Space.Receive(process->CapsHandle, (int)id, new Span<byte>(buffer, (int)size), type, (int)flags, out long messageType);
            Capabilities.Unlock();
            if (result >= 0) Capabilities.QueuesChanged();
            if (result == -(long)CapsError.NoMessage && (flags & IpcFlags.NoWait) == 0)
            {
                long waited = WaitForQueue(process);
                if (waited == 0) continue;
                result = waited;
                break;
            }

            Capabilities.QueueEvents.Cancel();
            if (result >= 0)
            {
                UserMemory.CopyTo(process->Space, message, new ReadOnlySpan<byte>(&messageType, 8));
                UserMemory.CopyTo(process->Space, message + 8, new ReadOnlySpan<byte>(buffer, (int)result));
            }

            break;
        }

        KernelMemory.Free(buffer);
        return Audited(process, result, "cap_msgrcv");
    }

    /// <summary>After <c>Capabilities.QueueEvents.Prepare</c> and a try that found the queue full or
    /// empty: sleeps until the queues change (0: try again) or a signal comes (ERESTARTNOHAND:
    /// EINTR when a handler runs, restarted otherwise).</summary>
    private static long WaitForQueue(Process* process)
    {
        if (Process.HasDeliverableSignal(process))
        {
            Capabilities.QueueEvents.Cancel();
            return -Errno.ERESTARTNOHAND;
        }

        Capabilities.QueueEvents.Sleep(Tasks.WaitQueue.Forever);
        return 0;
    }

    internal static long MessageControl(Process* process, ulong id, ulong command, ulong buffer)
    {
        MessageQueueStatus status = default;
        int size = sizeof(MessageQueueStatus);
        if (command == IpcFlags.Set && !UserMemory.CopyFrom(process->Space, buffer, new Span<byte>(&status, size))) return -Errno.EFAULT;
        Capabilities.Lock();
        CapsError error = Capabilities.Space.MessageControl(process->CapsHandle, (int)id, (int)command, ref status);
        Capabilities.Unlock();
        Capabilities.QueuesChanged();
        if (error != CapsError.None) return Audited(process, -(long)error, "cap_msgctl");
        if (command == IpcFlags.Stat && !UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(&status, size))) return -Errno.EFAULT;
        return 0;
    }

    internal static long SegmentGet(Process* process, ulong userToken, ulong size, ulong flags)
    {
        if (userToken == 0)
        {
            Capabilities.Lock();
            long created = Capabilities.Space.SegmentGetPrivate(process->CapsHandle, size, out _);
            Capabilities.Unlock();
            return created;
        }

        long error = CopyToken(process, userToken, out CapabilityToken token);
        if (error != 0) return error;
        Capabilities.Lock();
        long id = Capabilities.Space.SegmentGet(process->CapsHandle, token, size, (int)flags);
        Capabilities.Unlock();
        return Audited(process, id, "cap_shmget");
    }

    /// <summary>shmat: maps the segment's frames (allocated at the first attach) at the next
    /// free mapping address; the address is chosen by the kernel (a hint is ignored).</summary>
    internal static long Attach(Process* process, ulong id, ulong address, ulong flags)
    {
        int slot = -1;
        for (int i = 0; i < Process.MaxSharedMappings && slot < 0; i++)
        {
            if (process->SharedAddress[i] == 0) slot = i;
        }

        if (slot < 0) return -Errno.EMFILE;
        Capabilities.Lock();
        CapsError error = Capabilities.Space.Attach(process->CapsHandle, (int)id, (int)flags, out SegmentAttachment attachment);
        if (error == CapsError.None && attachment.Pages == 0)
        {
            attachment.Pages = (ulong)SharedSegments.AllocateSegment((attachment.Size + 4095) / 4096);
            if (attachment.Pages == 0) error = CapsError.NoMemory;
            else Capabilities.Space.SetSegmentPages(attachment.Segment, attachment.Pages);
        }

        if (error == CapsError.NoMemory && attachment.Segment != 0)
        {
            Capabilities.Space.Detach(process->CapsHandle, attachment.Segment, out _);
        }

        Capabilities.Unlock();
        if (error != CapsError.None) return Audited(process, -(long)error, "cap_shmat");

        var pages = (ulong*)attachment.Pages;
        ulong count = pages[0];
        // The attachment is a region whose most access is what the grant gave: mprotect can
        // never make a read-only attachment writable (issue 9, finding 2).
        RegionAccess access = attachment.ReadOnly ? RegionAccess.Read : RegionAccess.Read | RegionAccess.Write;
        ulong start = Process.ChooseMappingAddress(process, 0, count * 4096);
        if (start == 0 ||
            process->Regions.Insert(new Region(start, start + (count * 4096), access, access | RegionAccess.Execute, RegionKind.Shared, attachment.Segment)) != VmmError.None)
        {
            Capabilities.Lock();
            Capabilities.Space.Detach(process->CapsHandle, attachment.Segment, out ulong unused);
            Capabilities.Unlock();
            SharedSegments.FreeSegment(unused);
            return -Errno.ENOMEM;
        }

        PageFlags protection = Process.PageRights(access);
        for (ulong i = 0; i < count; i++)
        {
            if (!SharedSegments.MapPage(process->Space, start + (i * 4096), pages[1 + i], protection))
            {
                Process.UnmapRegions(process, start, start + (count * 4096));
                Capabilities.Lock();
                Capabilities.Space.Detach(process->CapsHandle, attachment.Segment, out ulong free);
                Capabilities.Unlock();
                SharedSegments.FreeSegment(free);
                return -Errno.ENOMEM;
            }
        }

        process->SharedAddress[slot] = start;
        process->SharedPages[slot] = count;
        process->SharedSegment[slot] = attachment.Segment;
        process->SharedId[slot] = id | (attachment.ReadOnly ? SharedSegments.ReadOnlyMark : 0);
        return (long)start;
    }

    /// <summary>shmdt: the mapping that starts at <paramref name="address"/>.</summary>
    internal static long Detach(Process* process, ulong address)
    {
        for (int i = 0; i < Process.MaxSharedMappings; i++)
        {
            if (process->SharedAddress[i] != address || address == 0 || (process->SharedId[i] & SharedSegments.SysvMark) != 0) continue;
            SharedSegments.DetachSlot(process, i);
            return 0;
        }

        return -Errno.EINVAL;
    }

    internal static long SegmentControl(Process* process, ulong id, ulong command, ulong buffer)
    {
        SegmentStatus status = default;
        Capabilities.Lock();
        CapsError error = Capabilities.Space.SegmentControl(process->CapsHandle, (int)id, (int)command, ref status, out ulong free);
        Capabilities.Unlock();
        SharedSegments.FreeSegment(free);
        if (error != CapsError.None) return Audited(process, -(long)error, "cap_shmctl");
        if (command == IpcFlags.Stat && !UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(&status, sizeof(SegmentStatus)))) return -Errno.EFAULT;
        return 0;
    }

    // Aurora's capability calls (numbers 1000-1005).

    internal static long Mint(Process* process, ulong userToken)
    {
        Capabilities.Lock();
        long id = Capabilities.Space.Mint(process->CapsHandle, out CapabilityToken token);
        Capabilities.Unlock();
        if (id < 0) return id;
        return StoreToken(process, userToken, token) == 0 ? id : -Errno.EFAULT;
    }

    internal static long Grant(Process* process, ulong userToken, long pid, ulong rights)
    {
        long error = CopyToken(process, userToken, out CapabilityToken token);
        if (error != 0) return error;
        // The target is looked up and granted to under the process-table lock (inside the
        // capabilities lock, the lock order's way): reaped meanwhile, its record would be freed
        // memory and its handle another process's. One past its exit's drop of its holdings
        // answers ESRCH too, or the grant would outlive it on the handle.
        Capabilities.Lock();
        bool table = Process.LockTable();
        Process* target = Process.FindLocked(pid);
        long id = target == null || target->CapabilitiesForgotten ? -Errno.ESRCH
            : Capabilities.Space.Grant(process->CapsHandle, token, target->CapsHandle, (uint)rights);
        Process.UnlockTable(table);
        Capabilities.Unlock();
        return Audited(process, id, "cap_grant");
    }

    internal static long Revoke(Process* process, ulong userToken)
    {
        long error = CopyToken(process, userToken, out CapabilityToken token);
        if (error != 0) return error;
        Capabilities.Lock();
        CapsError result = Capabilities.Space.Revoke(process->CapsHandle, token, out ulong free);
        Capabilities.Unlock();
        Capabilities.QueuesChanged();
        SharedSegments.FreeSegment(free);
        return Audited(process, -(long)result, "cap_revoke");
    }

    internal static long Release(Process* process, ulong id)
    {
        Capabilities.Lock();
        CapsError result = Capabilities.Space.Release(process->CapsHandle, (int)id, out ulong free);
        Capabilities.Unlock();
        Capabilities.QueuesChanged();
        SharedSegments.FreeSegment(free);
        return -(long)result;
    }

    internal static long ExportToken(Process* process, ulong id, ulong userToken)
    {
        Capabilities.Lock();
        CapsError result = Capabilities.Space.CopyToken(process->CapsHandle, (int)id, out CapabilityToken token);
        Capabilities.Unlock();
        if (result != CapsError.None) return Audited(process, -(long)result, "cap_token");
        return StoreToken(process, userToken, token);
    }

    internal static long InstallFilter(Process* process, ulong userSpec)
    {
        SyscallFilterSpec spec;
        if (!UserMemory.CopyFrom(process->Space, userSpec, new Span<byte>(&spec, sizeof(SyscallFilterSpec)))) return -Errno.EFAULT;
        Capabilities.Lock();
        process->SyscallFilterInstalled = true;
        CapsError result = Capabilities.Space.InstallFilter(process->CapsHandle, spec);
        Capabilities.Unlock();
        return -(long)result;
    }
}
