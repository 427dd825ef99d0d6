using System;
using Aurora.Net;
using Aurora.Kernel.Drivers.Net;
using static Aurora.Kernel.Tests.TestRunner;
using Timer = Aurora.Kernel.Hal.Timer;

namespace Aurora.Kernel.Tests;

/// <summary>The network card against a real peer: QEMU's user-mode network (slirp), whose
/// gateway 10.0.2.2 is the host. Test boots run with <c>-netdev user</c> and an e1000 on
/// x86_64, a virtio-net-pci on arm64; the bodies use whichever card is bound, but the ones
/// named for the e1000.</summary>
internal static unsafe class NetworkTests
{
    /// <summary>TCP and UDP round trips with the host's own network stack (SPEC NET-1), run by
    /// the host test that listens (kernel-image/tests/Qemu/HostNetworkTests.cs): the kernel
    /// options net-peer-port=N and net-udp-port=M name its ports on 127.0.0.1, which QEMU's user
    /// network reaches as 10.0.2.2. The user program userland/net.c does the socket calls.</summary>
    internal static void TcpAndUdpRoundTripsWithTheHost()
    {
        ReadOnlySpan<byte> port = KernelMain.Command.Value("net-peer-port");
        ReadOnlySpan<byte> udpPort = KernelMain.Command.Value("net-udp-port");
        Check(port.Length > 0 && udpPort.Length > 0, "no net-peer-port= or net-udp-port= option");
        // The program reads the port from a file (it has no other way to be told yet).
        Files.FileSystem.Lock();
        Aurora.Vfs.FileTable files = default;
        long fd = Files.FileSystem.Vfs.Open(ref files, "/tmp/net-peer-port"u8, Aurora.Vfs.OpenFlags.WriteOnly | Aurora.Vfs.OpenFlags.Create | Aurora.Vfs.OpenFlags.Truncate, 0x1A4);
        if (fd >= 0)
        {
            Files.FileSystem.Vfs.Write(ref files, (int)fd, port);
            Files.FileSystem.Vfs.Write(ref files, (int)fd, " "u8);
            Files.FileSystem.Vfs.Write(ref files, (int)fd, udpPort);
        }

        Files.FileSystem.Vfs.CloseAll(ref files);
        Files.FileSystem.Unlock();
        Check(fd >= 0, "could not write /tmp/net-peer-port");
        ProcessTests.PrepareOutputBuffer(); // allocated once, before counting blocks
        ulong liveBefore = Memory.KernelMemory.Heap.Statistics.LiveBlocks;
        int status = ProcessTests.RunProgram("net.elf", checkMemory: false);
        Check(ProcessTests.OutputHas("net: tcp round trip ok"), "the program's TCP round trip failed");
        Check(ProcessTests.OutputHas("net: udp round trip ok"), "the program's UDP round trip failed");
        Check(status == 0, "the program failed");

        // Closed connections linger (TIME_WAIT, 2 s here) before the stack frees them; once
        // every socket is gone, every heap block must be back.
        WaitForSocketsToClose();

        Check(Memory.KernelMemory.Heap.Statistics.LiveBlocks == liveBefore, "the connection's memory did not come back");
    }

    /// <summary>The socket API a server stands on (issue 13): options, names, shutdown,
    /// accept4, MSG_* flags, FIONREAD, sendmsg/recvmsg, SO_RCVTIMEO, more sockets than the old
    /// limits; userland/sockapi.c, which prints "0 wrong" on Linux too. Its connections go to
    /// its own listener over the loopback interface (127.0.0.1), as on Linux.</summary>
    internal static void SocketApiAnswersAsLinux()
    {
        Check(WriteFile("/tmp/sockapi-peer"u8, "127.0.0.1 40200"u8), "could not write /tmp/sockapi-peer");
        int status = ProcessTests.RunProgram("sockapi.elf", checkMemory: false);
        Check(ProcessTests.OutputHas("sockapi: connection tests ran"), "sockapi.elf did not get through its connections");
        Check(ProcessTests.OutputHas("sockapi: 0 wrong"), "sockapi.elf found answers unlike Linux's");
        Check(status == 0, "sockapi.elf failed");
        WaitForSocketsToClose();
    }

    /// <summary>sockapi.c with connections: the host test (HostNetworkTests) boots with QEMU
    /// forwarding the host's port net-loop-port=N (TCP and UDP) to the guest's 40200, so a
    /// connection to 10.0.2.2:N comes back to the program's own listener.</summary>
    internal static void SocketApiThroughTheHost()
    {
        ReadOnlySpan<byte> port = KernelMain.Command.Value("net-loop-port");
        Check(port.Length > 0, "no net-loop-port= option");
        byte* text = stackalloc byte[32];
        var line = new Span<byte>(text, 32);
        "10.0.2.2 "u8.CopyTo(line);
        int length = 9;
        for (int i = 0; i < port.Length && length < 32; i++) text[length++] = port[i];
        Check(WriteFile("/tmp/sockapi-peer"u8, line.Slice(0, length)), "could not write /tmp/sockapi-peer");
        int status = ProcessTests.RunProgram("sockapi.elf", checkMemory: false);
        Check(ProcessTests.OutputHas("sockapi: connection tests ran"), "sockapi.elf did not get through its connections");
        Check(ProcessTests.OutputHas("sockapi: 0 wrong"), "sockapi.elf found answers unlike Linux's");
        Check(status == 0, "sockapi.elf failed");
        WaitForSocketsToClose();
    }

    /// <summary>An epoll echo server (userland/epoll_echo.c, "0 wrong" on Linux with 200 each
    /// way): 200 AF_UNIX pairs and 60 loopback TCP connections (both ends of each count against
    /// the 128 sockets a process tree may hold) served edge-triggered by one instance, every
    /// byte checked, non-blocking connects completed through EPOLLOUT and SO_ERROR.</summary>
    internal static void EpollEchoServerServesEveryConnection()
    {
        Check(WriteFile("/tmp/epoll-echo-tcp"u8, "60"u8), "could not write /tmp/epoll-echo-tcp");
        int status = ProcessTests.RunProgram("epoll_echo.elf", checkMemory: false);
        Check(ProcessTests.OutputHas("epoll_echo: 200 AF_UNIX and 60 TCP connections, 0 wrong"), "the echo server lost or garbled a connection");
        Check(status == 0, "epoll_echo.elf failed");
        WaitForSocketsToClose();
    }

    /// <summary>Connected UDP over the loopback interface (issue 13): connect sets the peer, a
    /// datagram to a closed port comes back as ICMP port unreachable and the next recv fails
    /// once with ECONNREFUSED; userland/udp_refused.c, which prints "0 wrong" on Linux too.</summary>
    /// <summary>Ten thousand sockets in one process (issue 13: tables sized by memory, not a
    /// constant): userland/manysockets.c (0 wrong on Linux) raises RLIMIT_NOFILE, opens and binds
    /// 10,000, uses the last ones over loopback, closes them and opens them again. Afterwards the
    /// stack's table is back to its first size and the kernel heap to where it was.</summary>
    internal static void TenThousandSocketsOpenAndGiveTheirMemoryBack()
    {
        ProcessTests.PrepareOutputBuffer();
        Net.NetworkStack.Lock();
        int slotsBefore = Net.NetworkStack.Interface.SocketTableSlots;
        Net.NetworkStack.Unlock();
        ulong liveBefore = Memory.KernelMemory.Heap.Statistics.LiveBlocks;
        ulong bytesBefore = Memory.KernelMemory.Heap.Statistics.BytesInUse;
        int status = ProcessTests.RunProgram("manysockets.elf", checkMemory: false);
        Check(ProcessTests.OutputHas("manysockets: 0 wrong"), "manysockets.elf found answers unlike Linux's");
        Check(status == 0, "manysockets.elf failed");
        WaitForSocketsToClose();
        // The table shrinks at the network thread's next poll.
        int slots = 0;
        for (int waited = 0; waited < 5000; waited += 10)
        {
            Net.NetworkStack.Kick();
            Tasks.Scheduler.Sleep(10);
            Net.NetworkStack.Lock();
            slots = Net.NetworkStack.Interface.SocketTableSlots;
            Net.NetworkStack.Unlock();
            if (slots == slotsBefore) break;
        }

        CheckEqual(slotsBefore, slots, "socket table slots after the sockets closed");
        CheckEqual((long)liveBefore, (long)Memory.KernelMemory.Heap.Statistics.LiveBlocks, "live kernel heap blocks");
        CheckEqual((long)bytesBefore, (long)Memory.KernelMemory.Heap.Statistics.BytesInUse, "kernel heap bytes in use");
    }

    /// <summary>The address came from DHCP (RFC 2131; QEMU's user network offers 10.0.2.15/24 via
    /// 10.0.2.2 with DNS 10.0.2.3), and the lease's DNS server is in /etc/resolv.conf.</summary>
    internal static void DhcpLeaseSetsTheAddressAndResolvConf()
    {
        Net.NetworkStack.Lock();
        bool bound = Net.NetworkStack.Interface.TryGetLease(out Aurora.Net.DhcpLease lease);
        uint address = Net.NetworkStack.Interface.Address.Value;
        Net.NetworkStack.Unlock();
        Check(bound, "no DHCP lease (the boot took the fallback address)");
        CheckEqual(0x0A00020F, address, "the interface's address (10.0.2.15)");
        CheckEqual(0x0A00020F, lease.Address.Value, "the lease's address");
        CheckEqual(0xFFFFFF00, lease.Netmask.Value, "the lease's mask");
        CheckEqual(0x0A000202, lease.Gateway.Value, "the lease's router");
        CheckEqual(0x0A000203, lease.Dns0.Value, "the lease's DNS server");
        Check(lease.LeaseSeconds > 0 && lease.RenewSeconds > 0 && lease.RenewSeconds < lease.LeaseSeconds, "the lease's times");
        byte* buffer = stackalloc byte[128];
        ReadOnlySpan<byte> text = ReadFile("/etc/resolv.conf"u8, new Span<byte>(buffer, 128));
        Check(text.SequenceEqual("nameserver 10.0.2.3\n"u8), "/etc/resolv.conf is not the lease's DNS server");
    }

    /// <summary>musl's getaddrinfo (userland/dns.c, 0 wrong on Linux): names from the image's
    /// /etc/hosts, and names answered by a DNS server (the program's own responder on
    /// 127.0.0.1:53; /etc/resolv.conf names it while the test runs, then the lease's is put back).</summary>
    internal static void GetaddrinfoUsesHostsAndDns()
    {
        byte* saved = stackalloc byte[256];
        ReadOnlySpan<byte> before = ReadFile("/etc/resolv.conf"u8, new Span<byte>(saved, 256));
        Check(WriteFile("/etc/resolv.conf"u8, "nameserver 127.0.0.1\n"u8), "could not write /etc/resolv.conf");
        int status = ProcessTests.RunProgram("dns.elf", checkMemory: false);
        Check(WriteFile("/etc/resolv.conf"u8, before), "could not restore /etc/resolv.conf");
        Check(ProcessTests.OutputHas("dns: 0 wrong"), "dns.elf found answers unlike Linux's");
        Check(status == 0, "dns.elf failed");
        WaitForSocketsToClose();
    }

    private static ReadOnlySpan<byte> ReadFile(ReadOnlySpan<byte> path, Span<byte> buffer)
    {
        Aurora.Vfs.FileTable files = default;
        long count = 0;
        Files.FileSystem.Lock();
        long fd = Files.FileSystem.Vfs.Open(ref files, path, Aurora.Vfs.OpenFlags.ReadOnly, 0);
        if (fd >= 0) count = Files.FileSystem.Vfs.Read(ref files, (int)fd, buffer);
        Files.FileSystem.Vfs.CloseAll(ref files);
        Files.FileSystem.Unlock();
        return buffer.Slice(0, count > 0 ? (int)count : 0);
    }

    internal static void ConnectedUdpGetsConnectionRefused()
    {
        int status = ProcessTests.RunProgram("udp_refused.elf", checkMemory: false);
        Check(ProcessTests.OutputHas("udp_refused: 0 wrong"), "udp_refused.elf found answers unlike Linux's");
        Check(status == 0, "udp_refused.elf failed");
        WaitForSocketsToClose();
    }

    /// <summary>Bulk TCP both ways with the host (issue 13): the host test (HostNetworkTests, or
    /// components/net/bench/qemu-throughput.py) listens on net-bulk-port=N and userland/netbulk.c
    /// moves net-bulk-bytes=M bytes down and up through QEMU's user network, every byte checked
    /// against a pattern on both sides.</summary>
    internal static void BulkTransferWithTheHost()
    {
        ReadOnlySpan<byte> port = KernelMain.Command.Value("net-bulk-port");
        ReadOnlySpan<byte> bytes = KernelMain.Command.Value("net-bulk-bytes");
        Check(port.Length > 0 && bytes.Length > 0, "no net-bulk-port= or net-bulk-bytes= option");
        byte* text = stackalloc byte[64];
        var line = new Span<byte>(text, 64);
        "10.0.2.2 "u8.CopyTo(line);
        int length = 9;
        for (int i = 0; i < port.Length && length < 40; i++) text[length++] = port[i];
        text[length++] = (byte)' ';
        for (int i = 0; i < bytes.Length && length < 64; i++) text[length++] = bytes[i];
        Check(WriteFile("/tmp/netbulk-peer"u8, line.Slice(0, length)), "could not write /tmp/netbulk-peer");
        Log.Write("netbulk: through ");
        Log.WriteLine(Net.NetworkStack.Device.Name);
        int status = ProcessTests.RunProgram("netbulk.elf", checkMemory: false);
        Check(ProcessTests.OutputHas("netbulk: 0 wrong"), "netbulk.elf saw a difference or a failed call");
        Check(status == 0, "netbulk.elf failed");
        WaitForSocketsToClose();
    }

    /// <summary>The flood test (issue 13; the host half is tests/Qemu/NetworkFloodTests): the NIC
    /// sits on a QEMU hub with the user network (hostfwd to netserve's 8080) and a socket netdev
    /// into which the host writes raw Ethernet frames: random bytes, broken IPv4/TCP headers, SYN
    /// floods and RST storms from forged addresses. userland/netserve.c serves the host's requests
    /// throughout, until the host asks /quit (net-flood-seconds=N bounds it). The stack's counters
    /// are printed and must show the junk dropped and counted.</summary>
    internal static void FloodLeavesTheServerAnswering()
    {
        ReadOnlySpan<byte> seconds = KernelMain.Command.Value("net-flood-seconds");
        Check(WriteFile("/tmp/netserve-seconds"u8, seconds.Length > 0 ? seconds : "150"u8), "could not write /tmp/netserve-seconds");
        Net.NetworkStack.Lock();
        NetStatistics before = Net.NetworkStack.Interface.Statistics;
        Net.NetworkStack.Unlock();
        int status = ProcessTests.RunProgram("netserve.elf", checkMemory: false);
        Net.NetworkStack.Lock();
        NetStatistics after = Net.NetworkStack.Interface.Statistics;
        int sockets = Net.NetworkStack.Interface.SocketsInUse;
        Net.NetworkStack.Unlock();
        ulong junk = after.Truncated - before.Truncated + after.Malformed - before.Malformed +
                     after.BadChecksum - before.BadChecksum + after.Unsupported - before.Unsupported;
        Log.Write("flood: frames received ");
        Log.WriteDecimal(after.FramesReceived - before.FramesReceived);
        Log.Write(", dropped ");
        Log.WriteDecimal(after.FramesDropped - before.FramesDropped);
        Log.Write(" (truncated ");
        Log.WriteDecimal(after.Truncated - before.Truncated);
        Log.Write(", malformed ");
        Log.WriteDecimal(after.Malformed - before.Malformed);
        Log.Write(", bad checksum ");
        Log.WriteDecimal(after.BadChecksum - before.BadChecksum);
        Log.Write(", unsupported ");
        Log.WriteDecimal(after.Unsupported - before.Unsupported);
        Log.Write(", not for us ");
        Log.WriteDecimal(after.NotForUs - before.NotForUs);
        Log.Write(", no socket ");
        Log.WriteDecimal(after.NoSocket - before.NoSocket);
        Log.Write("), resets sent ");
        Log.WriteDecimal(after.TcpResetsSent - before.TcpResetsSent);
        Log.Write(", listen overflows ");
        Log.WriteDecimal(after.TcpListenOverflows - before.TcpListenOverflows);
        Log.Write(", SYN queue evictions ");
        Log.WriteDecimal(after.TcpSynQueueEvictions - before.TcpSynQueueEvictions);
        Log.Write(", ARP requests ");
        Log.WriteDecimal(after.ArpRequestsSent - before.ArpRequestsSent);
        Log.Write(", ARP failures ");
        Log.WriteDecimal(after.ArpFailures - before.ArpFailures);
        Log.Write(", transmit queue full ");
        Log.WriteDecimal(after.TransmitQueueFull - before.TransmitQueueFull);
        Log.Write(", sockets still open ");
        Log.WriteDecimal(sockets);
        Log.WriteLine();
        Log.Write("flood: junk dropped and counted ");
        Log.WriteDecimal(junk);
        Log.WriteLine();
        Check(ProcessTests.OutputHas("netserve: quit"), "netserve did not get the host's /quit (it stopped answering, or its time ran out)");
        Check(status == 0, "netserve.elf failed");
        Check(junk > 0, "no junk frame was counted as truncated, malformed, bad checksum or unsupported");
        Check(after.FramesDropped - before.FramesDropped >= junk, "frames counted as junk were not counted as dropped");
    }

    /// <summary>Closed connections linger (TIME_WAIT, 2 s here) before the stack frees them and
    /// their buffers: a test that made connections waits here until every socket is gone (10 s
    /// at most), so the memory checks of the tests after it (live heap blocks before and after
    /// a program) do not see its buffers freed in the middle of theirs.</summary>
    private static void WaitForSocketsToClose()
    {
        ulong giveUp = Timer.Ticks() + 10_000;
        int sockets;
        while (true)
        {
            Net.NetworkStack.Lock();
            sockets = Net.NetworkStack.Interface.SocketsInUse;
            Net.NetworkStack.Unlock();
            if (sockets == 0 || Timer.Ticks() >= giveUp) break;
            Net.NetworkStack.Kick(); // its timers end TIME_WAIT
            Tasks.Scheduler.Sleep(10);
        }

        Check(sockets == 0, "sockets still open 10 s after the program ended");
    }

    private static bool WriteFile(ReadOnlySpan<byte> path, ReadOnlySpan<byte> content)
    {
        Files.FileSystem.Lock();
        Aurora.Vfs.FileTable files = default;
        long fd = Files.FileSystem.Vfs.Open(ref files, path, Aurora.Vfs.OpenFlags.WriteOnly | Aurora.Vfs.OpenFlags.Create | Aurora.Vfs.OpenFlags.Truncate, 0x1A4);
        if (fd >= 0) Files.FileSystem.Vfs.Write(ref files, (int)fd, content);
        Files.FileSystem.Vfs.CloseAll(ref files);
        Files.FileSystem.Unlock();
        return fd >= 0;
    }

    /// <summary>The e1000 comes up with the MAC QEMU gives it, sends an ARP request for the
    /// gateway (RFC 826) and receives the gateway's reply.</summary>
    internal static void E1000ResolvesTheGatewayWithArp()
    {
        NetworkDevice? nic = NetworkDevices.First;
        Check(nic is E1000, "no e1000 network card registered");
        if (nic != null) GatewayAnswersArp(nic);
    }

    /// <summary>Whichever card the drivers bound first (virtio-net on arm64) does the same.</summary>
    internal static void CardResolvesTheGatewayWithArp()
    {
        NetworkDevice? nic = NetworkDevices.First;
        Check(nic != null, "no network card registered");
        if (nic != null) GatewayAnswersArp(nic);
    }

    /// <summary>An ARP request for the gateway through <paramref name="nic"/>'s own buffers, and
    /// the gateway's reply back through them; the card's MAC is QEMU's.</summary>
    internal static void GatewayAnswersArp(NetworkDevice nic)
    {
        byte* mac = stackalloc byte[6];
        nic.MacAddress(new Span<byte>(mac, 6));
        Check(mac[0] == 0x52 && mac[1] == 0x54 && mac[2] == 0x00, "the MAC is not QEMU's (52:54:00:...)");

        byte* frame = stackalloc byte[60];
        new Span<byte>(frame, 60).Clear();
        for (int i = 0; i < 6; i++) { frame[i] = 0xFF; frame[6 + i] = mac[i]; frame[22 + i] = mac[i]; }
        frame[12] = 0x08; frame[13] = 0x06;                 // EtherType ARP
        frame[14] = 0; frame[15] = 1;                       // hardware: Ethernet
        frame[16] = 0x08; frame[17] = 0x00;                 // protocol: IPv4
        frame[18] = 6; frame[19] = 4; frame[20] = 0; frame[21] = 1; // sizes, request
        frame[28] = 10; frame[29] = 0; frame[30] = 2; frame[31] = 15; // sender 10.0.2.15
        frame[38] = 10; frame[39] = 0; frame[40] = 2; frame[41] = 2;  // target 10.0.2.2
        // The network thread moves frames between the card and the stack under the stack's
        // lock: holding it keeps the card to this test. Frames go through the device interface
        // (a lent transmit buffer, lent received frames), as the stack's do.
        Net.NetworkStack.Lock();
        bool lent = nic.TryReserveTransmit(out Span<byte> buffer);
        Check(lent, "no transmit buffer was lent");
        if (lent)
        {
            new ReadOnlySpan<byte>(frame, 60).CopyTo(buffer);
            nic.Transmit(60);
        }

        byte* reply = stackalloc byte[2048];
        bool answered = false;
        ulong giveUp = Timer.Ticks() + 2000;
        while (!answered && Timer.Ticks() < giveUp)
        {
            if (!nic.TryReceive(out ReadOnlySpan<byte> received)) { Tasks.Scheduler.Sleep(1); continue; }
            int length = Math.Min(received.Length, 2048);
            received.Slice(0, length).CopyTo(new Span<byte>(reply, 2048));
            nic.ReleaseReceived();
            answered = length >= 42 && reply[12] == 0x08 && reply[13] == 0x06 && reply[21] == 2 &&
                reply[28] == 10 && reply[29] == 0 && reply[30] == 2 && reply[31] == 2 &&
                reply[38] == 10 && reply[41] == 15 && reply[32] == mac[0] && reply[37] == mac[5];
        }

        Net.NetworkStack.Unlock();
        Check(answered, "no ARP reply from the gateway within 2 s");
        Check(nic.LinkUp, "the link is down");
    }

    /// <summary>Frames no honest peer would send — too short, an IPv4 header claiming more bytes
    /// than the frame has, a bad header checksum, a header length below 20, a TCP segment with
    /// a data offset past its end, random bytes — go into the kernel's stack as if the card had
    /// received them: each is dropped and counted, the kernel keeps running, and the stack still
    /// answers the gateway afterwards.</summary>
    internal static void MalformedFramesAreDroppedAndCounted()
    {
        Check(Net.NetworkStack.IsUp, "the network stack is not up");
        if (!Net.NetworkStack.IsUp) return;
        byte* frame = stackalloc byte[128];
        byte* mac = stackalloc byte[6];
        Net.NetworkStack.Device.MacAddress(new Span<byte>(mac, 6));
        Net.NetworkStack.Lock();
        Aurora.Net.NetStatistics before = Net.NetworkStack.Interface.Statistics;
        ulong random = 0x2545F4914F6CDD1D;
        for (int kind = 0; kind < 6; kind++)
        {
            for (int round = 0; round < 50; round++)
            {
                int length = 60;
                for (int i = 0; i < 128; i++)
                {
                    random ^= random << 13;
                    random ^= random >> 7;
                    random ^= random << 17;
                    frame[i] = (byte)random;
                }

                // Addressed to us (our MAC), IPv4, version 4 / IHL 5, to 10.0.2.15.
                for (int i = 0; i < 6; i++) frame[i] = mac[i];
                frame[12] = 0x08; frame[13] = 0x00; frame[14] = 0x45;
                frame[30] = 10; frame[31] = 0; frame[32] = 2; frame[33] = 15;
                frame[16] = 0; frame[17] = 40;                                   // total length 40
                frame[20] = 0; frame[21] = 0;                                    // no fragmentation
                switch (kind)
                {
                    case 0: length = 10 + round % 4; break;                      // shorter than an Ethernet header
                    case 1: frame[16] = 0xFF; frame[17] = 0xFF; break;             // total length past the frame
                    case 2: break;                                                  // header checksum wrong (fixed below, then spoiled)
                    case 3: frame[14] = 0x42; break;                               // header length 8 bytes
                    case 4: frame[23] = 6; frame[46] = 0xF0; break;                // TCP data offset 60 in a 20-byte segment
                    default: length = 14 + (int)(random % 100); break;            // anything at all
                }

                if (kind >= 1 && kind <= 4) SetHeaderChecksum(frame + 14);
                if (kind == 2) frame[24] ^= 0x5A;

                Net.NetworkStack.Interface.Receive(new ReadOnlySpan<byte>(frame, length), Net.NetworkStack.NowMs);
            }
        }

        Aurora.Net.NetStatistics after = Net.NetworkStack.Interface.Statistics;
        Net.NetworkStack.Unlock();
        Check(after.FramesReceived - before.FramesReceived == 300, "not every frame was seen");
        Check(after.Truncated - before.Truncated >= 50, "frames shorter than an Ethernet header were not counted as truncated");
        Check(after.BadChecksum > before.BadChecksum, "a bad header checksum was not counted");
        Check(after.Malformed > before.Malformed, "a malformed header was not counted");
        Check(after.FramesDropped - before.FramesDropped >= 290, "malformed frames were not all dropped");
        // Still alive: ARP with the gateway works as before (through whichever card is bound).
        CardResolvesTheGatewayWithArp();
    }

    /// <summary>RFC 791 header checksum over the 20-byte header at <paramref name="header"/>.</summary>
    private static void SetHeaderChecksum(byte* header)
    {
        header[10] = 0;
        header[11] = 0;
        uint sum = 0;
        for (int i = 0; i < 20; i += 2) sum += (uint)((header[i] << 8) | header[i + 1]);
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        ushort checksum = (ushort)~sum;
        header[10] = (byte)(checksum >> 8);
        header[11] = (byte)checksum;
    }
}
