using System;
using Aurora.Kernel.Drivers.Net;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;
using Aurora.Net;

namespace Aurora.Kernel.Net;

/// <summary>
/// The kernel's network (SPEC NET-1): the first registered <see cref="NetworkDevice"/> under one
/// <c>Aurora.Net</c> interface whose address comes from the stack's DHCP client (QEMU's user
/// network gives 10.0.2.15/24, gateway and host 10.0.2.2, DNS 10.0.2.3; the same by hand if no
/// server answers in 3 s: <see cref="WaitForAddress"/>), plus the stack's loopback path
/// (127.0.0.0/8 and its own address reach the guest's own sockets without the card; a poll that
/// looped frames asks for another at once). A kernel thread polls the stack
/// (frames in from the device, timers, frames out) when there is work and sleeps otherwise:
/// the device's interrupt wakes it, and so does the stack's next timer (TCP retransmission,
/// TIME-WAIT, ARP retry), never a periodic tick. After each poll that moved anything it wakes
/// the socket calls sleeping in <see cref="WaitForSocketEvent"/>. Every call into the stack
/// holds <see cref="Lock"/>; socket calls never block inside it (the stack is non-blocking).
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

    /// <summary>Most sockets at once, system-wide (lingering TIME-WAIT connections included):
    /// one per page of memory (65,536 with 256 MiB), between 1024 and the stack's 1,048,576.
    /// Only a bound: the stack's table grows as sockets open and shrinks as they end, and a
    /// socket's buffers come with its connection (or first datagram).</summary>
    internal static int SocketCapacity =>
        (int)Math.Min(Math.Max(KernelMemory.Frames.TotalFrames, 1024UL), (ulong)NetInterface<HeapNetMemory>.MaxSocketCapacity);

    /// <summary>Largest TCP receive or send buffer autotuning may reach: a 64th of memory (4 MiB
    /// with 256 MiB), at least the 128 KiB a connection starts with.</summary>
    internal static int TcpBufferMax =>
        (int)Math.Min(Math.Max(KernelMemory.Frames.TotalFrames * 4096 / 64, 128UL * 1024), 4UL * 1024 * 1024);

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
        // What the caller saw under the lock includes every socket event so far, except those
        // its own flush caused after it looked (see Flush): it must look once more.
        Scheduler.Current->SeenGeneration = s_flushChanged ? s_generationBeforeFlush : s_eventGeneration;
        s_flushChanged = false;
        fixed (KernelMutex* mutex = &s_lock) mutex->Release();
    }

    /// <summary>The network thread (tests tell its polling from other activity).</summary>
    internal static KernelThread* Thread => s_thread;

    /// <summary>Socket calls that would block sleep here; the network thread wakes them when
    /// frames arrived or left (a socket may have become readable, writable, acceptable,
    /// connected or closed). Each waiter looks at its own socket again.</summary>
    private static WaitQueue s_socketEvents;

    /// <summary>Counts socket events, under <see cref="Lock"/>: a waiter compares it with the
    /// value it saw at its last <see cref="Unlock"/>, so an event between its try and its
    /// sleep is not lost.</summary>
    private static ulong s_eventGeneration;

    /// <summary>The socket waiters' queue, for poll and select (Tasks/PollTable.cs).</summary>
    internal static ref WaitQueue SocketEvents => ref s_socketEvents;

    /// <summary>Wake-ups of socket waiters by the network thread (for tests).</summary>
    internal static ulong SocketWakeups;

    private static ulong s_lastEventMs;

    /// <summary>A <see cref="Flush"/> under the current hold of the lock woke socket waiters;
    /// <see cref="s_generationBeforeFlush"/> is the event count before its first such wake.</summary>
    private static bool s_flushChanged;
    private static ulong s_generationBeforeFlush;

    /// <summary>Sleeps the calling thread until a socket event it has not seen (one after its
    /// last <see cref="Unlock"/>) or a signal; returns false for the signal.</summary>
    internal static bool WaitForSocketEvent(delegate*<bool> signalPending) =>
        WaitForSocketEvent(signalPending, WaitQueue.Forever) != WakeReason.Interrupted;

    /// <summary><see cref="WaitForSocketEvent(delegate*{bool})"/> for at most
    /// <paramref name="timeoutMs"/> (SO_RCVTIMEO, SO_SNDTIMEO): Woken, TimedOut or Interrupted.</summary>
    internal static WakeReason WaitForSocketEvent(delegate*<bool> signalPending, ulong timeoutMs)
    {
        s_socketEvents.Prepare(interruptible: true);
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        bool missed = s_eventGeneration != Scheduler.Current->SeenGeneration;
        Hal.Cpu.RestoreInterrupts(interrupts);
        if (missed || signalPending())
        {
            s_socketEvents.Cancel();
            return signalPending() ? WakeReason.Interrupted : WakeReason.Woken;
        }

        // A waiter may need the network thread's once-a-second look (below) sooner than the
        // stack's own next timer.
        Kick();
        WakeReason reason = s_socketEvents.Sleep(timeoutMs);
        return reason == WakeReason.Interrupted && !signalPending() ? WakeReason.Woken : reason;
    }

    /// <summary>The wake hook: the network thread moved frames (under the lock).</summary>
    private static void SocketsChanged()
    {
        s_lastEventMs = NowMs;
        s_eventGeneration++;
        SocketWakeups += (ulong)s_socketEvents.WakeAll();
    }

    /// <summary>Boot (every architecture, after the drivers bound): logs the first network
    /// device the drivers registered and starts the stack on it (DHCP runs from here; the
    /// boot waits for it in <see cref="WaitForAddress"/>). Nothing without a device.</summary>
    internal static void StartOnFirstDevice()
    {
        if (NetworkDevices.First is not NetworkDevice nic) return;
        byte* mac = stackalloc byte[6];
        nic.MacAddress(new Span<byte>(mac, 6));
        Log.Write("net: ");
        Log.Write(nic.Name);
        Log.Write(", MAC ");
        const string digits = "0123456789abcdef";
        for (int i = 0; i < 6; i++)
        {
            if (i > 0) Log.Write(":");
            Log.Write((byte)digits[mac[i] >> 4]);
            Log.Write((byte)digits[mac[i] & 15]);
        }

        Log.Write(nic.InterruptDriven ? ", on its interrupt" : ", polled");
        Log.WriteLine(Initialize() ? ", IPv4 by DHCP" : ", stack not started");
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
        // No address yet: the DHCP client (RFC 2131) asks for one, WaitForAddress waits for it
        // and falls back to QEMU's usual 10.0.2.15/24 via 10.0.2.2 if no server answers.
        config.Seed = KernelRandom.Next();
        // Sockets system-wide, lingering connections (TIME-WAIT) included, sized by memory
        // (issue 13: a constant 32 stalled every 31st request).
        config.SocketCapacity = SocketCapacity;
        // A receive buffer larger than 64 KiB is reachable through window scaling (RFC 7323:
        // shift 2 here) when the peer scales too; the transmit queue holds the ACKs sent as
        // segments arrive (a duplicate ACK per out-of-order segment, one per two in order: up to
        // one per received frame of a 64-frame poll budget).
        config.TcpReceiveBufferSize = 128 * 1024;
        // Autotuning (issue 13): buffers grow with use up to TcpBufferMax (a 64th of memory, at
        // most 4 MiB: Linux's tcp_rmem[2] is 6 MiB), so a fast reader behind a long or wide
        // path gets a window of megabytes (shift 7, offered on every SYN) while an idle or slow
        // connection keeps its first 128 KiB. QEMU's user network (slirp) does not scale
        // windows, so there the window stays at 64 KiB whatever the buffer.
        config.TcpReceiveBufferMax = TcpBufferMax;
        config.TcpSendBufferMax = TcpBufferMax;
        // All sockets together grow by at most an eighth of memory (32 MiB with 256 MiB).
        config.TcpAutotuneBudget = (long)(KernelMemory.Frames.TotalFrames * 4096 / 8);
        config.TransmitQueueCapacity = 128;
        s_interface = new NetInterface<HeapNetMemory>(default);
        if (s_interface.Initialize(config) != NetError.None) return false;
        s_interface.StartDhcp(NowMs);
        s_device = device;
        s_sleepingUntil = ulong.MaxValue;
        device.Listener = &Kick;
        s_thread = Scheduler.Spawn(&Run, 0);
        if (s_thread == null) return false;
        s_up = true;
        return true;
    }

    /// <summary>How long the boot waits for a DHCP lease before it takes the fallback address.</summary>
    private const ulong DhcpWaitMs = 3000;

    /// <summary>
    /// At boot, once interrupts are on and the file system is up: waits (at most
    /// <see cref="DhcpWaitMs"/>) for the DHCP client's lease, logs it and writes its DNS servers
    /// (option 6) to /etc/resolv.conf for musl's and glibc's resolvers. Without an answer the
    /// interface takes 10.0.2.15/24 via 10.0.2.2 (QEMU's user network) and says so; the image's
    /// /etc/resolv.conf stays. Renewals at T1 happen in the network thread.
    /// </summary>
    internal static void WaitForAddress()
    {
        if (!s_up) return;
        ulong giveUp = NowMs + DhcpWaitMs;
        bool bound = false;
        DhcpLease lease = default;
        while (true)
        {
            Lock();
            bound = s_interface.TryGetLease(out lease);
            if (!bound && NowMs >= giveUp)
            {
                s_interface.Configure(new Ipv4Address(10, 0, 2, 15), new Ipv4Address(255, 255, 255, 0), new Ipv4Address(10, 0, 2, 2));
            }

            Unlock();
            if (bound || NowMs >= giveUp) break;
            Kick();
            Scheduler.Sleep(10);
        }

        if (!bound)
        {
            Log.WriteLine("net: no DHCP answer in 3 s; using 10.0.2.15/24 via 10.0.2.2");
            return;
        }

        Log.Write("net: DHCP lease ");
        WriteAddress(lease.Address);
        Log.Write("/");
        Log.WriteDecimal((ulong)System.Numerics.BitOperations.PopCount(lease.Netmask.Value));
        Log.Write(" via ");
        WriteAddress(lease.Gateway);
        Log.Write(" from ");
        WriteAddress(lease.Server);
        Log.Write(", ");
        Log.WriteDecimal((ulong)lease.LeaseSeconds);
        Log.Write(" s");
        if (lease.DnsCount > 0)
        {
            Log.Write(", DNS ");
            WriteAddress(lease.Dns0);
            WriteResolvConf(lease);
        }

        Log.WriteLine();
    }

    private static void WriteAddress(Ipv4Address address)
    {
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            Log.WriteDecimal((ulong)((address.Value >> shift) & 0xFF));
            if (shift > 0) Log.Write(".");
        }
    }

    /// <summary>/etc/resolv.conf with one "nameserver a.b.c.d" line per DNS server of the lease.</summary>
    private static void WriteResolvConf(in DhcpLease lease)
    {
        byte* text = stackalloc byte[128];
        int length = 0;
        for (int i = 0; i < lease.DnsCount; i++)
        {
            Ipv4Address dns = i == 0 ? lease.Dns0 : i == 1 ? lease.Dns1 : lease.Dns2;
            foreach (byte c in "nameserver "u8) text[length++] = c;
            for (int shift = 24; shift >= 0; shift -= 8)
            {
                uint octet = (dns.Value >> shift) & 0xFF;
                if (octet >= 100) text[length++] = (byte)('0' + octet / 100);
                if (octet >= 10) text[length++] = (byte)('0' + octet / 10 % 10);
                text[length++] = (byte)('0' + octet % 10);
                if (shift > 0) text[length++] = (byte)'.';
            }

            text[length++] = (byte)'\n';
        }

        Files.FileSystem.Lock();
        // A root without /etc (the arm64 image has no initramfs) gets one, as the lease must be
        // written somewhere; 0755 as the initramfs's.
        Aurora.Vfs.VfsError made = Files.FileSystem.Vfs.Mkdir("/etc"u8, 0x1ED);
        if (made != Aurora.Vfs.VfsError.None && made != Aurora.Vfs.VfsError.Exists) Log.Write(" (/etc could not be made)");
        Aurora.Vfs.FileTable files = default;
        long fd = Files.FileSystem.Vfs.Open(ref files, "/etc/resolv.conf"u8,
            Aurora.Vfs.OpenFlags.WriteOnly | Aurora.Vfs.OpenFlags.Create | Aurora.Vfs.OpenFlags.Truncate, 0x1A4);
        if (fd >= 0) Files.FileSystem.Vfs.Write(ref files, (int)fd, new ReadOnlySpan<byte>(text, length));
        Files.FileSystem.Vfs.CloseAll(ref files);
        Files.FileSystem.Unlock();
        if (fd < 0) Log.Write(" (/etc/resolv.conf not written)");
    }

    /// <summary>The network thread: poll, then sleep until the device signals or the stack's
    /// next timer is due.</summary>
    private static long Run(ulong unused)
    {
        while (true)
        {
            Lock();
            s_workPending = false;
            NetStatistics before = s_interface.Statistics;
            s_device.HoldInterrupts();
            bool more = Poll();
            NetStatistics after = s_interface.Statistics;
            // Every counter: a frame in or out, a retransmission timeout (which may close a
            // socket without sending anything). The stack does not count an ARP wait given up,
            // so waiters are also woken once a second while there are any.
            bool waiters = s_socketEvents.Count > 0;
            if (!new ReadOnlySpan<byte>(&before, sizeof(NetStatistics)).SequenceEqual(new ReadOnlySpan<byte>(&after, sizeof(NetStatistics))) ||
                (waiters && NowMs - s_lastEventMs >= 1000))
                SocketsChanged();
            ulong deadline = more ? NowMs : s_interface.NextTimerMs();
            if (!s_device.InterruptDriven) deadline = Math.Min(deadline, NowMs + PollIntervalWithoutInterrupt);
            if (waiters) deadline = Math.Min(deadline, NowMs + 1000);
            s_sleepingUntil = deadline;
            // Frames that came while interrupts were held: no interrupt will tell, poll again.
            if (s_device.ReleaseInterrupts()) s_workPending = true;
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
    internal static void Kick()
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
        ulong changes = s_interface.SocketChanges;
        bool more = Poll();
        if (s_interface.SocketChanges != changes)
        {
            // This poll took in looped frames (or ran a socket timer): the sockets they reached
            // may have waiters, the caller's own among them, and the network thread's next poll
            // will find nothing left to tell them (issue 13: a request delivered here sat until
            // the peer's delayed-ACK timer sent something). The caller looked at its socket
            // before this, so its Unlock must not count these events as seen.
            if (!s_flushChanged) s_generationBeforeFlush = s_eventGeneration;
            s_flushChanged = true;
            SocketsChanged();
        }

        if (more || s_interface.NextTimerMs() < s_sleepingUntil) Kick();
    }
}
