using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>The flood test (issue 13, robustness): while userland/netserve.c answers the host's
/// HTTP requests through QEMU's user network, the host writes raw Ethernet frames into a QEMU
/// socket netdev on the same hub as the guest's card (no privileges needed): random bytes,
/// truncated and broken IPv4/TCP headers, SYN floods and RST storms from forged addresses.
/// The server must keep answering, the kernel must not panic, and its counters must show the
/// junk dropped and counted (the in-kernel half, hostnet.flood_leaves_the_server_answering,
/// prints them). Random: the seed is in every failure message; AURORA_FLOOD_SEED=N replays it.</summary>
public class NetworkFloodTests(ITestOutputHelper output)
{
    private const int FloodSeconds = 20;
    private static readonly byte[] GuestMac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    private static readonly byte[] GuestIp = { 10, 0, 2, 15 };

    [Fact]
    public Task ServerKeepsAnsweringThroughJunkSynFloodsAndResetStorms() =>
        FloodAndCheck(output, (options, network, hubWith) => QemuBoot.Boot(BootPath.GrubBios, options, TimeSpan.FromSeconds(280), network: network, hubWith: hubWith));

    /// <summary>The test itself, for a boot of either architecture: <paramref name="boot"/>
    /// takes the kernel options, the user network's extra options and the hub's other netdev
    /// (Aarch64HostNetworkTests boots the arm64 image with it); QEMU's exit status when the
    /// tests passed is <paramref name="passedExitCode"/> (arm64 ends with PSCI SYSTEM_OFF: 0).</summary>
    internal static async Task FloodAndCheck(ITestOutputHelper output, Func<string, string, string, BootResult> boot, int passedExitCode = BootResult.TestsPassed)
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("AURORA_FLOOD_SEED"), out int given) ? given : Environment.TickCount;
        var random = new Random(seed);
        int http = FreePort(SocketType.Stream, ProtocolType.Tcp);
        int qemuPort = FreePort(SocketType.Dgram, ProtocolType.Udp);
        using var raw = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int hostPort = ((IPEndPoint)raw.Client.LocalEndPoint!).Port;
        Task<BootResult> booted = Task.Run(() => boot(
            "test=hostnet.flood_leaves_the_server_answering net-flood-seconds=200",
            $",hostfwd=tcp:127.0.0.1:{http}-:8080",
            $"socket,id=raw,udp=127.0.0.1:{hostPort},localaddr=127.0.0.1:{qemuPort}"));
        string Context(string what) => $"{what} (seed {seed}; replay with AURORA_FLOOD_SEED={seed})";

        // Booting under TCG on a loaded machine takes a while: wait for the first answer.
        var waited = Stopwatch.StartNew();
        bool up = false;
        while (!up && !booted.IsCompleted && waited.Elapsed < TimeSpan.FromSeconds(180))
        {
            up = await Get(http, "/", TimeSpan.FromSeconds(5)) == "hello\n";
            if (!up) await Task.Delay(500);
        }

        if (!up)
        {
            await Get(http, "/quit", TimeSpan.FromSeconds(5));
            Assert.Fail(Context("netserve never answered before the flood:\n" + await booted));
        }

        // Flood from one thread, ask from this one.
        long sent = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(FloodSeconds));
        Task flood = Task.Run(() =>
        {
            var target = new IPEndPoint(IPAddress.Loopback, qemuPort);
            byte[] frame = new byte[1514];
            while (!stop.IsCancellationRequested)
            {
                for (int i = 0; i < 32; i++)
                {
                    int length = MakeFrame(random, frame);
                    raw.Send(frame, length, target);
                    sent++;
                }

                Thread.Sleep(5);
            }
        });
        int answeredDuring = 0, unansweredDuring = 0;
        var latencies = new StringBuilder();
        while (!flood.IsCompleted)
        {
            var one = Stopwatch.StartNew();
            if (await Get(http, "/", TimeSpan.FromSeconds(15)) == "hello\n") answeredDuring++;
            else unansweredDuring++;
            latencies.Append($" {one.ElapsedMilliseconds}");
            await Task.Delay(250);
        }

        await flood;
        // The flood is over: every request is answered again.
        int answeredAfter = 0;
        for (int i = 0; i < 5; i++)
            if (await Get(http, "/", TimeSpan.FromSeconds(20)) == "hello\n") answeredAfter++;
        string stats = await Get(http, "/stats", TimeSpan.FromSeconds(20)) ?? "(no answer)";
        await Get(http, "/quit", TimeSpan.FromSeconds(20));
        BootResult run = await booted;
        string summary = $"{sent} frames sent; {answeredDuring} requests answered and {unansweredDuring} not during the flood, {answeredAfter} of 5 after; server: {stats}; ms per request during the flood:{latencies}";

        output.WriteLine(Context(summary));
        foreach (string line in run.Serial.Split('\n'))
            if (line.StartsWith("flood:", StringComparison.Ordinal) || line.StartsWith("netserve:", StringComparison.Ordinal)) output.WriteLine(line);
        Assert.False(run.Serial.Contains("KERNEL PANIC"), Context("the kernel panicked: " + summary + "\n" + run));
        // Before the ARP-storm and SYN-queue fixes 2 of 3 were answered (each waited seconds);
        // after them 28 of 28 (2 of them waited about 6 s).
        Assert.True(answeredDuring >= 4 && answeredDuring > unansweredDuring,
            Context("the server hardly answered during the flood: " + summary + "\n" + run));
        Assert.True(answeredAfter == 5, Context("requests after the flood went unanswered: " + summary + "\n" + run));
        Assert.True(run.Serial.Contains("flood: junk dropped and counted"), Context("the kernel printed no counters: " + summary + "\n" + run));
        Assert.True(run.Serial.Contains("[test] hostnet.flood_leaves_the_server_answering ... PASS"), Context(summary + "\n" + run));
        Assert.Equal(passedExitCode, run.ExitCode);
    }

    /// <summary>One frame of the flood in <paramref name="frame"/>; returns its length.</summary>
    private static int MakeFrame(Random random, byte[] frame)
    {
        int kind = random.Next(7);
        Span<byte> f = frame;
        random.NextBytes(frame);
        if (kind == 0) return random.Next(1, 1515); // anything, to any address (the card filters most)
        GuestMac.CopyTo(f);
        f[6] = 0x02; // a locally administered unicast source
        switch (kind)
        {
            case 1: // for the guest, any EtherType, any contents
                return random.Next(14, 1515);
            case 2: // IPv4 with a random header
                BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);
                return random.Next(14, 1515);
            case 3: // truncated: shorter than an IPv4 header, or an IPv4 header claiming more than came
                BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);
                f[14] = 0x45;
                BinaryPrimitives.WriteUInt16BigEndian(f[16..], 1500);
                return random.Next(15, 60);
            case 4: // a valid IPv4 header, TCP with a wrong checksum
            {
                int length = random.Next(54, 1515);
                Ipv4(f, length - 14, 6, Forged(random), GuestIp);
                return length;
            }
            case 5: // SYN flood: valid SYNs to netserve's port from forged addresses on the guest's network
                return Tcp(f, random, new byte[] { 10, 0, 2, (byte)random.Next(100, 200) }, 0x02);
            default: // RST storm: resets with random sequence numbers, also from the host's address
                return Tcp(f, random, random.Next(2) == 0 ? new byte[] { 10, 0, 2, 2 } : Forged(random), 0x04 | (random.Next(2) << 4));
        }
    }

    private static byte[] Forged(Random random) => new byte[] { (byte)random.Next(1, 224), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(1, 255) };

    private static void Ipv4(Span<byte> f, int totalLength, byte protocol, byte[] source, byte[] destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);
        Span<byte> ip = f[14..34];
        ip[0] = 0x45;
        ip[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // DF, no fragment
        ip[8] = 64;
        ip[9] = protocol;
        ip[10] = ip[11] = 0;
        source.CopyTo(ip[12..]);
        destination.CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip, 0));
    }

    /// <summary>A TCP segment with these flags to 10.0.2.15:8080, valid checksums, random
    /// source port, sequence and acknowledgement numbers, no payload.</summary>
    private static int Tcp(Span<byte> f, Random random, byte[] source, int flags)
    {
        Ipv4(f, 40, 6, source, GuestIp);
        Span<byte> tcp = f[34..54];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, (ushort)random.Next(1024, 65536));
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 8080);
        tcp[12] = 5 << 4;
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
        tcp[16] = tcp[17] = tcp[18] = tcp[19] = 0;
        uint pseudo = (uint)((source[0] << 8 | source[1]) + (source[2] << 8 | source[3]) + (GuestIp[0] << 8 | GuestIp[1]) + (GuestIp[2] << 8 | GuestIp[3]) + 6 + 20);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum(tcp, pseudo));
        return 54;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint sum)
    {
        for (int i = 0; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if ((data.Length & 1) != 0) sum += (uint)(data[^1] << 8);
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    private static int FreePort(SocketType type, ProtocolType protocol)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, type, protocol);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>The body of GET <paramref name="path"/> from netserve, or null (no connection,
    /// no answer in time, not a 200).</summary>
    private static async Task<string?> Get(int port, string path, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\n\r\n"), cancel.Token);
            var answer = new StringBuilder();
            byte[] buffer = new byte[4096];
            int n;
            while ((n = await stream.ReadAsync(buffer, cancel.Token)) > 0) answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
            string text = answer.ToString();
            int body = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            return text.StartsWith("HTTP/1.0 200", StringComparison.Ordinal) && body >= 0 ? text[(body + 4)..] : null;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }
}
