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
    // Each chunk takes the file-system lock and a page-table walk: 2 KiB keeps a 4 KiB read to
    // two rounds (issue 17) and stays a small part of the 16 KiB kernel stack.
    private const int ChunkSize = 2048;
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
                    operations->Write = &Write;
                    operations->ReadAt = &ReadAt;
                    operations->WriteAt = &WriteAt;
                    operations->SpliceWrite = &SpliceWrite;
                    operations->Seek = &Seek;
                    operations->Stat = &Stat;
                    operations->Map = &Map;
                    operations->Close = &Close;
                    operations->Name = &Name;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Read = &Read;
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
                    operations->ReadAt = &ReadDirectoryAtAsFile;
                    operations->Seek = &Seek;
                    operations->Stat = &Stat;
                    operations->ReadDirectory = &ReadDirectory;
                    operations->Close = &Close;
                    operations->Name = &Name;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Read = &ReadDirectoryAsFile;
                }

                return operations;
            }
        }
    }

    /// <summary>open(2) of an absolute path: a new description with one reference, or -errno.
    /// A FIFO opens as an end of its pipe (<see cref="PipeFile.OpenFifo"/>), which may wait for
    /// the other side.</summary>
    internal static long Open(ReadOnlySpan<byte> path, int flags, uint mode, out OpenFileDescription* description)
    {
        description = null;
        var file = (Object*)KernelMemory.Allocate((nuint)sizeof(Object));
        if (file == null) return -Syscalls.Errno.ENOMEM;
        *file = default;
        // O_APPEND stays with the description (F_SETFL may change it); the rest the VFS knows.
        const int Known = OpenFlags.AccessModeMask | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.Truncate | OpenFlags.Directory |
            OpenFlags.NoFollow;
        FileSystem.Lock();
        long fd = FileSystem.Vfs.Open(ref file->Table, path, flags & Known, mode & 0xFFF);
        FileStatus status = default;
        if (fd >= 0) FileSystem.Vfs.FStat(ref file->Table, Handle, out status);
        ulong descriptorLink = fd == -Syscalls.Errno.ENOENT && (flags & OpenFlags.NoFollow) == 0 ? DescriptorLinkAt(path) : 0;
        FileSystem.Unlock();
        if (fd < 0)
        {
            KernelMemory.Free(file);
            if (descriptorLink != 0)
            {
                long reopened = FileSystems.ProcFiles.Reopen(descriptorLink, flags, out description);
                if (reopened != -Syscalls.Errno.ENOENT) return reopened;
            }

            return fd;
        }

        uint type = status.Mode & FileMode.TypeMask;
        if (type == FileMode.CharacterDevice)
        {
            // A device node is only a name: the device behind its number is what opens
            // (Linux's chrdev_open), wherever the node is.
            Close(file);
            return Devices.Open(status.SpecialDevice, flags, out description);
        }

        if (type == FileMode.BlockDevice || type == FileMode.Socket)
        {
            // No block devices yet; a socket node opens nothing (Linux: ENXIO for both here).
            Close(file);
            return -Syscalls.Errno.ENXIO;
        }

        if (FileMode.IsFifo(status.Mode))
        {
            // A FIFO's node only names the pipe: the description is a pipe end (Linux fifo_open).
            Close(file);
            return PipeFile.OpenFifo(Process.Current, status.Device, status.Inode, status.Mode, flags, out description);
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

    /// <summary>
    /// The procfs node of /proc/PID/fd/N that <paramref name="path"/> reaches through symbolic
    /// links (/dev/fd/63, /dev/stdin), or 0. Such a link is Linux's "magic link": opening it
    /// opens the descriptor's file itself, which for a pipe or socket has no path to follow
    /// ("pipe:[N]"), so the VFS's walk ends in NoEntry and open and stat come here. The
    /// caller holds the VFS lock.
    /// </summary>
    internal static ulong DescriptorLinkAt(ReadOnlySpan<byte> path)
    {
        if (path.Length == 0 || path[0] != '/' || path.Length > VfsLimits.MaxPathLength) return 0;
        byte* current = PathResolver.AllocateBuffer(), target = PathResolver.AllocateBuffer();
        ulong node = 0;
        if (current != null && target != null)
        {
            path.CopyTo(new Span<byte>(current, PathResolver.BufferSize));
            int length = path.Length;
            // Linux's MAXSYMLINKS: as many links as a path walk follows.
            for (int hop = 0; hop < 40 && node == 0; hop++)
            {
                var here = new ReadOnlySpan<byte>(current, length);
                if (FileSystem.Vfs.LinkStatus(here, out FileStatus status) != VfsError.None || !FileMode.IsSymbolicLink(status.Mode)) break;
                if (Mounts.IsProc(status.Device) && FileSystems.ProcFiles.IsDescriptorNode(status.Inode))
                {
                    node = status.Inode;
                    break;
                }

                long read = FileSystem.Vfs.ReadLink(here, new Span<byte>(target, VfsLimits.MaxPathLength));
                if (read <= 0) break;
                // A relative target is relative to the link's directory.
                int keep = 0;
                if (target[0] != '/')
                {
                    for (int i = length - 1; i >= 0 && keep == 0; i--)
                    {
                        if (current[i] == '/') keep = i + 1;
                    }

                    if (keep + read > VfsLimits.MaxPathLength) break;
                }

                new ReadOnlySpan<byte>(target, (int)read).CopyTo(new Span<byte>(current + keep, (int)read));
                length = keep + (int)read;
            }
        }

        if (current != null) KernelMemory.Free(current);
        if (target != null) KernelMemory.Free(target);
        return node;
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

    private static long Read(OpenFileDescription* description, Process* process, ulong buffer, ulong length) =>
        ReadFrom(description, process, buffer, length, -1);

    private static long ReadAt(OpenFileDescription* description, Process* process, ulong buffer, ulong length, long position) =>
        ReadFrom(description, process, buffer, length, position);

    /// <summary>read at <paramref name="position"/> (pread), or at the description's offset,
    /// which moves, when it is negative (read).</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // the chunk is written before it is read
    private static long ReadFrom(OpenFileDescription* description, Process* process, ulong buffer, ulong length, long position)
    {
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: true)) return -Syscalls.Errno.EFAULT;
        byte* chunk = stackalloc byte[ChunkSize];
        ulong done = 0;
        long result = 0;
        bool own = position < 0;
        long at = own ? description->Offset : position;
        ref FileTable table = ref TableOf(description);
        // A chunk at a time under the file-system lock, copied out after it: the copy may fault
        // in the caller's page, and the fault takes the address-space lock, which comes before
        // the file-system lock (docs/architecture.md, Locks); another thread's munmap holding
        // that lock may be waiting for this one.
        while (done < length)
        {
            int want = (int)Math.Min((ulong)ChunkSize, length - done);
            FileSystem.Lock();
            FileSystem.Vfs.Seek(ref table, Handle, at, SeekOrigin.Set);
            long got = FileSystem.Vfs.Read(ref table, Handle, new Span<byte>(chunk, want));
            FileSystem.Unlock();
            if (got <= 0)
            {
                result = got;
                break;
            }

            if (!UserMemory.CopyTo(process->Space, buffer + done, new ReadOnlySpan<byte>(chunk, (int)got)))
            {
                result = -Syscalls.Errno.EFAULT;
                break;
            }

            done += (ulong)got;
            at += got;
            if (own) description->Offset = at;
            if (got < want) break;
        }

        return done > 0 ? (long)done : result;
    }

    private static long Write(OpenFileDescription* description, Process* process, ulong buffer, ulong length) =>
        WriteFrom(description, process, buffer, null, length, -1);

    private static long WriteAt(OpenFileDescription* description, Process* process, ulong buffer, ulong length, long position) =>
        WriteFrom(description, process, buffer, null, length, position);

    private static long SpliceWrite(OpenFileDescription* description, Process* process, byte* bytes, int count) =>
        WriteFrom(description, process, 0, bytes, (ulong)count, -1);

    /// <summary>write from user memory at <paramref name="buffer"/> (or kernel memory at
    /// <paramref name="kernelBytes"/>: sendfile) at <paramref name="position"/> (pwrite), or at
    /// the description's offset, which moves, when it is negative. With O_APPEND every write
    /// goes to the end, pwrite's too (Linux's documented behaviour).</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // the chunk is written before it is read
    private static long WriteFrom(OpenFileDescription* description, Process* process, ulong buffer, byte* kernelBytes, ulong length, long position)
    {
        if (kernelBytes == null && !UserMemory.IsAccessible(process->Space, buffer, length, write: false)) return -Syscalls.Errno.EFAULT;
        byte* chunk = stackalloc byte[ChunkSize];
        ulong done = 0;
        long result = 0;
        bool own = position < 0;
        bool append = (description->StatusFlags & OpenFileDescription.Append) != 0;
        long at = own ? description->Offset : position;
        ref FileTable table = ref TableOf(description);
        while (done < length)
        {
            // Copied in before the file-system lock is taken (see ReadFrom: the copy may fault).
            int n = (int)Math.Min((ulong)ChunkSize, length - done);
            if (kernelBytes != null)
            {
                new ReadOnlySpan<byte>(kernelBytes + done, n).CopyTo(new Span<byte>(chunk, n));
            }
            else if (!UserMemory.CopyFrom(process->Space, buffer + done, new Span<byte>(chunk, n)))
            {
                result = -Syscalls.Errno.EFAULT;
                break;
            }

            FileSystem.Lock();
            if (append) at = FileSystem.Vfs.Seek(ref table, Handle, 0, SeekOrigin.End);
            else FileSystem.Vfs.Seek(ref table, Handle, at, SeekOrigin.Set);
            long written = FileSystem.Vfs.Write(ref table, Handle, new ReadOnlySpan<byte>(chunk, n));
            FileSystem.Unlock();
            if (written < 0)
            {
                result = written;
                break;
            }

            done += (ulong)written;
            at += written;
            if (own) description->Offset = at;
            if (written < n) break;
        }

        return done > 0 ? (long)done : result;
    }

    /// <summary>sendfile's input: bytes of a regular file at <paramref name="position"/> into
    /// kernel memory; the count, or -errno (EINVAL for anything but a regular file, as Linux's
    /// missing splice_read). The description's offset is the caller's business.</summary>
    internal static long ReadKernel(OpenFileDescription* description, long position, Span<byte> into)
    {
        if (description->Operations != Regular) return -Syscalls.Errno.EINVAL;
        ref FileTable table = ref TableOf(description);
        FileSystem.Lock();
        FileSystem.Vfs.Seek(ref table, Handle, position, SeekOrigin.Set);
        long got = FileSystem.Vfs.Read(ref table, Handle, into);
        FileSystem.Unlock();
        return got;
    }

    /// <summary>Whether the description is a VFS file or directory (fchmod, fchown, futimens,
    /// ftruncate and fstatfs reach its node).</summary>
    internal static bool IsVfsFile(OpenFileDescription* description) =>
        description->Operations == Regular || description->Operations == Directory;

    /// <summary>A handle to the description's node, taken under the VFS lock the caller holds
    /// (release it with FileSystem.Vfs.Release before unlocking). EINVAL for other kinds.</summary>
    internal static long TakeHandle(OpenFileDescription* description, out NodeHandle handle)
    {
        handle = default;
        if (!IsVfsFile(description)) return -Syscalls.Errno.EINVAL;
        return -(long)FileSystem.Vfs.Handle(ref TableOf(description), Handle, out handle);
    }

    /// <summary>ftruncate(2): EINVAL unless a regular file open for writing (Linux).</summary>
    internal static long Truncate(OpenFileDescription* description, long length)
    {
        if (description->Operations != Regular) return -Syscalls.Errno.EINVAL;
        FileSystem.Lock();
        VfsError error = FileSystem.Vfs.Truncate(ref TableOf(description), Handle, length);
        FileSystem.Unlock();
        return -(long)error;
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

    private static long ReadDirectoryAtAsFile(OpenFileDescription* description, Process* process, ulong buffer, ulong length, long position) =>
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
        long index = description->Offset;
        // One entry at a time under the file-system lock, copied out after it (see ReadFrom).
        while (true)
        {
            FileSystem.Lock();
            long nameLength = FileSystem.Vfs.ReadDirectory(ref table, Handle, index, new Span<byte>(record + 19, VfsLimits.MaxNameLength + 1), out DirectoryEntry entry);
            FileSystem.Unlock();
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
            if (!UserMemory.CopyTo(process->Space, buffer + used, new ReadOnlySpan<byte>(record, (int)size)))
            {
                if (used == 0) index = -Syscalls.Errno.EFAULT;
                break;
            }

            used += size;
            index = entry.Offset;
            description->Offset = index;
        }

        return index < 0 && used == 0 ? index : (long)used;
    }

    /// <summary>mmap's page (FileOperations.Map). A file system that keeps its data in pages
    /// (tmpfs) gives its own page: a shared mapping maps that very frame, a private one maps it
    /// copy-on-write; the share is counted under the VFS lock, so a truncate that drops the page
    /// meanwhile leaves the frame to the mapping (Adapters.cs, HeapVfsMemory.FreePage). One that
    /// reads in place (the cpio image: NoDevice) gives a private copy read at the offset (zeros
    /// past the end). Past the last page: ENXIO; no page to be had: ENOSPC/ENOMEM (SIGBUS).</summary>
    private static long Map(OpenFileDescription* description, ulong offset, bool shared, MappedPage* result)
    {
        ref FileTable table = ref TableOf(description);
        if (offset > long.MaxValue) return -Syscalls.Errno.ENXIO;
        FileSystem.Lock();
        // A hole becomes a page of the file for private mappings too (tmpfs does the same on
        // Linux), so a write(2) there later is seen until the mapping copies the page.
        VfsError error = FileSystem.Vfs.GetPage(ref table, Handle, (long)offset, allocate: true, out byte* page);
        long answer = 0;
        if (error == VfsError.None && page != null)
        {
            result->Frame = (ulong)page - KernelMemory.DirectMapOffset;
            result->Copy = false;
            // A share count at its limit is no shortage of memory: SIGBUS, not the OOM kill.
            if (!UserMemory.ShareFrame(result->Frame)) answer = -Syscalls.Errno.EOVERFLOW;
        }
        else if (error == VfsError.None || error == VfsError.NoDevice)
        {
            answer = CopyPage(ref table, offset, result);
        }
        else
        {
            answer = error == VfsError.InvalidArgument ? -Syscalls.Errno.ENXIO : -(long)error;
        }

        FileSystem.Unlock();
        return answer;
    }

    /// <summary>A new frame holding the file's page at <paramref name="offset"/> (VFS lock held).</summary>
    private static long CopyPage(ref FileTable table, ulong offset, MappedPage* result)
    {
        if (FileSystem.Vfs.FStat(ref table, Handle, out FileStatus status) != VfsError.None) return -Syscalls.Errno.EBADF;
        ulong size = (ulong)status.Size;
        if (offset >= ((size + UserMemory.PageSize - 1) & ~(UserMemory.PageSize - 1))) return -Syscalls.Errno.ENXIO;
        if (!KernelMemory.AllocateUserFrame(out ulong frame)) return -Syscalls.Errno.ENOMEM; // a user page, not the kernel's reserve
        var bytes = new Span<byte>((void*)(frame + KernelMemory.DirectMapOffset), (int)UserMemory.PageSize);
        bytes.Clear();
        long read = FileSystem.Vfs.ReadAt(ref table, Handle, (long)offset, bytes);
        if (read < 0)
        {
            KernelMemory.FreeFrame(frame, "mapped file copy free failed");
            return read;
        }

        result->Frame = frame;
        result->Copy = true;
        return 0;
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
