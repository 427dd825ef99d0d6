using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;

namespace Aurora.Kernel.Files;

/// <summary>
/// The kernel's one file tree (SPEC FS-1): an <c>Aurora.Vfs</c> with a tmpfs mounted at "/" at
/// boot, "/bin" and an empty "/tmp", then the initramfs — the boot module named
/// <see cref="InitramfsName"/>, one or more newc cpio archives one after another, signed like
/// every module — unpacked into it as Linux unpacks its initramfs into rootfs
/// (<see cref="CpioUnpacker"/>; the reference image's busybox, /sbin/init and /etc come this
/// way), then the user programs the boot loader brought as modules named *.elf copied into
/// "/bin" (the test image's programs), devfs at "/dev" (with a tmpfs at "/dev/shm") and procfs
/// at "/proc" (Mounts.cs), and each other boot module named <c>NAME.cpio</c>
/// mounted read-only at "/NAME" through the same <see cref="IFileSystem"/> interface
/// (<see cref="CpioFileSystem"/>, read in place: boot modules stay mapped for the kernel's
/// life). Every call into the VFS holds <see cref="Lock"/>: system calls are
/// preemptible, the VFS is not reentrant, and a sleeping lock keeps the timer running while a
/// large read or write copies.
/// </summary>
internal static unsafe class FileSystem
{
    /// <summary>Cap on file pages of the root tmpfs: a quarter of the usable memory the frame
    /// allocator manages at boot (Linux's tmpfs default is half; the kernel heap, page tables and
    /// every process share the rest). Never more than the machine has, so filling it gives ENOSPC
    /// while the kernel and other processes run on (security issue 9, finding 7: it used to be
    /// the direct map's size / 8, 512 MiB on every machine, more than a 256 MiB machine has).</summary>
    internal static ulong CapacityBytes => KernelMemory.Frames.TotalBytes / 4;

    private static VirtualFileSystem<HeapVfsMemory> s_vfs;
    private static KernelMutex s_lock;

    internal static ref VirtualFileSystem<HeapVfsMemory> Vfs => ref s_vfs;

    /// <summary>Programs copied to /bin at boot.</summary>
    internal static int Programs;

    /// <summary>cpio images mounted read-only at boot.</summary>
    internal static int Images;

    /// <summary>The boot module unpacked into "/" (Linux's initramfs, a cpio "newc" archive).</summary>
    internal static ReadOnlySpan<byte> InitramfsName => "initramfs.cpio"u8;

    internal static void Lock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Acquire();
        // Inodes are stamped with the wall clock, as Linux's current_time() does: time since boot
        // made every new file older than any `touch -d` date (find -newer, make, tar).
        s_vfs.Now = Syscalls.TimeCalls.RealtimeNanoseconds();
    }

    internal static void Unlock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Release();
    }

    /// <summary>Mounts the root tmpfs and fills /bin; panics if the tree cannot be made (the
    /// kernel has plenty of memory at this point, so that is a bug).</summary>
    internal static void Initialize(ref Boot.BootInfo info)
    {
        s_vfs = new VirtualFileSystem<HeapVfsMemory>(default);
        Check(s_vfs.Initialize(CapacityBytes), "mounting the root tmpfs");
        // Taken once for good here rather than by the first symbolic link some process follows.
        Check(s_vfs.ReserveLinkBuffers(), "reserving the VFS link buffers");
        Check(s_vfs.Mkdir("/bin"u8, 0x1ED), "creating /bin");   // 0755
        Check(s_vfs.Mkdir("/tmp"u8, 0x3FF), "creating /tmp");   // 01777
        for (int i = 0; i < info.ModuleCount; i++)
        {
            if (info.ModuleName(i).SequenceEqual(InitramfsName)) UnpackInitramfs(ref info, i);
        }

        FileTable files = default;
        byte* path = stackalloc byte[5 + Boot.BootInfo.ModuleNameLength];
        for (int i = 0; i < info.ModuleCount; i++)
        {
            ReadOnlySpan<byte> name = info.ModuleName(i);
            if (!Modules.ModuleTrust.IsProgram(name)) continue;
            "/bin/"u8.CopyTo(new Span<byte>(path, 5));
            name.CopyTo(new Span<byte>(path + 5, name.Length));
            var program = new ReadOnlySpan<byte>((byte*)(info.ModulePhysical[i] + info.DirectMapOffset), (int)info.ModuleSize[i]);
            long fd = s_vfs.Open(ref files, new ReadOnlySpan<byte>(path, 5 + name.Length),
                OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Truncate, 0x1ED);
            if (fd < 0) Check((VfsError)(-fd), "creating a file in /bin");
            long written = s_vfs.Write(ref files, (int)fd, program);
            if (written != program.Length) Check(written < 0 ? (VfsError)(-written) : VfsError.NoSpace, "writing a program to /bin");
            s_vfs.Close(ref files, (int)fd);
            Programs++;
        }

        Devices.Initialize();
        FileSystems.ProcFiles.Initialize();
        Mounts.MountAtBoot(CapacityBytes);
        for (int i = 0; i < info.ModuleCount; i++)
        {
            if (IsImage(info.ModuleName(i))) MountImage(ref info, i);
        }
    }

    /// <summary>A boot module named NAME.cpio (NAME one path component).</summary>
    internal static bool IsImage(ReadOnlySpan<byte> name)
    {
        if (name.Length <= 5 || !name.Slice(name.Length - 5).SequenceEqual(".cpio"u8)) return false;
        ReadOnlySpan<byte> stem = name.Slice(0, name.Length - 5);
        for (int i = 0; i < stem.Length; i++)
        {
            if (stem[i] == (byte)'/') return false;
        }

        return !stem.SequenceEqual("."u8) && !stem.SequenceEqual(".."u8) && !name.SequenceEqual(InitramfsName);
    }

    /// <summary>Unpacks boot module <paramref name="index"/> (the initramfs) into "/". Its
    /// signature must verify like any module's; a refused or malformed image is logged and the
    /// kernel runs on with what it has (Linux too boots on after "Initramfs unpacking failed").</summary>
    private static void UnpackInitramfs(ref Boot.BootInfo info, int index)
    {
        Log.Write("files: ");
        Log.Write(InitramfsName);
        Aurora.Modsign.VerifyResult verdict = Modules.ModuleTrust.VerifyBootModule(ref info, index, out ReadOnlySpan<byte> payload);
        if (verdict != Aurora.Modsign.VerifyResult.Valid)
        {
            Log.Write(" not unpacked, signature: ");
            Log.WriteLine(Aurora.Modsign.ResultText.Describe(verdict));
            return;
        }

        VfsError error;
        UnpackCounts counts;
        fixed (byte* bytes = payload) error = CpioUnpacker.Unpack(ref s_vfs, bytes, payload.Length, out counts);
        Log.Write(" unpacked into /: ");
        Log.WriteDecimal((long)counts.Directories);
        Log.Write(" directories, ");
        Log.WriteDecimal((long)counts.Files);
        Log.Write(" files, ");
        Log.WriteDecimal((long)counts.SymbolicLinks);
        Log.Write(" symbolic links");
        if (counts.Skipped > 0)
        {
            Log.Write(", ");
            Log.WriteDecimal((long)counts.Skipped);
            Log.Write(" device or FIFO entries skipped");
        }

        if (error != VfsError.None)
        {
            Log.Write("; ");
            Log.WriteDecimal((long)counts.Failed);
            Log.Write(" entries failed, first error ");
            Log.WriteDecimal((long)error);
        }

        Log.WriteLine();
    }

    /// <summary>Whether <paramref name="path"/> names a regular file (links followed).</summary>
    internal static bool IsRegularFile(ReadOnlySpan<byte> path)
    {
        Lock();
        VfsError error = s_vfs.Stat(path, out FileStatus status);
        Unlock();
        return error == VfsError.None && FileMode.IsRegular(status.Mode);
    }

    /// <summary>Mounts boot module <paramref name="index"/> (NAME.cpio) read-only at "/NAME".
    /// The image is a module like any other: its signature must verify against the built-in
    /// keys (the kernel parses it), and only the payload is mounted. An image that is refused
    /// (signature, malformed archive, "/NAME" taken) is logged and skipped: the kernel runs on.</summary>
    private static void MountImage(ref Boot.BootInfo info, int index)
    {
        ReadOnlySpan<byte> name = info.ModuleName(index);
        Log.Write("files: ");
        Log.Write(name);
        Aurora.Modsign.VerifyResult verdict = Modules.ModuleTrust.VerifyBootModule(ref info, index, out ReadOnlySpan<byte> payload);
        if (verdict != Aurora.Modsign.VerifyResult.Valid)
        {
            Log.Write(" not mounted, signature: ");
            Log.WriteLine(Aurora.Modsign.ResultText.Describe(verdict));
            return;
        }

        byte* path = stackalloc byte[Boot.BootInfo.ModuleNameLength];
        path[0] = (byte)'/';
        int length = 1 + name.Length - 5;
        name.Slice(0, name.Length - 5).CopyTo(new Span<byte>(path + 1, length - 1));
        var mountPoint = new ReadOnlySpan<byte>(path, length);
        var image = (CpioFileSystem*)KernelMemory.Allocate((nuint)sizeof(CpioFileSystem));
        if (image == null)
        {
            Log.WriteLine(" not mounted: out of memory");
            return;
        }

        HeapVfsMemory memory = default;
        VfsError error;
        fixed (byte* bytes = payload) error = image->Initialize(ref memory, bytes, payload.Length);
        if (error == VfsError.None)
        {
            error = s_vfs.Mkdir(mountPoint, 0x1ED); // 0755
            if (error == VfsError.None) error = s_vfs.Mount<CpioFileSystem>(mountPoint, image);
            if (error != VfsError.None) image->Destroy(ref memory);
        }

        if (error != VfsError.None)
        {
            KernelMemory.Free(image);
            Log.Write(" not mounted, error ");
            Log.WriteDecimal((long)error);
            Log.WriteLine();
            return;
        }

        Images++;
        Mounts.RecordImage(mountPoint, name);
        Log.Write(" mounted read-only at ");
        Log.Write(mountPoint);
        Log.WriteLine();
    }

    private static void Check(VfsError error, string what)
    {
        if (error != VfsError.None) Panic.Fail("file system set-up failed", what);
    }
}
