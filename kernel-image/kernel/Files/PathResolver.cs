using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Files;

/// <summary>
/// Where a path given to a system call starts (Linux's path_init): an absolute path at "/";
/// a relative one at the process's working directory (dirfd AT_FDCWD) or at the directory
/// behind dirfd (EBADF when dirfd is not open, ENOTDIR when it is not a directory; neither is
/// looked at for an absolute path). The start's absolute path is put in front of the relative
/// path and the VFS walks the whole of it by Linux's rules: ".." goes up (and stays at "/"),
/// a non-directory met on the way is ENOTDIR. Paths longer than 4095 bytes after that are
/// ENAMETOOLONG. A directory is named by its path, not held by its inode, so a directory
/// renamed while it is a dirfd or the working directory is not followed (no tmpfs call
/// renames under an open directory in the tests; a later inode-based walk in the VFS fixes it).
/// </summary>
internal static unsafe class PathResolver
{
    /// <summary>dirfd meaning the working directory.</summary>
    internal const long AtFdcwd = -100;

    /// <summary>Bytes a path buffer holds: the longest path and its NUL.</summary>
    internal const int BufferSize = VfsLimits.MaxPathLength + 1;

    /// <summary>A path buffer from the heap (paths are too long for a 16 KiB kernel stack to
    /// hold several); null when the heap is out. Free with KernelMemory.Free.</summary>
    internal static byte* AllocateBuffer() => (byte*)KernelMemory.Allocate(BufferSize);

    /// <summary>Copies the user path at <paramref name="userPath"/> into
    /// <paramref name="buffer"/> (<see cref="BufferSize"/> bytes) as an absolute path, starting
    /// where <paramref name="directory"/> says. Its length, or -errno (EFAULT, ENAMETOOLONG,
    /// ENOENT for an empty path, EBADF, ENOTDIR); 0 for an empty path when
    /// <paramref name="emptyAllowed"/> (AT_EMPTY_PATH: the caller uses dirfd itself). A
    /// sandboxed process's path must then pass its view and promises for
    /// <paramref name="access"/> (Sandbox/FileView.cs: ENOENT, EACCES, EPERM).</summary>
    internal static long Resolve(Process* process, long directory, ulong userPath, byte* buffer, Sandbox.PathAccess access, bool emptyAllowed = false)
    {
        long length = UserMemory.CopyString(process->Space, userPath, new Span<byte>(buffer, BufferSize));
        if (length < 0) return length;
        if (length == 0) return emptyAllowed ? 0 : -Syscalls.Errno.ENOENT;
        if (buffer[0] != (byte)'/')
        {
            long error = StartOf(process, directory, out ReadOnlySpan<byte> start);
            if (error != 0) return error;
            // "/" + "a" is "/a"; "/tmp" + "a" is "/tmp/a".
            int prefix = start.Length == 1 ? 1 : start.Length + 1;
            if (prefix + length > VfsLimits.MaxPathLength) return -Syscalls.Errno.ENAMETOOLONG;
            new Span<byte>(buffer, (int)length).CopyTo(new Span<byte>(buffer + prefix, (int)length));
            start.CopyTo(new Span<byte>(buffer, start.Length));
            buffer[prefix - 1] = (byte)'/';
            length += prefix;
        }

        long denied = Sandbox.FileView.Check(process, new ReadOnlySpan<byte>(buffer, (int)length), access);
        return denied != 0 ? denied : length;
    }

    /// <summary>The absolute path relative paths start from: the working directory or dirfd's.</summary>
    internal static long StartOf(Process* process, long directory, out ReadOnlySpan<byte> start)
    {
        start = default;
        if (directory == AtFdcwd)
        {
            start = process->WorkingDirectory.Path;
            return 0;
        }

        // dirfd is an int: the upper half of the register is not part of it.
        OpenFileDescription* description = process->Descriptors.Get((int)directory);
        if (description == null) return -Syscalls.Errno.EBADF;
        return VfsFile.TryGetDirectoryPath(description, out start) ? 0 : -Syscalls.Errno.ENOTDIR;
    }

    /// <summary>The canonical form of an absolute path whose walk the VFS has accepted: no
    /// "." or "..", no repeated or trailing slash ("/" for the root). Its length; the output
    /// needs as many bytes as the input (at least 1).</summary>
    internal static int Normalize(ReadOnlySpan<byte> path, Span<byte> output)
    {
        int length = 0;
        int i = 0;
        while (i < path.Length)
        {
            while (i < path.Length && path[i] == (byte)'/') i++;
            int end = i;
            while (end < path.Length && path[end] != (byte)'/') end++;
            ReadOnlySpan<byte> name = path.Slice(i, end - i);
            i = end;
            if (name.Length == 0 || (name.Length == 1 && name[0] == (byte)'.')) continue;
            if (name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.')
            {
                while (length > 0 && output[length - 1] != (byte)'/') length--;
                if (length > 0) length--; // the slash before the last name
                continue;
            }

            output[length++] = (byte)'/';
            name.CopyTo(output.Slice(length));
            length += name.Length;
        }

        if (length == 0) output[length++] = (byte)'/';
        return length;
    }

    /// <summary>Linux's limit on symbolic links followed in one walk (MAXSYMLINKS).</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// The directory an absolute path the VFS has walked leads to, as its own path: every
    /// symbolic link replaced by its target and "." and ".." taken in order (realpath(3)).
    /// chdir and fchdir keep this, because Linux's working directory is the directory itself,
    /// not the way to it: getcwd and `pwd -P` show the real path and ".." is the real parent.
    /// Into <paramref name="output"/> (<see cref="BufferSize"/> bytes; <paramref name="scratch"/>
    /// and <paramref name="link"/> the same) its length, or -errno (ELOOP, ENAMETOOLONG, or the
    /// VFS's answer for a component). Takes the file-system lock.
    /// </summary>
    internal static long Canonicalize(ReadOnlySpan<byte> path, Span<byte> output, Span<byte> scratch, Span<byte> link)
    {
        if (path.Length > VfsLimits.MaxPathLength) return -Syscalls.Errno.ENAMETOOLONG;
        // scratch holds what is left to walk; output the real path walked so far ("" is "/").
        path.CopyTo(scratch);
        int rest = path.Length, restStart = 0, length = 0, links = 0;
        long result = 0;
        FileSystem.Lock();
        while (true)
        {
            while (restStart < rest && scratch[restStart] == (byte)'/') restStart++;
            if (restStart == rest) break;
            int end = restStart;
            while (end < rest && scratch[end] != (byte)'/') end++;
            ReadOnlySpan<byte> name = scratch.Slice(restStart, end - restStart);
            restStart = end;
            long step = StepInto(output, ref length, name, out int before);
            if (step > 0) continue; // "." or ".."
            if (step < 0)
            {
                result = step;
                break;
            }

            long target = FileSystem.Vfs.ReadLink(output.Slice(0, length), link);
            if (target == -(long)VfsError.InvalidArgument) continue; // not a link: a real name
            if (target < 0)
            {
                result = target;
                break;
            }

            if (++links > MaxLinks)
            {
                result = -Syscalls.Errno.ELOOP;
                break;
            }

            if (!SpliceLink(scratch, link, (int)target, ref rest, ref restStart, ref length, before))
            {
                result = -Syscalls.Errno.ENAMETOOLONG;
                break;
            }
        }

        FileSystem.Unlock();
        if (result < 0) return result;
        if (length == 0) output[length++] = (byte)'/';
        return length;
    }

    /// <summary>Copies a user path into <paramref name="buffer"/> (at least
    /// <see cref="BufferSize"/> bytes) as an absolute path, relative paths from
    /// the working directory; its length, or -errno. (execve's path: the view's x right.)</summary>
    internal static long CopyAbsolute(Process* process, ulong userPath, System.Span<byte> buffer)
    {
        if (buffer.Length < BufferSize) return -Syscalls.Errno.ENAMETOOLONG;
        fixed (byte* bytes = buffer) return Resolve(process, AtFdcwd, userPath, bytes, Sandbox.PathAccess.Execute);
    }

    /// <summary>One name of a walk applied to the canonical path so far (<paramref name="output"/>,
    /// <paramref name="length"/> bytes): "." changes nothing and ".." drops the last name (1:
    /// nothing more to do for it); any other name is appended (0, with <paramref name="before"/>
    /// the length without it), or -ENAMETOOLONG. Shared by the resolver and the sandbox's
    /// real-path walk.</summary>
    internal static long StepInto(Span<byte> output, ref int length, ReadOnlySpan<byte> name, out int before)
    {
        before = length;
        if (name.Length == 1 && name[0] == (byte)'.') return 1;
        if (name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.')
        {
            while (length > 0 && output[length - 1] != (byte)'/') length--;
            if (length > 0) length--;
            return 1;
        }

        if (length + 1 + name.Length > VfsLimits.MaxPathLength) return -Syscalls.Errno.ENAMETOOLONG;
        output[length++] = (byte)'/';
        name.CopyTo(output.Slice(length));
        length += name.Length;
        return 0;
    }

    /// <summary>A symbolic link met in a walk: its target, then what was left of the path,
    /// become the rest to walk (in <paramref name="scratch"/>), from the root when the target is
    /// absolute, else from the link's directory (<paramref name="before"/>, the output length
    /// before the link's name). False when the result would be longer than a path may be
    /// (ENAMETOOLONG). Shared by the resolver and the sandbox's real-path walk.</summary>
    internal static bool SpliceLink(Span<byte> scratch, ReadOnlySpan<byte> link, int target, ref int rest, ref int restStart, ref int length, int before)
    {
        int remaining = rest - restStart;
        if (target + 1 + remaining > VfsLimits.MaxPathLength) return false;
        scratch.Slice(restStart, remaining).CopyTo(scratch.Slice(target + 1));
        link.Slice(0, target).CopyTo(scratch);
        scratch[target] = (byte)'/';
        rest = target + 1 + remaining;
        restStart = 0;
        length = link[0] == (byte)'/' ? 0 : before;
        return true;
    }
}
