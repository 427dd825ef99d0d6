using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Files;

/// <summary>
/// Regular files and directories of the kernel's <c>Aurora.Vfs</c> tree as kinds of file. The
/// object is one VFS handle (descriptor 0 of a private <see cref="FileTable"/>); the offset is
/// the description's, and the VFS handle is moved to it under the VFS lock before each
/// operation, so descriptions shared by dup and fork share it. O_APPEND is the description's
/// too (F_SETFL can change it): the write goes to the end, under the same lock. Each also
/// keeps the absolute path it was opened by, normalized: /proc/PID/fd shows it, and for a
/// directory it is where relative paths given with it as dirfd start (<see cref="PathResolver"/>)
/// and what fchdir makes the working directory. A character-device node opens its device
/// (<see cref="Devices"/>) instead.
/// Data moves through a kernel bounce buffer, a chunk at a time.
/// </summary>
internal static unsafe class VfsFile
{
    private const int ChunkSize = 512;
    private const int Handle = 0;

    private struct Object
    {
        public FileTable Table;
        public byte* Path;
        public int PathLength;
    }

    private static FileOperations s_regular, s_directory;

    private static FileOperations* Regular
    {
        get
        {
            fixed (FileOperations* operations = &s_regular)
            {
                if (operations->Read == null)
                {
                    operations->Read = &Read;
                    operations->Write = &Write;
                    operations->Seek = &Seek;
                    operations->Stat = &Stat;
                    operations->Close = &Close;
                    operations->Name = &Name;
                }

                return operations;
            }
        }
    }

    private static FileOperations* Directory
    {
        get
        {
            fixed (FileOperations* operations = &s_directory)
            {
                if (operations->Read == null)
                {
                    operations->Read = &ReadDirectoryAsFile;
                    operations->Seek = &Seek;
                    operations->Stat = &Stat;
                    operations->ReadDirectory = &ReadDirectory;
                    operations->Close = &Close;
                    operations->Name = &Name;
                }

                return operations;
            }
        }
    }

    /// <summary>open(2) of an absolute path: a new description with one reference, or -errno.</summary>
    internal static long Open(ReadOnlySpan<byte> path, int flags, uint mode, out OpenFileDescription* description)
    {
        description = null;
        var file = (Object*)KernelMemory.Allocate((nuint)sizeof(Object));
        if (file == null) return -Syscalls.Errno.ENOMEM;
        *file = default;
        // O_APPEND stays with the description (F_SETFL may change it); the rest the VFS knows.
        const int Known = OpenFlags.AccessModeMask | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.Truncate | OpenFlags.Directory;
        FileSystem.Lock();
        long fd = FileSystem.Vfs.Open(ref file->Table, path, flags & Known, mode & 0xFFF);
        FileStatus status = default;
        if (fd >= 0) FileSystem.Vfs.FStat(ref file->Table, Handle, out status);
        FileSystem.Unlock();
        if (fd < 0)
        {
            KernelMemory.Free(file);
            return fd;
        }

        if ((status.Mode & FileMode.TypeMask) == FileMode.CharacterDevice)
        {
            // A device node is only a name: the device behind its number is what opens
            // (Linux's chrdev_open), wherever the node is.
            Close(file);
            return Devices.Open(status.SpecialDevice, flags, out description);
        }

        bool directory = FileMode.IsDirectory(status.Mode);
        file->Path = (byte*)KernelMemory.Allocate((nuint)path.Length + 1);
        if (file->Path != null) file->PathLength = PathResolver.Normalize(path, new Span<byte>(file->Path, path.Length + 1));
        description = file->Path == null ? null
            : OpenFileDescription.Create(directory ? Directory : Regular, file, flags | OpenFileDescription.LargeFile);
        if (description == null)
        {
            Close(file);
            return -Syscalls.Errno.ENOMEM;
        }

        return 0;
    }

    /// <summary>The absolute path of the directory behind <paramref name="description"/>;
    /// false when it is not a directory.</summary>
    internal static bool TryGetDirectoryPath(OpenFileDescription* description, out ReadOnlySpan<byte> path)
    {
        path = default;
        if (description->Operations != Directory) return false;
        var file = (Object*)description->Object;
        path = new ReadOnlySpan<byte>(file->Path, file->PathLength);
        return true;
    }

    /// <summary>What /proc/PID/fd shows: the path the file was opened by, without "." and "..".</summary>
    private static int Name(OpenFileDescription* description, Span<byte> name)
    {
        var file = (Object*)description->Object;
        int n = Math.Min(file->PathLength, name.Length);
        new ReadOnlySpan<byte>(file->Path, n).CopyTo(name);
        return n;
    }

    private static ref FileTable TableOf(OpenFileDescription* description) => ref ((Object*)description->Object)->Table;

    private static long Read(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: true)) return -Syscalls.Errno.EFAULT;
        byte* chunk = stackalloc byte[ChunkSize];
        ulong done = 0;
        long result = 0;
        ref FileTable table = ref TableOf(description);
        FileSystem.Lock();
        FileSystem.Vfs.Seek(ref table, Handle, description->Offset, SeekOrigin.Set);
        while (done < length)
        {
            int want = (int)Math.Min((ulong)ChunkSize, length - done);
            long got = FileSystem.Vfs.Read(ref table, Handle, new Span<byte>(chunk, want));
            if (got <= 0)
            {
                result = got;
                break;
            }

            UserMemory.CopyTo(process->Space, buffer + done, new ReadOnlySpan<byte>(chunk, (int)got));
            done += (ulong)got;
            description->Offset += got;
            if (got < want) break;
        }

        FileSystem.Unlock();
        return done > 0 ? (long)done : result;
    }

    private static long Write(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: false)) return -Syscalls.Errno.EFAULT;
        byte* chunk = stackalloc byte[ChunkSize];
        ulong done = 0;
        long result = 0;
        ref FileTable table = ref TableOf(description);
        FileSystem.Lock();
        if ((description->StatusFlags & OpenFileDescription.Append) != 0)
            description->Offset = FileSystem.Vfs.Seek(ref table, Handle, 0, SeekOrigin.End);
        else
            FileSystem.Vfs.Seek(ref table, Handle, description->Offset, SeekOrigin.Set);
        while (done < length)
        {
            int n = (int)Math.Min((ulong)ChunkSize, length - done);
            UserMemory.CopyFrom(process->Space, buffer + done, new Span<byte>(chunk, n));
            long written = FileSystem.Vfs.Write(ref table, Handle, new ReadOnlySpan<byte>(chunk, n));
            if (written < 0)
            {
                result = written;
                break;
            }

            done += (ulong)written;
            description->Offset += written;
            if (written < n) break;
        }

        FileSystem.Unlock();
        return done > 0 ? (long)done : result;
    }

    private static long Seek(OpenFileDescription* description, long offset, int whence)
    {
        ref FileTable table = ref TableOf(description);
        FileSystem.Lock();
        FileSystem.Vfs.Seek(ref table, Handle, description->Offset, SeekOrigin.Set);
        long result = FileSystem.Vfs.Seek(ref table, Handle, offset, whence);
        if (result >= 0) description->Offset = result;
        FileSystem.Unlock();
        return result;
    }

    private static long Stat(OpenFileDescription* description, FileStatus* status)
    {
        FileSystem.Lock();
        VfsError error = FileSystem.Vfs.FStat(ref TableOf(description), Handle, out *status);
        FileSystem.Unlock();
        return -(long)error;
    }

    private static long ReadDirectoryAsFile(OpenFileDescription* description, Process* process, ulong buffer, ulong length) =>
        -Syscalls.Errno.EISDIR;

    /// <summary>getdents64: as many linux_dirent64 records (d_ino, d_off, d_reclen, d_type,
    /// name + NUL, 8-byte aligned) as fit; d_off and the description's offset are the VFS's
    /// stable cursor past the entry (not its position), so names removed between calls never
    /// make the next call skip one that remains.</summary>
    private static long ReadDirectory(OpenFileDescription* description, Process* process, ulong buffer, ulong capacity)
    {
        if (!UserMemory.IsAccessible(process->Space, buffer, capacity, write: true)) return -Syscalls.Errno.EFAULT;
        byte* record = stackalloc byte[24 + VfsLimits.MaxNameLength + 8];
        ulong used = 0;
        ref FileTable table = ref TableOf(description);
        FileSystem.Lock();
        long index = description->Offset;
        while (true)
        {
            long nameLength = FileSystem.Vfs.ReadDirectory(ref table, Handle, index, new Span<byte>(record + 19, VfsLimits.MaxNameLength + 1), out DirectoryEntry entry);
            if (nameLength < 0)
            {
                index = nameLength;
                break;
            }

            if (nameLength == 0) break;
            ulong size = (ulong)(19 + nameLength + 1 + 7) & ~7UL;
            if (used + size > capacity)
            {
                if (used == 0) index = -Syscalls.Errno.EINVAL; // buffer too small for one entry
                break;
            }

            *(ulong*)record = entry.Inode;
            *(long*)(record + 8) = entry.Offset;
            *(ushort*)(record + 16) = (ushort)size;
            record[18] = entry.Type;
            for (ulong i = (ulong)(19 + nameLength); i < size; i++) record[i] = 0;
            UserMemory.CopyTo(process->Space, buffer + used, new ReadOnlySpan<byte>(record, (int)size));
            used += size;
            index = entry.Offset;
            description->Offset = index;
        }

        FileSystem.Unlock();
        return index < 0 && used == 0 ? index : (long)used;
    }

    private static void Close(void* obj)
    {
        var file = (Object*)obj;
        FileSystem.Lock();
        FileSystem.Vfs.Close(ref file->Table, Handle);
        FileSystem.Unlock();
        KernelMemory.Free(file->Path);
        KernelMemory.Free(file);
    }
}
