namespace Aurora.Caps;

/// <summary>Linux x86_64 values of the SysV IPC flags and commands (uapi/linux/ipc.h, msg.h, shm.h).</summary>
public static class IpcFlags
{
    /// <summary>msgget/shmget: create the object the token names if it names none.</summary>
    public const int Create = 0x200;      // IPC_CREAT 01000
    /// <summary>With <see cref="Create"/>: fail with EEXIST if the token already names one.</summary>
    public const int Exclusive = 0x400;   // IPC_EXCL 02000
    /// <summary>msgsnd/msgrcv: do not block. The component never blocks; it returns EAGAIN (send)
    /// or ENOMSG (receive) either way, and the kernel blocks when this flag is absent.</summary>
    public const int NoWait = 0x800;      // IPC_NOWAIT 04000
    /// <summary>msgrcv: truncate a message longer than the buffer instead of E2BIG.</summary>
    public const int MsgNoError = 0x1000; // MSG_NOERROR 010000
    /// <summary>msgrcv with msgtyp &gt; 0: the first message whose type is not msgtyp.</summary>
    public const int MsgExcept = 0x2000;  // MSG_EXCEPT 020000
    /// <summary>msgrcv: copy without removing (Linux checkpoint/restore). Not supported: EINVAL.</summary>
    public const int MsgCopy = 0x4000;    // MSG_COPY 040000
    /// <summary>shmat: attach read-only (needs only <see cref="Rights.Map"/>).</summary>
    public const int ShmReadOnly = 0x1000; // SHM_RDONLY 010000

    /// <summary>msgctl/shmctl: remove (here: revoke the token, invalidating every holder's id).</summary>
    public const int Remove = 0;          // IPC_RMID
    /// <summary>msgctl: set msg_qbytes from the status given.</summary>
    public const int Set = 1;             // IPC_SET
    /// <summary>msgctl/shmctl: fill a status structure.</summary>
    public const int Stat = 2;            // IPC_STAT

    /// <summary>shmid_ds.shm_perm.mode bit of a segment marked for removal.</summary>
    public const ushort ShmDestroyMode = 0x200; // SHM_DEST 01000
}
