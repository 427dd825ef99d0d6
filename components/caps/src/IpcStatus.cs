using System.Runtime.InteropServices;

namespace Aurora.Caps;

/// <summary>
/// struct msqid64_ds of Linux x86_64 (uapi/asm-generic/msgbuf.h with ipc64_perm), 120 bytes,
/// filled by msgctl(IPC_STAT); IPC_SET reads only <see cref="QueueBytes"/>. There is no key:
/// <see cref="Key"/> is 0 (IPC_PRIVATE), uid/gid are 0. Pids are process handles; the
/// kernel replaces them with its PIDs before copying out.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 120)]
public struct MessageQueueStatus
{
    /// <summary>ipc_perm.__key: always 0 (IPC_PRIVATE): token-named queues have no key.</summary>
    [FieldOffset(0)] public int Key;
    /// <summary>ipc_perm.uid: always 0 (access is decided by rights, not owners).</summary>
    [FieldOffset(4)] public uint Uid;
    /// <summary>ipc_perm.gid: always 0.</summary>
    [FieldOffset(8)] public uint Gid;
    /// <summary>ipc_perm.cuid: always 0.</summary>
    [FieldOffset(12)] public uint CreatorUid;
    /// <summary>ipc_perm.cgid: always 0.</summary>
    [FieldOffset(16)] public uint CreatorGid;
    /// <summary>ipc_perm.mode: 0600 (0x180); access is decided by rights, not mode.</summary>
    [FieldOffset(20)] public ushort Mode;
    /// <summary>ipc_perm.__seq: the token's generation (low 16 bits).</summary>
    [FieldOffset(24)] public ushort Sequence;
    /// <summary>msg_stime: <see cref="CapabilitySpace{TMemory, TRandom}.Now"/> at the last
    /// successful send (seconds; 0: never).</summary>
    [FieldOffset(48)] public long SendTime;
    /// <summary>msg_rtime: <see cref="CapabilitySpace{TMemory, TRandom}.Now"/> at the last
    /// successful receive (seconds; 0: never).</summary>
    [FieldOffset(56)] public long ReceiveTime;
    /// <summary>msg_ctime: <see cref="CapabilitySpace{TMemory, TRandom}.Now"/> at creation or the
    /// last IPC_SET (seconds).</summary>
    [FieldOffset(64)] public long ChangeTime;
    /// <summary>msg_cbytes: bytes of message text now in the queue.</summary>
    [FieldOffset(72)] public ulong CurrentBytes;
    /// <summary>msg_qnum: messages now in the queue.</summary>
    [FieldOffset(80)] public ulong MessageCount;
    /// <summary>msg_qbytes: the most bytes of text the queue holds; the one field IPC_SET
    /// reads.</summary>
    [FieldOffset(88)] public ulong QueueBytes;
    /// <summary>msg_lspid: process handle of the last sender (the kernel turns it into a
    /// PID).</summary>
    [FieldOffset(96)] public int LastSender;
    /// <summary>msg_lrpid: process handle of the last receiver (the kernel turns it into a
    /// PID).</summary>
    [FieldOffset(100)] public int LastReceiver;
}

/// <summary>
/// struct shmid64_ds of Linux x86_64, 112 bytes, filled by shmctl(IPC_STAT). Mode carries
/// SHM_DEST once the segment is removed; pids are process handles (see above).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 112)]
public struct SegmentStatus
{
    /// <summary>ipc_perm.__key: always 0 (IPC_PRIVATE): token-named segments have no key.</summary>
    [FieldOffset(0)] public int Key;
    /// <summary>ipc_perm.uid: always 0 (access is decided by rights, not owners).</summary>
    [FieldOffset(4)] public uint Uid;
    /// <summary>ipc_perm.gid: always 0.</summary>
    [FieldOffset(8)] public uint Gid;
    /// <summary>ipc_perm.cuid: always 0.</summary>
    [FieldOffset(12)] public uint CreatorUid;
    /// <summary>ipc_perm.cgid: always 0.</summary>
    [FieldOffset(16)] public uint CreatorGid;
    /// <summary>ipc_perm.mode: permission bits 0600 (0x180); access is decided by rights, not
    /// mode.</summary>
    [FieldOffset(20)] public ushort Mode;
    /// <summary>ipc_perm.__seq: the segment's generation (low 16 bits).</summary>
    [FieldOffset(24)] public ushort Sequence;
    /// <summary>shm_segsz: the size asked for at creation, in bytes.</summary>
    [FieldOffset(48)] public ulong Size;
    /// <summary>shm_atime: <see cref="CapabilitySpace{TMemory, TRandom}.Now"/> at the last attach
    /// (seconds; 0: never).</summary>
    [FieldOffset(56)] public long AttachTime;
    /// <summary>shm_dtime: <see cref="CapabilitySpace{TMemory, TRandom}.Now"/> at the last detach
    /// (seconds; 0: never).</summary>
    [FieldOffset(64)] public long DetachTime;
    /// <summary>shm_ctime: <see cref="CapabilitySpace{TMemory, TRandom}.Now"/> when the segment was
    /// created (seconds).</summary>
    [FieldOffset(72)] public long ChangeTime;
    /// <summary>shm_cpid: process handle of the creator (the kernel turns it into a PID).</summary>
    [FieldOffset(80)] public int Creator;
    /// <summary>shm_lpid: process handle of the last to attach or detach, -1 before any (the kernel
    /// turns it into a PID).</summary>
    [FieldOffset(84)] public int LastOperator;
    /// <summary>shm_nattch: attachments now.</summary>
    [FieldOffset(88)] public ulong AttachCount;
}

/// <summary>What shmat gives the kernel to map: the segment's size and page handle, whether
/// the mapping must be read-only, and the handle to pass to shmdt for this attachment.</summary>
public struct SegmentAttachment
{
    /// <summary>Identifies the segment for <c>Detach</c>; valid while attached even after the
    /// token is revoked. The kernel keeps it with the mapping, never hands it to user space.</summary>
    public ulong Segment;
    /// <summary>The segment's size in bytes, as asked for at creation; the kernel maps it rounded
    /// up to whole pages.</summary>
    public ulong Size;
    /// <summary>The kernel's page-list handle (<c>SetSegmentPages</c>); 0 until it sets one.</summary>
    public ulong Pages;
    /// <summary>The attachment was made with SHM_RDONLY (<see cref="IpcFlags.ShmReadOnly"/>): map
    /// the pages read-only.</summary>
    public bool ReadOnly;
}
