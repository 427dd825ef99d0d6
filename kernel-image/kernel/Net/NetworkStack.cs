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
/// into the stack, then the stack's timers and queued frames out to the card, then it wakes the
/// socket calls sleeping in <see cref="WaitForSocketEvent"/>. Every call into the stack holds
/// <see cref="Lock"/>; socket calls never block inside it (the stack is non-blocking).
/// </summary>
internal static unsafe class NetworkStack
{
    private static NetInterface<HeapNetMemory> s_interface;
    private static KernelMutex s_lock;
    private static bool s_up;

    internal static bool IsUp => s_up;

    private static KernelThread* s_thread;

    /// <summary>The network thread (tests tell its per-tick polling from other activity).</summary>
    internal static KernelThread* Thread => s_thread;
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
        // What the caller saw under the lock includes every socket event so far.
        Scheduler.Current->SeenGeneration = s_eventGeneration;
        fixed (KernelMutex* mutex = &s_lock) mutex->Release();
    }

    /// <summary>Socket calls that would block sleep here; the network thread wakes them when
    /// frames arrived or left (a socket may have become readable, writable, acceptable,
    /// connected or closed). Each waiter looks at its own socket again.</summary>
    private static WaitQueue s_socketEvents;

    /// <summary>Counts socket events, under <see cref="Lock"/>: a waiter compares it with the
    /// value it saw at its last <see cref="Unlock"/>, so an event between its try and its
    /// sleep is not lost.</summary>
    private static ulong s_eventGeneration;

    /// <summary>Wake-ups of socket waiters by the network thread (for tests).</summary>
    internal static ulong SocketWakeups;

    /// <summary>Sleeps the calling thread until a socket event it has not seen (one after its
    /// last <see cref="Unlock"/>) or a signal; returns false for the signal.</summary>
    internal static bool WaitForSocketEvent(delegate*<bool> signalPending)
    {
        s_socketEvents.Prepare(interruptible: true);
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        bool missed = s_eventGeneration != Scheduler.Current->SeenGeneration;
        Hal.Cpu.RestoreInterrupts(interrupts);
        if (missed || signalPending())
        {
            s_socketEvents.Cancel();
            return !signalPending();
        }

        return s_socketEvents.Sleep(WaitQueue.Forever) != WakeReason.Interrupted || !signalPending();
    }

    /// <summary>The wake hook: the network thread moved frames (under the lock).</summary>
    private static ulong s_lastEventMs;

    private static void SocketsChanged()
    {
        s_lastEventMs = NowMs;
        s_eventGeneration++;
        SocketWakeups += (ulong)s_socketEvents.WakeAll();
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
        if (frame == null || (s_thread = Scheduler.Spawn(&Run, (ulong)frame)) == null) return false;
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
            NetStatistics before = s_interface.Statistics;
            while ((length = E1000.TryReceive(new Span<byte>(frame, 2048))) > 0)
                s_interface.Receive(new ReadOnlySpan<byte>(frame, length), NowMs);
            s_interface.Poll(NowMs, ref card);
            NetStatistics after = s_interface.Statistics;
            // Every counter: a frame in or out, a retransmission timeout (which may close a
            // socket without sending anything). The stack does not count an ARP wait given up,
            // so waiters are also woken once a second while there are any.
            if (!new ReadOnlySpan<byte>(&before, sizeof(NetStatistics)).SequenceEqual(new ReadOnlySpan<byte>(&after, sizeof(NetStatistics))) ||
                NowMs - s_lastEventMs >= 1000)
                SocketsChanged();
            Unlock();
            // The one poller left: the e1000 has no receive interrupt yet (issue 10, item 4).
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
