namespace Aurora.Kernel.Hal;

// arm64's open flags and layouts of the structures hal/Hal.cs's UserAbi names: asm-generic's
// (include/uapi/asm-generic/stat.h, eventpoll.h without EPOLL_PACKED, asm-generic/sembuf.h
// for 64-bit longs).

internal static unsafe partial class UserAbi
{
    /// <summary>Linux arm64's sigreturn trampoline (its vDSO's __kernel_rt_sigreturn,
    /// arch/arm64/kernel/vdso/sigreturn.S): `mov x8, #139` (__NR_rt_sigreturn), `svc #0`.
    /// glibc on arm64 gives no SA_RESTORER (Debian's busybox: every shell pipeline's SIGCHLD
    /// handler had no way back and the shell died of SIGSEGV); the kernel points x30 here.</summary>
    internal static partial System.ReadOnlySpan<byte> SignalTrampoline() => new byte[] { 0x68, 0x11, 0x80, 0xD2, 0x01, 0x00, 0x00, 0xD4 };

    // arch/arm64/include/uapi/asm/fcntl.h: O_DIRECTORY 040000, O_NOFOLLOW 0100000, O_DIRECT
    // 0200000, O_LARGEFILE 0400000, where asm-generic (x86-64, the kernel's numbering) has
    // 0200000, 0400000, 040000 and 0100000. musl adds O_LARGEFILE to every open: untranslated,
    // it would read as O_NOFOLLOW.
    private const ulong ArmDirectory = 0x4000, ArmNoFollow = 0x8000, ArmDirect = 0x10000, ArmLargeFile = 0x20000;
    private const ulong Directory = 0x10000, NoFollow = 0x20000, Direct = 0x4000, LargeFile = 0x8000;
    private const ulong Swapped = ArmDirectory | ArmNoFollow | ArmDirect | ArmLargeFile;

    internal static partial ulong OpenFlagsFromUser(ulong flags) =>
        (flags & ~Swapped) | ((flags & ArmDirectory) != 0 ? Directory : 0) | ((flags & ArmNoFollow) != 0 ? NoFollow : 0) |
        ((flags & ArmDirect) != 0 ? Direct : 0) | ((flags & ArmLargeFile) != 0 ? LargeFile : 0);

    internal static partial int OpenFlagsToUser(int flags)
    {
        ulong f = (uint)flags;
        return (int)((f & ~Swapped) | ((f & Directory) != 0 ? ArmDirectory : 0) | ((f & NoFollow) != 0 ? ArmNoFollow : 0) |
            ((f & Direct) != 0 ? ArmDirect : 0) | ((f & LargeFile) != 0 ? ArmLargeFile : 0));
    }

    // asm-generic's struct stat: 128 bytes, st_mode and a 32-bit st_nlink where x86-64 has a
    // 64-bit st_nlink, and a pad after st_rdev; from st_size (48) on the two agree (st_blksize
    // is an int followed by a pad, which the little-endian 64-bit value fills the same way).
    internal static partial int FileStatusSize() => 128;

    internal static partial void WriteFileStatus(in Aurora.Vfs.FileStatus status, byte* into)
    {
        for (int i = 0; i < 128; i++) into[i] = 0;
        *(ulong*)into = status.Device;
        *(ulong*)(into + 8) = status.Inode;
        *(uint*)(into + 16) = status.Mode;
        *(uint*)(into + 20) = (uint)status.LinkCount;
        *(uint*)(into + 24) = status.UserId;
        *(uint*)(into + 28) = status.GroupId;
        *(ulong*)(into + 32) = status.SpecialDevice;
        *(long*)(into + 48) = status.Size;
        *(int*)(into + 56) = (int)status.BlockSize;
        *(long*)(into + 64) = status.Blocks;
        *(long*)(into + 72) = status.AccessTimeSeconds;
        *(long*)(into + 80) = status.AccessTimeNanoseconds;
        *(long*)(into + 88) = status.ModifyTimeSeconds;
        *(long*)(into + 96) = status.ModifyTimeNanoseconds;
        *(long*)(into + 104) = status.ChangeTimeSeconds;
        *(long*)(into + 112) = status.ChangeTimeNanoseconds;
    }

    // Not packed: the data is 64-bit aligned after a pad word.
    internal static partial int EpollEventSize() => 16;

    // semid64_ds without x86-64's unused words: sem_otime, sem_ctime, sem_nsems, two unused.
    internal static partial void SemaphoreStatusLayout(out int changeTime, out int count, out int size)
    {
        changeTime = 56;
        count = 64;
        size = 88;
    }
}
