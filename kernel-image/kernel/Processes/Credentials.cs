namespace Aurora.Kernel.Processes;

/// <summary>
/// Who a process acts as (Linux kernel/sys.c, include/linux/cred.h): real, effective, saved
/// and filesystem user and group ids and the supplementary groups. Every process starts as
/// root (all ids 0, no groups). Privilege is an effective uid of 0 (Linux: CAP_SETUID and
/// CAP_SETGID, which a root euid has and a non-root one loses); an unprivileged process may
/// only move between the ids it already holds. Each change answers EPERM as Linux's does.
/// </summary>
internal unsafe struct Credentials
{
    /// <summary>Supplementary groups kept (Linux allows NGROUPS_MAX = 65536; more than this
    /// many is ENOMEM here).</summary>
    internal const int GroupCapacity = 32;
    internal const int GroupsMax = 65536;

    /// <summary>-1 as uid_t: "leave unchanged" for setre*/setres*, invalid for setuid.</summary>
    internal const uint Unchanged = uint.MaxValue;

    public uint RealUid, EffectiveUid, SavedUid, FilesystemUid;
    public uint RealGid, EffectiveGid, SavedGid, FilesystemGid;
    public int GroupCount;
    public fixed uint Groups[GroupCapacity];

    internal readonly bool Privileged => EffectiveUid == 0;

    /// <summary>Whether an unprivileged process holds <paramref name="id"/> as one of three ids.</summary>
    private static bool Holds(uint id, uint real, uint effective, uint saved) => id == real || id == effective || id == saved;

    /// <summary>setuid: root sets all four ids; others may set the effective (and fs) id to
    /// their real or saved one.</summary>
    internal long SetUid(uint uid)
    {
        if (uid == Unchanged) return -Syscalls.Errno.EINVAL;
        if (Privileged) RealUid = SavedUid = uid;
        else if (uid != RealUid && uid != SavedUid) return -Syscalls.Errno.EPERM;
        EffectiveUid = FilesystemUid = uid;
        return 0;
    }

    internal long SetGid(uint gid)
    {
        if (gid == Unchanged) return -Syscalls.Errno.EINVAL;
        if (Privileged) RealGid = SavedGid = gid;
        else if (gid != RealGid && gid != SavedGid) return -Syscalls.Errno.EPERM;
        EffectiveGid = FilesystemGid = gid;
        return 0;
    }

    /// <summary>setreuid: the real id may become the effective one; the effective id the real,
    /// effective or saved one. The saved id follows the new effective id when the real id is
    /// set or the effective id moves away from the old real id.</summary>
    internal long SetReUid(uint real, uint effective)
    {
        bool privileged = Privileged;
        if (real != Unchanged && !privileged && real != RealUid && real != EffectiveUid) return -Syscalls.Errno.EPERM;
        if (effective != Unchanged && !privileged && !Holds(effective, RealUid, EffectiveUid, SavedUid)) return -Syscalls.Errno.EPERM;
        uint oldReal = RealUid;
        if (real != Unchanged) RealUid = real;
        if (effective != Unchanged) EffectiveUid = effective;
        if (real != Unchanged || (effective != Unchanged && effective != oldReal)) SavedUid = EffectiveUid;
        FilesystemUid = EffectiveUid;
        return 0;
    }

    internal long SetReGid(uint real, uint effective)
    {
        bool privileged = Privileged;
        if (real != Unchanged && !privileged && real != RealGid && real != EffectiveGid) return -Syscalls.Errno.EPERM;
        if (effective != Unchanged && !privileged && !Holds(effective, RealGid, EffectiveGid, SavedGid)) return -Syscalls.Errno.EPERM;
        uint oldReal = RealGid;
        if (real != Unchanged) RealGid = real;
        if (effective != Unchanged) EffectiveGid = effective;
        if (real != Unchanged || (effective != Unchanged && effective != oldReal)) SavedGid = EffectiveGid;
        FilesystemGid = EffectiveGid;
        return 0;
    }

    /// <summary>setresuid: unprivileged, each id given must be one of the three held now.</summary>
    internal long SetResUid(uint real, uint effective, uint saved)
    {
        if (!Privileged)
        {
            if (real != Unchanged && !Holds(real, RealUid, EffectiveUid, SavedUid)) return -Syscalls.Errno.EPERM;
            if (effective != Unchanged && !Holds(effective, RealUid, EffectiveUid, SavedUid)) return -Syscalls.Errno.EPERM;
            if (saved != Unchanged && !Holds(saved, RealUid, EffectiveUid, SavedUid)) return -Syscalls.Errno.EPERM;
        }

        if (real != Unchanged) RealUid = real;
        if (effective != Unchanged) EffectiveUid = effective;
        if (saved != Unchanged) SavedUid = saved;
        FilesystemUid = EffectiveUid;
        return 0;
    }

    internal long SetResGid(uint real, uint effective, uint saved)
    {
        if (!Privileged)
        {
            if (real != Unchanged && !Holds(real, RealGid, EffectiveGid, SavedGid)) return -Syscalls.Errno.EPERM;
            if (effective != Unchanged && !Holds(effective, RealGid, EffectiveGid, SavedGid)) return -Syscalls.Errno.EPERM;
            if (saved != Unchanged && !Holds(saved, RealGid, EffectiveGid, SavedGid)) return -Syscalls.Errno.EPERM;
        }

        if (real != Unchanged) RealGid = real;
        if (effective != Unchanged) EffectiveGid = effective;
        if (saved != Unchanged) SavedGid = saved;
        FilesystemGid = EffectiveGid;
        return 0;
    }

    /// <summary>setfsuid: always answers the old filesystem id; changes it when privileged or
    /// to one of the ids held (real, effective, saved, filesystem).</summary>
    internal long SetFsUid(uint uid)
    {
        uint old = FilesystemUid;
        if (uid != Unchanged && (Privileged || Holds(uid, RealUid, EffectiveUid, SavedUid) || uid == FilesystemUid)) FilesystemUid = uid;
        return old;
    }

    internal long SetFsGid(uint gid)
    {
        uint old = FilesystemGid;
        if (gid != Unchanged && (Privileged || Holds(gid, RealGid, EffectiveGid, SavedGid) || gid == FilesystemGid)) FilesystemGid = gid;
        return old;
    }

    /// <summary>execve: the saved and filesystem ids become the effective ones (no set-user-id
    /// files yet, so the effective ids stay).</summary>
    internal void OnExecute()
    {
        SavedUid = FilesystemUid = EffectiveUid;
        SavedGid = FilesystemGid = EffectiveGid;
    }
}
