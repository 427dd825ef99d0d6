using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Files (SPEC FS-1): open/openat, close, read, write, lseek, stat/lstat/fstat/newfstatat,
/// mkdir, rmdir, unlink, rename, getdents64, served by the kernel's VFS. Descriptors 0-2 are
/// the console; descriptor n ≥ 3 is entry n - 3 of the process's VFS file table. Paths are
/// copied out of user memory first (at most 4095 bytes); a relative path is taken from "/"
/// (there is no working directory yet). Data moves through a kernel bounce buffer, one chunk
/// at a time, so no user pointer is ever dereferenced.
/// </summary>
internal static unsafe class FileCalls
{
    internal const int ConsoleDescriptors = 3;
    private const long AtFdcwd = -100;
    private const ulong AtEmptyPath = 0x1000, AtSymlinkNofollow = 0x100;
    private const int ChunkSize = 512;

    private static int VfsDescriptor(ulong descriptor) =>
        descriptor >= ConsoleDescriptors && descriptor < ConsoleDescriptors + VfsLimits.MaxOpenFiles ? (int)descriptor - ConsoleDescriptors : -1;

    /// <summary>Copies a user path into <paramref name="buffer"/> as an absolute path; its
    /// length, or -errno.</summary>
    internal static long CopyPath(Process* process, ulong userPath, Span<byte> buffer)
    {
        buffer[0] = (byte)'/';
        long length = UserMemory.CopyString(process->Space, userPath, buffer.Slice(1));
        if (length < 0) return length;
        if (length == 0) return -Errno.ENOENT;
        if (buffer[1] == (byte)'/')
        {
            buffer.Slice(1, (int)length).CopyTo(buffer);
            return length;
        }

        return length + 1;
    }

    internal static long Open(Process* process, ulong userPath, ulong flags, ulong mode) =>
        OpenAt(process, AtFdcwd, userPath, flags, mode);

    internal static long OpenAt(Process* process, long directory, ulong userPath, ulong flags, ulong mode)
    {
        byte* path = stackalloc byte[VfsLimits.MaxPathLength + 2];
        long length = CopyPath(process, userPath, new Span<byte>(path, VfsLimits.MaxPathLength + 2));
        if (length < 0) return length;
        if (directory != AtFdcwd && path[0] != (byte)'/') return -Errno.EBADF;
        // O_CLOEXEC, O_NOCTTY, O_NONBLOCK, O_LARGEFILE and the like change nothing here.
        const int Known = OpenFlags.AccessModeMask | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.Truncate |
            OpenFlags.Append | OpenFlags.Directory;
        FileSystem.Lock();
        long fd = FileSystem.Vfs.Open(ref process->Files, new ReadOnlySpan<byte>(path, (int)length), (int)flags & Known, (uint)mode & 0xFFF);
        FileSystem.Unlock();
        return fd < 0 ? fd : fd + ConsoleDescriptors;
    }

    internal static long Close(Process* process, ulong descriptor)
    {
        if (SocketCalls.IsSocket(descriptor)) return SocketCalls.Close(process, descriptor);
        if (descriptor < ConsoleDescriptors) return 0; // the console stays available
        int fd = VfsDescriptor(descriptor);
        if (fd < 0) return -Errno.EBADF;
        FileSystem.Lock();
        VfsError error = FileSystem.Vfs.Close(ref process->Files, fd);
        FileSystem.Unlock();
        return -(long)error;
    }

    internal static long Read(Process* process, ulong descriptor, ulong buffer, ulong length)
    {
        if (SocketCalls.IsSocket(descriptor)) return SocketCalls.Receive(process, descriptor, buffer, length, 0, 0);
        if (descriptor == 0) return ReadConsole(process, buffer, length);
        int fd = VfsDescriptor(descriptor);
        if (fd < 0) return -Errno.EBADF;
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: true)) return -Errno.EFAULT;
        byte* chunk = stackalloc byte[ChunkSize];
        ulong done = 0;
        FileSystem.Lock();
        while (done < length)
        {
            int want = (int)Math.Min((ulong)ChunkSize, length - done);
            long got = FileSystem.Vfs.Read(ref process->Files, fd, new Span<byte>(chunk, want));
            if (got <= 0)
            {
                FileSystem.Unlock();
                return done > 0 ? (long)done : got;
            }

            UserMemory.CopyTo(process->Space, buffer + done, new ReadOnlySpan<byte>(chunk, (int)got));
            done += (ulong)got;
            if (got < want) break;
        }

        FileSystem.Unlock();
        return (long)done;
    }

    /// <summary>read(0): a line typed on the serial console (Console/ConsoleInput.cs); sleeps
    /// until one is complete (the UART interrupt wakes it); a signal ends the wait with
    /// ERESTARTSYS (EINTR, or restarted under SA_RESTART, as a Linux tty read).</summary>
    private static long ReadConsole(Process* process, ulong buffer, ulong length)
    {
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: true)) return -Errno.EFAULT;
        byte* chunk = stackalloc byte[ChunkSize];
        while (true)
        {
            Kernel.Console.ConsoleInput.PrepareReader();
            int n = Kernel.Console.ConsoleInput.TryRead(new Span<byte>(chunk, (int)Math.Min(length, (ulong)ChunkSize)));
            if (n >= 0 || Process.HasDeliverableSignal(process))
            {
                Kernel.Console.ConsoleInput.CancelReader();
                if (n < 0) return -Errno.ERESTARTSYS;
                UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(chunk, n));
                return n;
            }

            Kernel.Console.ConsoleInput.SleepReader();
        }
    }

    internal static long Write(Process* process, ulong descriptor, ulong buffer, ulong length)
    {
        if (SocketCalls.IsSocket(descriptor)) return SocketCalls.Send(process, descriptor, buffer, length, 0, 0);
        if (descriptor < ConsoleDescriptors) return OutputCalls.WriteConsole(process, descriptor, buffer, length);
        int fd = VfsDescriptor(descriptor);
        if (fd < 0) return -Errno.EBADF;
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: false)) return -Errno.EFAULT;
        byte* chunk = stackalloc byte[ChunkSize];
        ulong done = 0;
        FileSystem.Lock();
        while (done < length)
        {
            int n = (int)Math.Min((ulong)ChunkSize, length - done);
            UserMemory.CopyFrom(process->Space, buffer + done, new Span<byte>(chunk, n));
            long written = FileSystem.Vfs.Write(ref process->Files, fd, new ReadOnlySpan<byte>(chunk, n));
            if (written < 0)
            {
                FileSystem.Unlock();
                return done > 0 ? (long)done : written;
            }

            done += (ulong)written;
            if (written < n) break;
        }

        FileSystem.Unlock();
        return (long)done;
    }

    internal static long Seek(Process* process, ulong descriptor, ulong offset, ulong whence)
    {
        if (descriptor < ConsoleDescriptors) return -Errno.ESPIPE;
        int fd = VfsDescriptor(descriptor);
        if (fd < 0) return -Errno.EBADF;
        FileSystem.Lock();
        long result = FileSystem.Vfs.Seek(ref process->Files, fd, (long)offset, (int)whence);
        FileSystem.Unlock();
        return result;
    }

    internal static long Stat(Process* process, ulong userPath, ulong statBuffer)
    {
        byte* path = stackalloc byte[VfsLimits.MaxPathLength + 2];
        long length = CopyPath(process, userPath, new Span<byte>(path, VfsLimits.MaxPathLength + 2));
        if (length < 0) return length;
        FileSystem.Lock();
        VfsError error = FileSystem.Vfs.Stat(new ReadOnlySpan<byte>(path, (int)length), out FileStatus status);
        FileSystem.Unlock();
        return error != VfsError.None ? -(long)error : StoreStatus(process, statBuffer, status);
    }

    internal static long FStat(Process* process, ulong descriptor, ulong statBuffer)
    {
        FileStatus status = default;
        if (descriptor < ConsoleDescriptors)
        {
            status.Mode = 0x2000 | 0x190; // S_IFCHR, rw--w----: a character device, like a tty
            status.BlockSize = 4096;
            return StoreStatus(process, statBuffer, status);
        }

        int fd = VfsDescriptor(descriptor);
        if (fd < 0) return -Errno.EBADF;
        FileSystem.Lock();
        VfsError error = FileSystem.Vfs.FStat(ref process->Files, fd, out status);
        FileSystem.Unlock();
        return error != VfsError.None ? -(long)error : StoreStatus(process, statBuffer, status);
    }

    /// <summary>newfstatat(dirfd, path, buf, flags): what musl's stat, lstat and fstat use.</summary>
    internal static long StatAt(Process* process, long directory, ulong userPath, ulong statBuffer, ulong flags)
    {
        if ((flags & ~(AtEmptyPath | AtSymlinkNofollow)) != 0) return -Errno.EINVAL;
        if ((flags & AtEmptyPath) != 0)
        {
            byte first;
            if (!UserMemory.CopyFrom(process->Space, userPath, new Span<byte>(&first, 1))) return -Errno.EFAULT;
            if (first == 0) return FStat(process, (ulong)directory, statBuffer);
        }

        return Stat(process, userPath, statBuffer); // no symbolic links in tmpfs: lstat = stat
    }

    private static long StoreStatus(Process* process, ulong statBuffer, in FileStatus status)
    {
        fixed (FileStatus* s = &status)
            return UserMemory.CopyTo(process->Space, statBuffer, new ReadOnlySpan<byte>(s, sizeof(FileStatus))) ? 0 : -Errno.EFAULT;
    }

    internal static long Mkdir(Process* process, ulong userPath, ulong mode) => PathCall(process, userPath, 0, mode, PathOperation.Mkdir);

    internal static long Rmdir(Process* process, ulong userPath) => PathCall(process, userPath, 0, 0, PathOperation.Rmdir);

    internal static long Unlink(Process* process, ulong userPath) => PathCall(process, userPath, 0, 0, PathOperation.Unlink);

    internal static long Rename(Process* process, ulong oldPath, ulong newPath) => PathCall(process, oldPath, newPath, 0, PathOperation.Rename);

    private enum PathOperation { Mkdir, Rmdir, Unlink, Rename }

    private static long PathCall(Process* process, ulong userPath, ulong secondPath, ulong mode, PathOperation operation)
    {
        byte* path = stackalloc byte[VfsLimits.MaxPathLength + 2];
        long length = CopyPath(process, userPath, new Span<byte>(path, VfsLimits.MaxPathLength + 2));
        if (length < 0) return length;
        var first = new ReadOnlySpan<byte>(path, (int)length);
        byte* other = stackalloc byte[operation == PathOperation.Rename ? VfsLimits.MaxPathLength + 2 : 1];
        ReadOnlySpan<byte> second = default;
        if (operation == PathOperation.Rename)
        {
            long otherLength = CopyPath(process, secondPath, new Span<byte>(other, VfsLimits.MaxPathLength + 2));
            if (otherLength < 0) return otherLength;
            second = new ReadOnlySpan<byte>(other, (int)otherLength);
        }

        FileSystem.Lock();
        VfsError error = operation switch
        {
            PathOperation.Mkdir => FileSystem.Vfs.Mkdir(first, (uint)mode & 0xFFF),
            PathOperation.Rmdir => FileSystem.Vfs.Rmdir(first),
            PathOperation.Unlink => FileSystem.Vfs.Unlink(first),
            _ => FileSystem.Vfs.Rename(first, second),
        };
        FileSystem.Unlock();
        return -(long)error;
    }

    /// <summary>getdents64: as many linux_dirent64 records (d_ino, d_off, d_reclen, d_type,
    /// name + NUL, 8-byte aligned) as fit; the descriptor's offset is the next entry's index.</summary>
    internal static long GetDirectoryEntries(Process* process, ulong descriptor, ulong buffer, ulong capacity)
    {
        int fd = VfsDescriptor(descriptor);
        if (fd < 0) return -Errno.EBADF;
        if (!UserMemory.IsAccessible(process->Space, buffer, capacity, write: true)) return -Errno.EFAULT;
        byte* record = stackalloc byte[24 + VfsLimits.MaxNameLength + 8];
        ulong used = 0;
        FileSystem.Lock();
        long index = FileSystem.Vfs.Seek(ref process->Files, fd, 0, SeekOrigin.Current);
        while (index >= 0)
        {
            long nameLength = FileSystem.Vfs.ReadDirectory(ref process->Files, fd, index, new Span<byte>(record + 19, VfsLimits.MaxNameLength + 1), out DirectoryEntry entry);
            if (nameLength < 0)
            {
                index = nameLength;
                break;
            }

            if (nameLength == 0) break;
            ulong size = (ulong)(19 + nameLength + 1 + 7) & ~7UL;
            if (used + size > capacity)
            {
                if (used == 0) index = -Errno.EINVAL; // buffer too small for one entry
                break;
            }

            *(ulong*)record = entry.Inode;
            *(long*)(record + 8) = index + 1;
            *(ushort*)(record + 16) = (ushort)size;
            record[18] = entry.Type;
            for (ulong i = (ulong)(19 + nameLength); i < size; i++) record[i] = 0;
            UserMemory.CopyTo(process->Space, buffer + used, new ReadOnlySpan<byte>(record, (int)size));
            used += size;
            index++;
            FileSystem.Vfs.Seek(ref process->Files, fd, index, SeekOrigin.Set);
        }

        FileSystem.Unlock();
        return index < 0 && used == 0 ? index : (long)used;
    }
}
