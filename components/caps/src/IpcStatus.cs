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
    [FieldOffset(0)] public int Key;
    [FieldOffset(4)] public uint Uid;
    [FieldOffset(8)] public uint Gid;
    [FieldOffset(12)] public uint CreatorUid;
    [FieldOffset(16)] public uint CreatorGid;
    [FieldOffset(20)] public ushort Mode;
    [FieldOffset(24)] public ushort Sequence;
    [FieldOffset(48)] public long SendTime;
    [FieldOffset(56)] public long ReceiveTime;
    [FieldOffset(64)] public long ChangeTime;
    [FieldOffset(72)] public ulong CurrentBytes;
    [FieldOffset(80)] public ulong MessageCount;
    [FieldOffset(88)] public ulong QueueBytes;
    [FieldOffset(96)] public int LastSender;
    [FieldOffset(100)] public int LastReceiver;
}

/// <summary>
/// struct shmid64_ds of Linux x86_64, 112 bytes, filled by shmctl(IPC_STAT). Mode carries
/// SHM_DEST once the segment is removed; pids are process handles (see above).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 112)]
public struct SegmentStatus
{
    [FieldOffset(0)] public int Key;
    [FieldOffset(4)] public uint Uid;
    [FieldOffset(8)] public uint Gid;
    [FieldOffset(12)] public uint CreatorUid;
    [FieldOffset(16)] public uint CreatorGid;
    [FieldOffset(20)] public ushort Mode;
    [FieldOffset(24)] public ushort Sequence;
    [FieldOffset(48)] public ulong Size;
    [FieldOffset(56)] public long AttachTime;
    [FieldOffset(64)] public long DetachTime;
    [FieldOffset(72)] public long ChangeTime;
    [FieldOffset(80)] public int Creator;
    [FieldOffset(84)] public int LastOperator;
    [FieldOffset(88)] public ulong AttachCount;
}

/// <summary>What shmat gives the kernel to map: the segment's size and page handle, whether
/// the mapping must be read-only, and the handle to pass to shmdt for this attachment.</summary>
public struct SegmentAttachment
{
    /// <summary>Identifies the segment for <c>Detach</c>; valid while attached even after the
    /// token is revoked. The kernel keeps it with the mapping, never hands it to user space.</summary>
    public ulong Segment;
    public ulong Size;
    /// <summary>The kernel's page-list handle (<c>SetSegmentPages</c>); 0 until it sets one.</summary>
    public ulong Pages;
    public bool ReadOnly;
}
