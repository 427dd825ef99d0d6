using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Aurora.Vfs.Benchmarks;

/// <summary>Host memory for the VFS under test.</summary>
public unsafe struct NativeVfsMemory : IVfsMemory
{
    public void* Allocate(nuint size) => NativeMemory.Alloc(size);

    public void Free(void* block) => NativeMemory.Free(block);

    public void* AllocatePage() => NativeMemory.AlignedAlloc(4096, 4096);

    public void FreePage(void* page) => NativeMemory.AlignedFree(page);
}

/// <summary>The peer: the host kernel's tmpfs (/dev/shm) through glibc's system call wrappers.
/// Each call is a real system call; the P/Invoke transition adds a few nanoseconds.</summary>
internal static unsafe class Libc
{
    [DllImport("libc", SetLastError = false)]
    public static extern int open(byte* path, int flags, uint mode);

    [DllImport("libc")]
    public static extern int close(int fd);

    [DllImport("libc")]
    public static extern nint read(int fd, byte* buffer, nuint count);

    [DllImport("libc")]
    public static extern nint write(int fd, byte* buffer, nuint count);

    [DllImport("libc")]
    public static extern int unlink(byte* path);

    [DllImport("libc")]
    public static extern int mkdir(byte* path, uint mode);

    [DllImport("libc")]
    public static extern int rmdir(byte* path);

    /// <summary>glibc 2.33+ exports stat itself. Linux x86_64 struct stat has the layout of
    /// <see cref="FileStatus"/>, so it doubles as the buffer.</summary>
    [DllImport("libc")]
    public static extern int stat(byte* path, FileStatus* status);

    /// <summary>The path as a NUL-terminated byte string.</summary>
    public static byte[] CString(string path) => Encoding.UTF8.GetBytes(path + "\0");

    public static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"{what} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
