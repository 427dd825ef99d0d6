namespace Aurora.Kernel.Hal;

// x86-64's layouts of the structures hal/Hal.cs's UserAbi names
// (asm-generic/fcntl.h's open flags, arch/x86/include/uapi/asm/stat.h, eventpoll.h's EPOLL_PACKED, asm/sembuf.h).

internal static unsafe partial class UserAbi
{
    /// <summary>None: x86-64's C libraries always give a restorer (SA_RESTORER).</summary>
    internal static partial System.ReadOnlySpan<byte> SignalTrampoline() => default;

    // The kernel numbers open's flags as x86-64 does.
    internal static partial ulong OpenFlagsFromUser(ulong flags) => flags;

    internal static partial int OpenFlagsToUser(int flags) => flags;

    // struct stat is 144 bytes, with st_nlink as a 64-bit word before st_mode: the layout
    // Aurora.Vfs.FileStatus has, so it is copied as it is.
    internal static partial int FileStatusSize() => sizeof(Aurora.Vfs.FileStatus);

    internal static partial void WriteFileStatus(in Aurora.Vfs.FileStatus status, byte* into) =>
        *(Aurora.Vfs.FileStatus*)into = status;

    // struct epoll_event is packed on x86-64 (__attribute__((packed)), for 32-bit compatibility).
    internal static partial int EpollEventSize() => 12;

    // semid64_ds keeps an unused word after sem_otime and after sem_ctime (x32's time halves).
    internal static partial void SemaphoreStatusLayout(out int changeTime, out int count, out int size)
    {
        changeTime = 64;
        count = 80;
        size = 104;
    }
}
