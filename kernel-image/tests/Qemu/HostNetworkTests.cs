using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>The kernel's network stack against the host's own TCP/IP stack (SPEC NET-1): the
/// host listens on 127.0.0.1 (TCP and UDP), QEMU's user network carries the guest's traffic to
/// it as 10.0.2.2, and a user program in the guest makes the socket calls. The host halves are
/// shared with the arm64 machine (Aarch64HostNetworkTests): each takes the boot to run, given
/// the kernel options and the user network's extra options.</summary>
public class HostNetworkTests
{
    [Fact]
    public async Task GuestProgramDoesTcpAndUdpRoundTripsWithTheHost() =>
        Assert.Equal(BootResult.TestsPassed, (await TcpAndUdpRoundTrips((options, network) => QemuBoot.Boot(BootPath.GrubBios, options, network: network))).ExitCode);

    /// <summary>userland/sockapi.c with connections to its own listener: QEMU forwards a free
    /// host port (TCP and UDP) to the guest's 40200, and the guest connects to that port on
    /// 10.0.2.2 (the host), so both ends of each connection are the guest's.</summary>
    [Fact]
    public async Task GuestSocketApiReachesItsOwnListenerThroughTheHost() =>
        Assert.Equal(BootResult.TestsPassed, (await SocketApiThroughTheHost((options, network) => QemuBoot.Boot(BootPath.GrubBios, options, network: network))).ExitCode);

    /// <summary>userland/netbulk.c moves 4 MiB down (host → guest) and 4 MiB up through QEMU's
    /// user network; the host serves and checks the pattern (byte i is the top byte of a 64-bit
    /// LCG seeded with the length) and both sides compare FNV-1a digests, so a lost, duplicated
    /// or reordered byte anywhere fails. Throughput is measured by
    /// components/net/bench/qemu-throughput.py, not here.</summary>
    [Theory]
    [InlineData("e1000")]
    [InlineData("virtio-net-pci")]
    public async Task GuestMovesBulkDataBothWaysWithTheHostExactly(string nic) =>
        Assert.Equal(BootResult.TestsPassed, (await BulkTransferBothWays((options, network) => QemuBoot.Boot(BootPath.GrubBios, options, network: network, nic: nic),
            nic == "e1000" ? "e1000" : "virtio-net")).ExitCode);

    /// <summary>The host's TCP and UDP servers on 127.0.0.1 (an echo in capitals) for
    /// hostnet.tcp_and_udp_round_trips_with_the_host.</summary>
    internal static async Task<BootResult> TcpAndUdpRoundTrips(Func<string, string, BootResult> boot)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int udpPort = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        string? datagram = null;
        Task udpServer = Task.Run(async () =>
        {
            UdpReceiveResult request = await udp.ReceiveAsync();
            datagram = Encoding.ASCII.GetString(request.Buffer);
            await udp.SendAsync(Encoding.ASCII.GetBytes(datagram.ToUpperInvariant()), request.RemoteEndPoint);
        });
        string? received = null;
        Task server = Task.Run(async () =>
        {
            using TcpClient client = await listener.AcceptTcpClientAsync();
            NetworkStream stream = client.GetStream();
            var line = new StringBuilder();
            var buffer = new byte[256];
            while (!line.ToString().EndsWith('\n'))
            {
                int n = await stream.ReadAsync(buffer);
                if (n == 0) break;
                line.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            received = line.ToString();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(received.ToUpperInvariant()));
        });

        BootResult run = await Task.Run(() => boot($"test=hostnet.tcp_and_udp_round_trips_with_the_host net-peer-port={port} net-udp-port={udpPort}", ""));
        Task finished = await Task.WhenAny(server, Task.Delay(System.TimeSpan.FromSeconds(5)));
        Assert.True(finished == server, "the host never saw the connection:\n" + run);
        await server;
        Assert.Equal("hello from aurora over tcp\n", received);
        Assert.True(udpServer.IsCompleted, "the host never got the datagram:\n" + run);
        Assert.Equal("ping over udp", datagram);
        Assert.Contains("[test] hostnet.tcp_and_udp_round_trips_with_the_host ... PASS", run.Serial);
        Assert.False(run.TimedOut, run.ToString());
        Assert.Contains("1 passed, 0 failed", run.Serial);
        return run;
    }

    /// <summary>A free host port forwarded to the guest's 40200 for hostnet.socket_api_through_the_host.</summary>
    internal static async Task<BootResult> SocketApiThroughTheHost(Func<string, string, BootResult> boot)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BootResult run = await Task.Run(() => boot($"test=hostnet.socket_api_through_the_host net-loop-port={port}",
            $",hostfwd=tcp:127.0.0.1:{port}-:40200,hostfwd=udp:127.0.0.1:{port}-:40200"));
        Assert.True(run.Serial.Contains("[test] hostnet.socket_api_through_the_host ... PASS"), run.ToString());
        Assert.False(run.TimedOut, run.ToString());
        Assert.Contains("1 passed, 0 failed", run.Serial);
        return run;
    }

    /// <summary>The host's bulk server for hostnet.bulk_transfer_with_the_host; the guest names
    /// its card (<paramref name="device"/>, the driver's name) in its log.</summary>
    internal static async Task<BootResult> BulkTransferBothWays(Func<string, string, BootResult> boot, string device)
    {
        const int bytes = 4 * 1024 * 1024;
        byte[] expected = new byte[bytes];
        ulong x = bytes;
        for (int i = 0; i < bytes; i++)
        {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            expected[i] = (byte)(x >> 56);
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        string downAnswer = "", upResult = "";
        Task server = Task.Run(async () =>
        {
            for (int connection = 0; connection < 2; connection++)
            {
                using TcpClient client = await listener.AcceptTcpClientAsync();
                NetworkStream stream = client.GetStream();
                string request = await ReadLine(stream);
                if (request == $"down {bytes}")
                {
                    await stream.WriteAsync(expected);
                    client.Client.Shutdown(SocketShutdown.Send);
                    downAnswer = await ReadLine(stream);
                }
                else if (request == $"up {bytes}")
                {
                    byte[] got = new byte[bytes];
                    int have = 0;
                    while (have < bytes)
                    {
                        int n = await stream.ReadAsync(got.AsMemory(have));
                        if (n == 0) break;
                        have += n;
                    }

                    upResult = have == bytes && got.AsSpan().SequenceEqual(expected) ? "exact" : $"{have} bytes, different";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"ok {Fnv(got.AsSpan(0, have)):x16}\n"));
                }
            }
        });

        BootResult run = await Task.Run(() => boot($"test=hostnet.bulk_transfer_with_the_host net-bulk-port={port} net-bulk-bytes={bytes}", ""));
        Task finished = await Task.WhenAny(server, Task.Delay(System.TimeSpan.FromSeconds(10)));
        Assert.True(finished == server, "the host never saw both connections:\n" + run);
        await server;
        Assert.Equal($"ok {Fnv(expected):x16}", downAnswer);
        Assert.Equal("exact", upResult);
        Assert.True(run.Serial.Contains("netbulk: through " + device), run.ToString());
        Assert.True(run.Serial.Contains("[test] hostnet.bulk_transfer_with_the_host ... PASS"), run.ToString());
        Assert.False(run.TimedOut, run.ToString());
        Assert.Contains("1 passed, 0 failed", run.Serial);
        return run;
    }

    private static ulong Fnv(System.ReadOnlySpan<byte> data)
    {
        ulong h = 1469598103934665603UL;
        foreach (byte b in data) h = (h ^ b) * 1099511628211UL;
        return h;
    }

    private static async Task<string> ReadLine(NetworkStream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1 && one[0] != (byte)'\n') line.Append((char)one[0]);
        return line.ToString();
    }
}
