using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Extended attributes (getxattr, listxattr, setxattr, removexattr and their l* and f* forms;
/// Linux fs/xattr.c). Aurora's file systems keep none: a node has no attributes to get, list
/// or remove, and none can be set. What programs see is what a Linux file system without
/// them answers — Debian's ls -l asks every file for its ACL (system.posix_acl_access) and
/// sed -i and tar copy them — with Linux's checks first: the path or descriptor (ENOENT,
/// EBADF, ...), then the name (EFAULT; empty or 256 bytes and more ERANGE; a name outside the
/// user., trusted., security. and system. name spaces EOPNOTSUPP), then ENODATA for a get or a
/// remove, EOPNOTSUPP for a set, an empty list.
/// </summary>
internal static unsafe class ExtendedAttributeCalls
{
    private const int NameCapacity = 256; // XATTR_NAME_MAX + 1
    private const ulong XattrCreate = 1, XattrReplace = 2;
    private const ulong SizeMax = 65536; // XATTR_SIZE_MAX

    internal static long Get(Process* process, ulong userPath, ulong name, bool follow) =>
        OnPath(process, userPath, follow, name, Operation.Get, 0, 0);

    internal static long FGet(Process* process, ulong descriptor, ulong name) =>
        OnDescriptor(process, descriptor, name, Operation.Get, 0, 0);

    internal static long List(Process* process, ulong userPath, bool follow) =>
        OnPath(process, userPath, follow, 0, Operation.List, 0, 0);

    internal static long FList(Process* process, ulong descriptor) =>
        OnDescriptor(process, descriptor, 0, Operation.List, 0, 0);

    internal static long Set(Process* process, ulong userPath, ulong name, ulong size, ulong flags, bool follow) =>
        OnPath(process, userPath, follow, name, Operation.Set, size, flags);

    internal static long FSet(Process* process, ulong descriptor, ulong name, ulong size, ulong flags) =>
        OnDescriptor(process, descriptor, name, Operation.Set, size, flags);

    internal static long Remove(Process* process, ulong userPath, ulong name, bool follow) =>
        OnPath(process, userPath, follow, name, Operation.Remove, 0, 0);

    internal static long FRemove(Process* process, ulong descriptor, ulong name) =>
        OnDescriptor(process, descriptor, name, Operation.Remove, 0, 0);

    private enum Operation { Get, List, Set, Remove }

    private static long OnPath(Process* process, ulong userPath, bool follow, ulong name, Operation operation, ulong size, ulong flags)
    {
        NodeTarget target = default;
        // A sandbox judges reading attributes as a look and changing them as fattr (Sandbox/).
        Sandbox.PathAccess access = operation is Operation.Set or Operation.Remove ? Sandbox.PathAccess.Attributes : Sandbox.PathAccess.Look;
        if (!follow) access |= Sandbox.PathAccess.NoFollow;
        long result = target.Resolve(process, PathResolver.AtFdcwd, userPath, access, emptyAllowed: false);
        if (result == 0)
        {
            FileSystem.Lock();
            result = target.Open(follow, out NodeHandle handle);
            if (result == 0) FileSystem.Vfs.Release(ref handle);
            FileSystem.Unlock();
        }

        target.Dispose();
        return result != 0 ? result : Answer(process, name, operation, size, flags);
    }

    private static long OnDescriptor(Process* process, ulong descriptor, ulong name, Operation operation, ulong size, ulong flags)
    {
        // fd is an int: the upper half of the register is not part of it.
        if (process->Descriptors.Get((int)descriptor) == null) return -Errno.EBADF;
        return Answer(process, name, operation, size, flags);
    }

    private static long Answer(Process* process, ulong name, Operation operation, ulong size, ulong flags)
    {
        if (operation == Operation.List) return 0;
        if (operation == Operation.Set && (flags & ~(XattrCreate | XattrReplace)) != 0) return -Errno.EINVAL;
        byte* buffer = stackalloc byte[NameCapacity];
        long length = UserMemory.CopyString(process->Space, name, new Span<byte>(buffer, NameCapacity));
        if (length == -Errno.ENAMETOOLONG || length == 0) return -Errno.ERANGE;
        if (length < 0) return length;
        if (operation == Operation.Set && size > SizeMax) return -Errno.E2BIG;
        var text = new ReadOnlySpan<byte>(buffer, (int)length);
        bool known = Begins(text, "user."u8) || Begins(text, "trusted."u8) || Begins(text, "security."u8) || Begins(text, "system."u8);
        if (!known || operation == Operation.Set) return -Errno.EOPNOTSUPP;
        return -Errno.ENODATA;
    }

    private static bool Begins(ReadOnlySpan<byte> text, ReadOnlySpan<byte> prefix)
    {
        if (text.Length < prefix.Length) return false;
        for (int i = 0; i < prefix.Length; i++)
        {
            if (text[i] != prefix[i]) return false;
        }

        return true;
    }
}
