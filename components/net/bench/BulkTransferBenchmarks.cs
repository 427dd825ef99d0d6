using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace Aurora.Net.Benchmarks;

public readonly unsafe struct NativeNetMemory : INetMemory
{
    public void* Allocate(nuint size) => NativeMemory.Alloc(size);

    public void Free(void* block) => NativeMemory.Free(block);
}

/// <summary>A device that hands every frame straight to the other interface (an ideal wire).</summary>
public unsafe struct PeerDevice : INetworkDevice
{
    public NetInterface<NativeNetMemory>* Peer;
    public ulong Now;
    public byte* Buffer;   // 1514 bytes, lent for each frame

    public bool TryReceive(out ReadOnlySpan<byte> frame)
    {
        frame = default;
        return false;   // frames arrive through Peer->Receive
    }

    public void ReleaseReceived() { }

    public bool TryReserveTransmit(out Span<byte> buffer)
    {
        buffer = new Span<byte>(Buffer, EthernetFrame.MaximumLength);
        return true;
    }

    public void Transmit(int length)
    {
        if (length > 0) Peer->Receive(new ReadOnlySpan<byte>(Buffer, length), Now);
    }
}

/// <summary>
/// 1 MiB of TCP bulk data from one end to the other: two Aurora stacks joined by an in-memory
/// wire (both stacks' work on one thread: segmentation, checksums, ACKs, copies), against the
/// host kernel's TCP over loopback (127.0.0.1, a sender task and a receiving thread) in the
/// same run. Both use 64 KiB socket buffers.
/// </summary>
[MemoryDiagnoser]
public unsafe class BulkTransferBenchmarks
{
    private const int Size = 1 << 20;
    private readonly byte[] _data = new byte[Size];
    private readonly byte[] _sink = new byte[65536];
    private NetInterface<NativeNetMemory>* _a;
    private NetInterface<NativeNetMemory>* _b;
    private int _client;
    private int _server;
    private ulong _now = 1;
    private byte* _wire;
    private Socket _hostClient = null!;
    private Socket _hostServer = null!;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_data);
        _wire = (byte*)NativeMemory.Alloc(EthernetFrame.MaximumLength);
        _a = Create(1);
        _b = Create(2);
        int listener = _b->OpenTcp();
        Check(_b->Bind(listener, Ipv4Address.Any, 80) == NetError.None && _b->Listen(listener, 1) == NetError.None, "listen");
        _client = _a->OpenTcp();
        Check(_a->Connect(_client, new Ipv4Address(10, 0, 0, 2), 80, _now) == NetError.InProgress, "connect");
        _server = -1;
        for (int i = 0; i < 100 && (_server < 0 || _a->GetTcpState(_client) != TcpState.Established); i++)
        {
            Pump();
            if (_server < 0) _server = _b->Accept(listener, out _, out _);
        }

        Check(_server >= 0, "accept");
        Check(AuroraTransfer() == Size, "aurora round");

        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listen.Listen(1);
        _hostClient = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendBufferSize = 65536 };
        _hostClient.Connect(listen.LocalEndPoint!);
        _hostServer = listen.Accept();
        _hostServer.ReceiveBufferSize = 65536;
        Check(HostLoopbackTransfer() == Size, "host round");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a->Dispose();
        _b->Dispose();
        NativeMemory.Free(_a);
        NativeMemory.Free(_b);
        NativeMemory.Free(_wire);
        _hostClient.Dispose();
        _hostServer.Dispose();
    }

    [Benchmark(Description = "Aurora TCP, two stacks, in-memory wire")]
    public long AuroraTransfer()
    {
        int sent = 0;
        long received = 0;
        while (received < Size)
        {
            if (sent < Size)
            {
                long n = _a->Write(_client, _data.AsSpan(sent));
                if (n > 0) sent += (int)n;
            }

            Pump();
            long r;
            while ((r = _b->Read(_server, _sink)) > 0) received += r;
        }

        return received;
    }

    [Benchmark(Baseline = true, Description = "Host kernel TCP, loopback socket pair")]
    public long HostLoopbackTransfer()
    {
        Task send = Task.Run(() =>
        {
            int sent = 0;
            while (sent < Size) sent += _hostClient.Send(_data, sent, Size - sent, SocketFlags.None);
        });
        long received = 0;
        while (received < Size) received += _hostServer.Receive(_sink);
        send.Wait();
        return received;
    }

    private void Pump()
    {
        _now++;
        var toB = new PeerDevice { Peer = _b, Now = _now, Buffer = _wire };
        _a->Poll(_now, ref toB);
        var toA = new PeerDevice { Peer = _a, Now = _now, Buffer = _wire };
        _b->Poll(_now, ref toA);
    }

    private static NetInterface<NativeNetMemory>* Create(byte n)
    {
        var iface = (NetInterface<NativeNetMemory>*)NativeMemory.AllocZeroed((nuint)sizeof(NetInterface<NativeNetMemory>));
        *iface = new NetInterface<NativeNetMemory>(default);
        var config = new InterfaceConfig
        {
            Mac = new MacAddress(2, 0, 0, 0, 0, n),
            Address = new Ipv4Address(10, 0, 0, n),
            Netmask = new Ipv4Address(255, 255, 255, 0),
            Seed = n,
        };
        Check(iface->Initialize(config) == NetError.None, "initialize");
        return iface;
    }

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new InvalidOperationException(what);
    }
}
