using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Modules;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Loadable modules from user space (Linux kernel/module/main.c): init_module takes the module
/// image from memory, finit_module from an open file, delete_module removes one by name. Only
/// a privileged caller (euid 0, Linux's CAP_SYS_MODULE) may use them; everything else
/// (signature, format, init) is ModuleLoader's. Module parameters are read (EFAULT) and ignored.
/// </summary>
internal static unsafe class ModuleCalls
{
    private const int ParametersCapacity = 1024;
    private const ulong MaxModuleBytes = 32UL << 20;
    // finit_module flags Linux knows (MODULE_INIT_IGNORE_MODVERSIONS, _IGNORE_VERMAGIC, _COMPRESSED_FILE).
    private const ulong KnownFinitFlags = 1 | 2 | 4;
    private const ulong CompressedFile = 4;

    /// <summary>init_module(image, length, parameters).</summary>
    internal static long InitModule(Process* process, ulong image, ulong length, ulong parameters)
    {
        if (!process->Credentials.Privileged) return -Errno.EPERM;
        if (length > MaxModuleBytes) return -Errno.EFBIG;
        long checkedParameters = ReadParameters(process, parameters);
        if (checkedParameters < 0) return checkedParameters;
        byte* copy = (byte*)KernelMemory.Allocate((nuint)Math.Max(length, 1UL));
        if (copy == null) return -Errno.ENOMEM;
        long result = UserMemory.CopyFrom(process->Space, image, new Span<byte>(copy, (int)length))
            ? ModuleLoader.Load(new ReadOnlySpan<byte>(copy, (int)length))
            : -Errno.EFAULT;
        KernelMemory.Free(copy);
        return result;
    }

    /// <summary>finit_module(fd, parameters, flags): EBADF for a descriptor not open for
    /// reading, EINVAL for unknown flags or a file that is not regular, EOPNOTSUPP for a
    /// compressed module (no decompressor here).</summary>
    internal static long FinitModule(Process* process, ulong descriptor, ulong parameters, ulong flags)
    {
        if (!process->Credentials.Privileged) return -Errno.EPERM;
        if ((flags & ~KnownFinitFlags) != 0) return -Errno.EINVAL;
        long checkedParameters = ReadParameters(process, parameters);
        if (checkedParameters < 0) return checkedParameters;
        OpenFileDescription* file = process->Descriptors.Get((uint)descriptor);
        if (file == null || !file->CanRead) return -Errno.EBADF;
        if ((flags & CompressedFile) != 0) return -Errno.EOPNOTSUPP;
        FileStatus status = default;
        if (file->Operations->Stat == null || file->Operations->Stat(file, &status) < 0 || !FileMode.IsRegular(status.Mode))
            return -Errno.EINVAL;
        if ((ulong)status.Size > MaxModuleBytes) return -Errno.EFBIG;
        int size = (int)status.Size;
        byte* copy = (byte*)KernelMemory.Allocate((nuint)Math.Max(size, 1));
        if (copy == null) return -Errno.ENOMEM;
        int done = 0;
        long result = 0;
        while (done < size)
        {
            long got = VfsFile.ReadKernel(file, done, new Span<byte>(copy + done, size - done));
            if (got < 0) result = got;
            if (got <= 0) break;
            done += (int)got;
        }

        if (result == 0) result = ModuleLoader.Load(new ReadOnlySpan<byte>(copy, done));
        KernelMemory.Free(copy);
        return result;
    }

    /// <summary>delete_module(name, flags): ENOENT for no such module, EWOULDBLOCK (EAGAIN)
    /// while a device of it is open, EFAULT. The flags (O_NONBLOCK, O_TRUNC) change nothing:
    /// removal never waits and is never forced.</summary>
    internal static long DeleteModule(Process* process, ulong name, ulong flags)
    {
        if (!process->Credentials.Privileged) return -Errno.EPERM;
        byte* text = stackalloc byte[ModuleLoader.NameCapacity];
        long length = UserMemory.CopyString(process->Space, name, new Span<byte>(text, ModuleLoader.NameCapacity));
        if (length == -Errno.ENAMETOOLONG) return -Errno.ENOENT; // Linux cuts at MODULE_NAME_LEN: no module has such a name
        if (length < 0) return length;
        return ModuleLoader.Unload(new ReadOnlySpan<byte>(text, (int)length));
    }

    private static long ReadParameters(Process* process, ulong parameters)
    {
        byte* text = stackalloc byte[ParametersCapacity];
        long length = UserMemory.CopyString(process->Space, parameters, new Span<byte>(text, ParametersCapacity));
        return length == -Errno.ENAMETOOLONG ? 0 : length;
    }
}
