using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;

namespace Aurora.Kernel.Files;

/// <summary>
/// The kernel's one file tree (SPEC FS-1): an <c>Aurora.Vfs</c> with a tmpfs mounted at "/" at
/// boot, "/bin" holding the user programs the boot loader brought (boot modules named *.elf),
/// an empty "/tmp", devfs at "/dev" (with a tmpfs at "/dev/shm") and procfs at "/proc"
/// (Mounts.cs), and each boot module named <c>NAME.cpio</c> (a newc cpio image, signed like
/// every module) mounted read-only at "/NAME" through the same <see cref="IFileSystem"/>
/// interface (<see cref="CpioFileSystem"/>, read in place: boot modules stay mapped for the
/// kernel's life). Every call into the VFS holds <see cref="Lock"/>: system calls are
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

    internal static void Lock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Acquire();
        s_vfs.Now = (long)(Hal.Timer.Ticks() * 1_000_000);
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
        Check(s_vfs.Mkdir("/bin"u8, 0x1ED), "creating /bin");   // 0755
        Check(s_vfs.Mkdir("/tmp"u8, 0x3FF), "creating /tmp");   // 01777
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
                OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Exclusive, 0x1ED);
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

        return !stem.SequenceEqual("."u8) && !stem.SequenceEqual(".."u8);
    }

    /// <summary>Mounts boot module <paramref name="index"/> (NAME.cpio) read-only at "/NAME".
    /// The image is a module like any other: its signature must verify against the built-in
    /// keys (the kernel parses it), and only the payload is mounted. An image that is refused
    /// (signature, malformed archive, "/NAME" taken) is logged and skipped: the kernel runs on.</summary>
    private static void MountImage(ref Boot.BootInfo info, int index)
    {
        ReadOnlySpan<byte> name = info.ModuleName(index);
        var module = new ReadOnlySpan<byte>((byte*)(info.ModulePhysical[index] + info.DirectMapOffset), (int)info.ModuleSize[index]);
        Log.Write("files: ");
        Log.Write(name);
        Aurora.Modsign.VerifyResult verdict = Modules.ModuleTrust.Verify(module, out ReadOnlySpan<byte> payload);
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
