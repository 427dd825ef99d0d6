using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// The user and group id calls (Linux kernel/sys.c, kernel/groups.c): getuid ... getresgid,
/// setuid ... setfsgid, getgroups, setgroups, over the caller's <see cref="Credentials"/>. The
/// rules of each change live there; here are the user-memory copies.
/// </summary>
internal static unsafe class CredentialCalls
{
    /// <summary>getresuid / getresgid(uid_t* real, uid_t* effective, uid_t* saved).</summary>
    internal static long GetResIds(Process* process, ulong real, ulong effective, ulong saved, bool groups)
    {
        ref Credentials c = ref process->Credentials;
        uint r = groups ? c.RealGid : c.RealUid, e = groups ? c.EffectiveGid : c.EffectiveUid, s = groups ? c.SavedGid : c.SavedUid;
        if (!UserMemory.CopyTo(process->Space, real, new ReadOnlySpan<byte>(&r, 4)) ||
            !UserMemory.CopyTo(process->Space, effective, new ReadOnlySpan<byte>(&e, 4)) ||
            !UserMemory.CopyTo(process->Space, saved, new ReadOnlySpan<byte>(&s, 4)))
            return -Errno.EFAULT;
        return 0;
    }

    /// <summary>getgroups(size, list): the count for size 0; EINVAL for a negative size or one
    /// smaller than the count.</summary>
    internal static long GetGroups(Process* process, int size, ulong list)
    {
        ref Credentials c = ref process->Credentials;
        if (size < 0) return -Errno.EINVAL;
        if (size == 0) return c.GroupCount;
        if (size < c.GroupCount) return -Errno.EINVAL;
        fixed (uint* groups = c.Groups)
        {
            if (c.GroupCount > 0 && !UserMemory.CopyTo(process->Space, list, new ReadOnlySpan<byte>(groups, c.GroupCount * 4))) return -Errno.EFAULT;
        }

        return c.GroupCount;
    }

    /// <summary>setgroups(size, list): root only (EPERM), at most NGROUPS_MAX (EINVAL).</summary>
    internal static long SetGroups(Process* process, int size, ulong list)
    {
        ref Credentials c = ref process->Credentials;
        if (!c.Privileged) return -Errno.EPERM;
        if ((uint)size > Credentials.GroupsMax) return -Errno.EINVAL;
        if (size > Credentials.GroupCapacity) return -Errno.ENOMEM;
        uint* groups = stackalloc uint[Credentials.GroupCapacity];
        if (size > 0 && !UserMemory.CopyFrom(process->Space, list, new Span<byte>(groups, size * 4))) return -Errno.EFAULT;
        // Linux keeps the list sorted (groups_sort) for its lookups; getgroups answers it so.
        for (int i = 1; i < size; i++)
        {
            uint group = groups[i];
            int j = i - 1;
            for (; j >= 0 && groups[j] > group; j--) groups[j + 1] = groups[j];
            groups[j + 1] = group;
        }

        for (int i = 0; i < size; i++) c.Groups[i] = groups[i];
        c.GroupCount = size;
        return 0;
    }
}
