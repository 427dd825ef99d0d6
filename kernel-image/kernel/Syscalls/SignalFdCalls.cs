using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// signalfd (282) and signalfd4 (289) (Linux fs/signalfd.c), with Linux's checks in Linux's
/// order: a mask size other than 8 is EINVAL, the mask's copy EFAULT, flags other than
/// SFD_NONBLOCK and SFD_CLOEXEC EINVAL. fd -1 makes a new signalfd (Files/SignalFile.cs) at
/// the lowest free descriptor; otherwise fd must be a signalfd (EBADF, EINVAL), whose mask is
/// replaced, and fd is the answer. signalfd is signalfd4 with no flags.
/// </summary>
internal static unsafe class SignalFdCalls
{
    internal static long Create(Process* process, int descriptor, ulong maskAddress, ulong maskSize, ulong flags)
    {
        if (maskSize != 8) return -Errno.EINVAL;
        ulong mask;
        if (!UserMemory.CopyFrom(process->Space, maskAddress, new Span<byte>(&mask, 8))) return -Errno.EFAULT;
        if ((flags & ~(ulong)(SignalFile.NonBlocking | SignalFile.CloseOnExec)) != 0) return -Errno.EINVAL;
        if (descriptor != -1)
        {
            OpenFileDescription* existing = process->Descriptors.Get(descriptor);
            if (existing == null) return -Errno.EBADF;
            if (!SignalFile.Is(existing)) return -Errno.EINVAL;
            SignalFile.SetMask(existing, mask);
            return descriptor;
        }

        ulong limit = ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.OpenFiles);
        long free = process->Descriptors.LowestFree(0, limit);
        if (free < 0) return free;
        OpenFileDescription* description = SignalFile.Create(mask, (int)flags);
        if (description == null) return -Errno.ENOMEM;
        long fd = process->Descriptors.Install(description, 0, limit, (flags & SignalFile.CloseOnExec) != 0);
        if (fd < 0) OpenFileDescription.Release(description);
        return fd;
    }
}
