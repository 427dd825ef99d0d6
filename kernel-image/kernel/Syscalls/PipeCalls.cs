using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// pipe(fds) and pipe2(fds, flags) (Linux fs/pipe.c): a new pipe (Files/PipeFile.cs), its
/// read end at the lowest free descriptor and its write end at the next, under RLIMIT_NOFILE.
/// pipe2 takes O_NONBLOCK (both ends) and O_CLOEXEC (both descriptors); any other flag is
/// EINVAL (O_DIRECT packet mode is not supported). A bad fds pointer is EFAULT and leaves no
/// descriptor behind, as on Linux.
/// </summary>
internal static unsafe class PipeCalls
{
    internal static long Pipe(Process* process, ulong fds, ulong flags)
    {
        const ulong Allowed = OpenFileDescription.NonBlocking | OpenFileDescription.CloseOnExec;
        if ((flags & ~Allowed) != 0) return -Errno.EINVAL;
        bool closeOnExec = (flags & OpenFileDescription.CloseOnExec) != 0;
        if (!PipeFile.Create((int)flags & OpenFileDescription.NonBlocking, out OpenFileDescription* readEnd, out OpenFileDescription* writeEnd))
            return -Errno.ENOMEM;

        ulong limit = ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.OpenFiles);
        long readFd = process->Descriptors.Install(readEnd, 0, limit, closeOnExec);
        if (readFd < 0)
        {
            OpenFileDescription.Release(readEnd);
            OpenFileDescription.Release(writeEnd);
            return readFd;
        }

        long writeFd = process->Descriptors.Install(writeEnd, 0, limit, closeOnExec);
        if (writeFd < 0)
        {
            process->Descriptors.Close(readFd);
            OpenFileDescription.Release(writeEnd);
            return writeFd;
        }

        int* pair = stackalloc int[2];
        pair[0] = (int)readFd;
        pair[1] = (int)writeFd;
        if (!UserMemory.CopyTo(process->Space, fds, new ReadOnlySpan<byte>(pair, 8)))
        {
            process->Descriptors.Close(readFd);
            process->Descriptors.Close(writeFd);
            return -Errno.EFAULT;
        }

        return 0;
    }
}
