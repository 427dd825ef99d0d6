using System;
using Aurora.Kernel.Drivers.Net;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;
using Aurora.Net;

namespace Aurora.Kernel.Net;

/// <summary>
/// The kernel's network (SPEC NET-1): the e1000 under one <c>Aurora.Net</c> interface, with
/// the addresses of QEMU's user-mode network (10.0.2.15/24, gateway and host 10.0.2.2;
/// decision: static, no DHCP yet). A kernel thread moves frames every tick: received frames
/// into the stack, then the stack's timers and queued frames out to the card. Every call into
/// the stack holds <see cref="Lock"/>; socket calls never block inside it (the stack is
/// non-blocking), callers sleep between tries.
/// </summary>
internal static unsafe class NetworkStack
{
    private static NetInterface<HeapNetMemory> s_interface;
    private static KernelMutex s_lock;
    private static bool s_up;

    internal static bool IsUp => s_up;
    internal static ref NetInterface<HeapNetMemory> Interface => ref s_interface;

    internal static ulong NowMs => Hal.Timer.Ticks();

    private struct CardDevice : INetworkDevice
    {
        public bool TrySend(ReadOnlySpan<byte> frame) => E1000.TrySend(frame);
    }

    internal static void Lock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Acquire();
    }

    internal static void Unlock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Release();
    }

    /// <summary>Brings the interface up on the e1000 and starts the network thread; false when
    /// there is no card.</summary>
    internal static bool Initialize()
    {
        if (!E1000.Present) return false;
        byte* mac = stackalloc byte[6];
        E1000.MacAddress(new Span<byte>(mac, 6));
        InterfaceConfig config = default;
        config.Mac = new MacAddress(mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
        config.Address = new Ipv4Address(10, 0, 2, 15);
        config.Netmask = new Ipv4Address(255, 255, 255, 0);
        config.Gateway = new Ipv4Address(10, 0, 2, 2);
        config.Seed = KernelRandom.Next();
        s_interface = new NetInterface<HeapNetMemory>(default);
        if (s_interface.Initialize(config) != NetError.None) return false;
        // The thread's receive buffer is allocated here, at boot, not when the thread first runs.
        byte* frame = (byte*)KernelMemory.Allocate(2048);
        if (frame == null || Scheduler.Spawn(&Run, (ulong)frame) == null) return false;
        s_up = true;
        return true;
    }

    /// <summary>The network thread: frames in, timers and frames out, once per tick.</summary>
    private static long Run(ulong frameBuffer)
    {
        byte* frame = (byte*)frameBuffer;
        CardDevice card = default;
        while (true)
        {
            Lock();
            int length;
            while ((length = E1000.TryReceive(new Span<byte>(frame, 2048))) > 0)
                s_interface.Receive(new ReadOnlySpan<byte>(frame, length), NowMs);
            s_interface.Poll(NowMs, ref card);
            Unlock();
            Scheduler.Sleep(1);
        }
    }

    /// <summary>Runs the stack's output now (after a send, so data leaves without waiting for
    /// the next tick).</summary>
    internal static void Flush()
    {
        CardDevice card = default;
        s_interface.Poll(NowMs, ref card);
    }
}
