using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// eventfd (284) and eventfd2 (290) (Linux fs/eventfd.c do_eventfd): a new eventfd
/// (Files/EventCounterFile.cs) at the lowest free descriptor under RLIMIT_NOFILE. eventfd2 takes
/// EFD_SEMAPHORE, EFD_NONBLOCK and EFD_CLOEXEC; any other flag is EINVAL. eventfd is eventfd2
/// with no flags.
/// </summary>
internal static unsafe class EventFdCalls
{
    internal static long Create(Process* process, uint initial, ulong flags)
    {
        const ulong Allowed = EventCounterFile.Semaphore | EventCounterFile.NonBlocking | EventCounterFile.CloseOnExec;
        if ((flags & ~Allowed) != 0) return -Errno.EINVAL;
        ulong limit = ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.OpenFiles);
        long free = process->Descriptors.LowestFree(0, limit);
        if (free < 0) return free;
        OpenFileDescription* description = EventCounterFile.Create(initial, (int)flags);
        if (description == null) return -Errno.ENOMEM;
        long fd = process->Descriptors.Install(description, 0, limit, (flags & EventCounterFile.CloseOnExec) != 0);
        if (fd < 0) OpenFileDescription.Release(description);
        return fd;
    }
}
