using System;
using Aurora.Kernel.Drivers.Net;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;
using Aurora.Net;

namespace Aurora.Kernel.Net;

/// <summary>
/// The kernel's network (SPEC NET-1): the first registered <see cref="NetworkDevice"/> under one
/// <c>Aurora.Net</c> interface, with the addresses of QEMU's user-mode network (10.0.2.15/24,
/// gateway and host 10.0.2.2; decision: static, no DHCP yet). A kernel thread polls the stack
/// (frames in from the device, timers, frames out) when there is work and sleeps otherwise:
/// the device's interrupt wakes it, and so does the stack's next timer (TCP retransmission,
/// TIME-WAIT, ARP retry), never a periodic tick. Every call into the stack holds
/// <see cref="Lock"/>; socket calls never block inside it (the stack is non-blocking), callers
/// sleep between tries.
/// </summary>
internal static unsafe class NetworkStack
{
    private static NetInterface<HeapNetMemory> s_interface;
    private static KernelMutex s_lock;
    private static bool s_up;
    private static NetworkDevice s_device = null!;
    private static KernelThread* s_thread;
    /// <summary>Set by <see cref="Kick"/> (interrupt context or a socket call), cleared by the
    /// network thread before it polls: no event between its poll and its sleep is lost.</summary>
    private static bool s_workPending;
    /// <summary>When the sleeping network thread will wake by itself (ulong.MaxValue: only on an
    /// event); written under <see cref="Lock"/>.</summary>
    private static ulong s_sleepingUntil;

    /// <summary>A device without an interrupt is polled this often (milliseconds).</summary>
    private const ulong PollIntervalWithoutInterrupt = 10;

    internal static bool IsUp => s_up;
    internal static ref NetInterface<HeapNetMemory> Interface => ref s_interface;
    internal static NetworkDevice Device => s_device;

    /// <summary>Times the network thread woke to poll (for tests: ≪ ticks when idle).</summary>
    internal static ulong WakeUps;

    internal static ulong NowMs => Hal.Timer.Ticks();

    /// <summary>The stack's view of the kernel's device: forwards each loan (the device is a
    /// class, the component wants a struct to call directly).</summary>
    private struct DeviceLink : INetworkDevice
    {
        public NetworkDevice Device;

        public bool TryReceive(out ReadOnlySpan<byte> frame) => Device.TryReceive(out frame);

        public void ReleaseReceived() => Device.ReleaseReceived();

        public bool TryReserveTransmit(out Span<byte> buffer) => Device.TryReserveTransmit(out buffer);

        public void Transmit(int length) => Device.Transmit(length);
    }

    internal static void Lock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Acquire();
    }

    internal static void Unlock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Release();
    }

    /// <summary>Brings the interface up on the first registered network device and starts the
    /// network thread; false when there is none.</summary>
    internal static bool Initialize()
    {
        NetworkDevice? device = NetworkDevices.First;
        if (device == null) return false;
        byte* mac = stackalloc byte[6];
        device.MacAddress(new Span<byte>(mac, 6));
        InterfaceConfig config = default;
        config.Mac = new MacAddress(mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
        config.Address = new Ipv4Address(10, 0, 2, 15);
        config.Netmask = new Ipv4Address(255, 255, 255, 0);
        config.Gateway = new Ipv4Address(10, 0, 2, 2);
        config.Seed = KernelRandom.Next();
        s_interface = new NetInterface<HeapNetMemory>(default);
        if (s_interface.Initialize(config) != NetError.None) return false;
        s_device = device;
        s_sleepingUntil = ulong.MaxValue;
        device.Listener = &Kick;
        s_thread = Scheduler.Spawn(&Run, 0);
        if (s_thread == null) return false;
        s_up = true;
        return true;
    }

    /// <summary>The network thread: poll, then sleep until the device signals or the stack's
    /// next timer is due.</summary>
    private static long Run(ulong unused)
    {
        while (true)
        {
            Lock();
            s_workPending = false;
            bool more = Poll();
            ulong deadline = more ? NowMs : s_interface.NextTimerMs();
            if (!s_device.InterruptDriven) deadline = Math.Min(deadline, NowMs + PollIntervalWithoutInterrupt);
            s_sleepingUntil = deadline;
            Unlock();
            WaitForWork(deadline);
            WakeUps++;
        }
    }

    /// <summary>
    /// Sleeps until <see cref="Kick"/> or <paramref name="deadline"/> (ms; ulong.MaxValue: no
    /// deadline). The check of <see cref="s_workPending"/> and the sleep happen with interrupts
    /// off, so a kick in between is not lost. Today this is the scheduler's Block/Sleep with
    /// Wake/CutSleepShort from the kicker; with wait queues (issue 10, item 3) it becomes one
    /// wait on the stack's queue with a timeout, and <see cref="Kick"/> a wake of that queue.
    /// </summary>
    private static void WaitForWork(ulong deadline)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        if (!s_workPending)
        {
            ulong now = NowMs;
            if (deadline == ulong.MaxValue) Scheduler.Block();
            else if (deadline > now) Scheduler.Sleep(deadline - now);
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Wakes the network thread: the device's event hook (interrupt context) and the
    /// socket calls' way to move a deadline earlier.</summary>
    private static void Kick()
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        s_workPending = true;
        KernelThread* thread = s_thread;
        if (thread != null)
        {
            Scheduler.Wake(thread);            // blocked without a deadline
            Scheduler.CutSleepShort(thread);   // sleeping until a deadline
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    private static bool Poll()
    {
        DeviceLink link = default;
        link.Device = s_device;
        return s_interface.Poll(NowMs, ref link);
    }

    /// <summary>Runs the stack now, under <see cref="Lock"/> (after a socket call, so data
    /// leaves at once); wakes the network thread when the call gave the stack a timer earlier
    /// than the one it sleeps for.</summary>
    internal static void Flush()
    {
        bool more = Poll();
        if (more || s_interface.NextTimerMs() < s_sleepingUntil) Kick();
    }
}
