using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>The kernel's network stack against the host's own TCP/IP stack (SPEC NET-1): the
/// host listens on 127.0.0.1 (TCP and UDP), QEMU's user network carries the guest's traffic to
/// it as 10.0.2.2, and a user program in the guest makes the socket calls.</summary>
public class HostNetworkTests
{
    [Fact]
    public async Task GuestProgramDoesTcpAndUdpRoundTripsWithTheHost()
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

        BootResult run = await Task.Run(() => QemuBoot.Boot(BootPath.GrubBios, $"test=hostnet.tcp_and_udp_round_trips_with_the_host net-peer-port={port} net-udp-port={udpPort}"));
        Task finished = await Task.WhenAny(server, Task.Delay(System.TimeSpan.FromSeconds(5)));
        Assert.True(finished == server, "the host never saw the connection:\n" + run);
        await server;
        Assert.Equal("hello from aurora over tcp\n", received);
        Assert.True(udpServer.IsCompleted, "the host never got the datagram:\n" + run);
        Assert.Equal("ping over udp", datagram);
        Assert.Contains("[test] hostnet.tcp_and_udp_round_trips_with_the_host ... PASS", run.Serial);
        Assert.Equal(BootResult.TestsPassed, run.ExitCode);
    }

    /// <summary>userland/sockapi.c with connections to its own listener: QEMU forwards a free
    /// host port (TCP and UDP) to the guest's 40200, and the guest connects to that port on
    /// 10.0.2.2 (the host), so both ends of each connection are the guest's.</summary>
    [Fact]
    public async Task GuestSocketApiReachesItsOwnListenerThroughTheHost()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BootResult run = await Task.Run(() => QemuBoot.Boot(BootPath.GrubBios, $"test=hostnet.socket_api_through_the_host net-loop-port={port}",
            network: $",hostfwd=tcp:127.0.0.1:{port}-:40200,hostfwd=udp:127.0.0.1:{port}-:40200"));
        Assert.True(run.Serial.Contains("[test] hostnet.socket_api_through_the_host ... PASS"), run.ToString());
        Assert.Equal(BootResult.TestsPassed, run.ExitCode);
    }
}
