using System;
using System.Runtime.InteropServices;

namespace Aurora.Caps.Benchmarks;

/// <summary>Host memory for the capability space under test.</summary>
public unsafe struct NativeCapsMemory : ICapsMemory
{
    public void* Allocate(nuint size) => NativeMemory.Alloc(size);

    public void Free(void* block) => NativeMemory.Free(block);
}

/// <summary>Token bytes from the host's generator (System.Random with a fixed seed: the
/// benchmark measures lookups, not entropy).</summary>
public struct BenchRandom : IRandomSource
{
    private static readonly Random Source = new(1);

    public void Fill(Span<byte> destination) => Source.NextBytes(destination);
}

/// <summary>The peer: the host kernel's SysV message queues through glibc's wrappers. Each call
/// is a real system call; the P/Invoke transition adds a few nanoseconds.</summary>
internal static unsafe class Libc
{
    public const int IpcPrivate = 0;
    public const int IpcCreat = 0x200;
    public const int IpcRmid = 0;

    [DllImport("libc", SetLastError = true)]
    public static extern int msgget(int key, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int msgsnd(int id, void* message, nuint size, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern nint msgrcv(int id, void* message, nuint size, long type, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int msgctl(int id, int command, void* buffer);

    public static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"{what} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
