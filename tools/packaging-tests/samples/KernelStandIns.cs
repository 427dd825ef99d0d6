// The wrapper of the README samples marked `csharp kernel` (tools/packaging-tests/samples/README.md):
// what a kernel has and a sample only names. Each kernel sample becomes a class deriving from
// KernelStandIns, its type declarations and static fields that class's members, its statements
// (and local functions) the body of one method; so a sample reads exactly as it would inside a
// kernel, and these stand-ins only make it compile on the host. Nothing here is run.
using System;
using Aurora.Heap;
using Aurora.Net;
using Aurora.Pmm;

namespace Aurora.Samples;

public unsafe class KernelStandIns
{
    /// <summary>The kernel's panic: prints and halts. Never returns.</summary>
    protected static void Panic(string reason) => throw new InvalidOperationException(reason);
    protected static void Panic(string reason, nuint address, nuint block) => throw new InvalidOperationException(reason);

    protected static void Log(string text, string detail) { }

    /// <summary>Where Limine's higher-half direct map starts.</summary>
    protected static ulong hhdm, hhdmOffset;

    /// <summary>The boot memory map (Limine's entries in MemoryRegion form).</summary>
    protected static ReadOnlySpan<MemoryRegion> entries => default;

    /// <summary>The kernel's one frame allocator, at a fixed address.</summary>
    protected static FrameAllocator* pmm;

    /// <summary>The kernel's pages and heap, as the heap README's kernel sample sets them up.</summary>
    protected static class Memory
    {
        public static FrameAllocator Pmm;
        public static ulong HhdmOffset;
        public static KernelHeap<StandInPages> Heap;
    }

    protected struct StandInPages : IPageSource
    {
        public byte* AllocatePages(nuint count) => null;
        public void FreePages(byte* pages, nuint count) { }
    }

    /// <summary>Reference-counted page frames reached through the direct map.</summary>
    protected static class Frames
    {
        public static void* AllocateZeroed() => null;
        public static void Release(void* page) { }
    }

    protected static class Clock
    {
        public static long Nanoseconds => 0;
    }

    protected static class Cpu
    {
        public static void RdRandFill(Span<byte> destination) { }
        public static ulong ReadCr3() => 0;
        public static void Invlpg(ulong virtualAddress) { }
        public static void WriteCr3(ulong root) { }
    }

    /// <summary>A process as the kernel keeps it: a handle for the capability space, a file table.</summary>
    protected struct Process
    {
        public int Handle;
        public Aurora.Vfs.FileTable Files;
    }

    /// <summary>Copies <paramref name="length"/> bytes from user memory; false on a bad address (EFAULT).</summary>
    protected static bool CopyFromUser(byte* user, int length, out Span<byte> bytes)
    {
        bytes = default;
        return false;
    }

    // Module loading (the modsign README).
    protected static ReadOnlySpan<byte> moduleImage => default;
    protected static void Load(ReadOnlySpan<byte> payload) { }
    protected static class TrustedModuleKeys
    {
        /// <summary>What `aurora-modsign embed` writes: the trusted key's SubjectPublicKeyInfo (DER).</summary>
        public static ReadOnlySpan<byte> TrustedKey => default;
    }

    // The network card and clock (the net README).
    protected struct KernelNetMemory : INetMemory
    {
        public void* Allocate(nuint size) => null;
        public void Free(void* block) { }
    }

    protected struct Card : INetworkDevice
    {
        public bool TryReceive(out ReadOnlySpan<byte> frame) { frame = default; return false; }
        public void ReleaseReceived() { }
        public bool TryReserveTransmit(out Span<byte> buffer) { buffer = default; return false; }
        public void Transmit(int length) { }
    }

    protected static KernelNetMemory memory;
    protected static Card card;
    protected static MacAddress mac;
    protected static Ipv4Address server;
    protected static ulong random64, nowMs;
    protected static ReadOnlySpan<byte> bytes => default;
    protected static Span<byte> buffer => default;
    protected static void WakeSocketWaiters() { }
}
