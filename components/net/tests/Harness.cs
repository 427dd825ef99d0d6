using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>Host memory with every block recorded, so tests prove the stack gives back what it took.</summary>
public sealed unsafe class MemoryLedger : IDisposable
{
    private readonly Dictionary<nuint, nuint> _blocks = new();

    public int Outstanding => _blocks.Count;

    /// <summary>Bytes in the blocks not yet freed.</summary>
    public long Bytes
    {
        get
        {
            long total = 0;
            foreach (nuint size in _blocks.Values) total += (long)size;
            return total;
        }
    }

    /// <summary>Allocations left before they fail; negative = never.</summary>
    public long FailAfter { get; set; } = -1;

    public void* Allocate(nuint size)
    {
        if (FailAfter == 0)
        {
            return null;
        }

        if (FailAfter > 0)
        {
            FailAfter--;
        }

        Assert.True(size > 0, "zero-byte allocation");
        void* p = NativeMemory.Alloc(size);
        new Span<byte>(p, (int)size).Fill(0xA5);
        _blocks.Add((nuint)p, size);
        return p;
    }

    public void Free(void* p)
    {
        Assert.True(_blocks.Remove((nuint)p, out nuint size), "freed a block it never got (or twice)");
        new Span<byte>(p, (int)size).Fill(0x5A);
        NativeMemory.Free(p);
    }

    public void Dispose()
    {
        foreach (nuint p in _blocks.Keys)
        {
            NativeMemory.Free((void*)p);
        }

        _blocks.Clear();
    }
}

public readonly unsafe struct LedgerMemory : INetMemory
{
    private readonly MemoryLedger _ledger;

    public LedgerMemory(MemoryLedger ledger) => _ledger = ledger;

    public void* Allocate(nuint size) => _ledger.Allocate(size);

    public void Free(void* block) => _ledger.Free(block);
}

/// <summary>A device that records the frames the stack transmits and lends the frames in
/// <see cref="Incoming"/> for it to receive; <see cref="Refuse"/> makes it report a full ring.
/// Every loan is checked: one of each kind at a time, each ended exactly once.</summary>
public struct ListDevice : INetworkDevice
{
    public List<byte[]> Frames;
    public Queue<byte[]>? Incoming;
    public bool Refuse;
    public int ReceiveLoans, TransmitLoans;
    private byte[]? _rxLent;
    private byte[]? _txBuffer;
    private bool _txLent;

    public bool TryReceive(out ReadOnlySpan<byte> frame)
    {
        Assert.Null(_rxLent);
        frame = default;
        if (Incoming == null || Incoming.Count == 0)
        {
            return false;
        }

        _rxLent = Incoming.Dequeue();
        frame = _rxLent;
        ReceiveLoans++;
        return true;
    }

    public void ReleaseReceived()
    {
        Assert.NotNull(_rxLent);
        // The device reuses its buffer at once: a stack that kept a view would see this.
        Array.Fill(_rxLent!, (byte)0xEE);
        _rxLent = null;
    }

    public bool TryReserveTransmit(out Span<byte> buffer)
    {
        Assert.False(_txLent, "a second transmit buffer lent before the first was sent");
        buffer = default;
        if (Refuse)
        {
            return false;
        }

        _txBuffer ??= new byte[2048];
        Array.Fill(_txBuffer, (byte)0xCC);  // stale bytes must never leak into a frame
        _txLent = true;
        TransmitLoans++;
        buffer = _txBuffer;
        return true;
    }

    public void Transmit(int length)
    {
        Assert.True(_txLent, "Transmit without a lent buffer");
        _txLent = false;
        if (length == 0)
        {
            return;
        }

        Assert.InRange(length, EthernetFrame.MinimumLength, EthernetFrame.MaximumLength);
        Frames.Add(_txBuffer.AsSpan(0, length).ToArray());
    }

    public readonly bool Idle => _rxLent == null && !_txLent;
}

/// <summary>One Aurora interface with its memory ledger.</summary>
public sealed class Host : IDisposable
{
    public readonly MemoryLedger Ledger = new();
    public NetInterface<LedgerMemory> Iface;
    public readonly MacAddress Mac;
    public readonly Ipv4Address Ip;

    public Host(byte n, Action<InterfaceConfig>? tweak = null, Func<InterfaceConfig, InterfaceConfig>? configure = null)
    {
        Mac = new MacAddress(0x02, 0, 0, 0, 0, n);
        Ip = new Ipv4Address(10, 0, 0, n);
        var config = new InterfaceConfig
        {
            Mac = Mac,
            Address = Ip,
            Netmask = new Ipv4Address(255, 255, 255, 0),
            Gateway = new Ipv4Address(10, 0, 0, 254),
            Seed = 0x1234_5678_9ABC_DEF0UL * n,
        };
        if (configure != null)
        {
            config = configure(config);
        }

        Iface = new NetInterface<LedgerMemory>(new LedgerMemory(Ledger));
        Assert.Equal(NetError.None, Iface.Initialize(config));
    }

    public List<byte[]> Poll(ulong now)
    {
        var device = new ListDevice { Frames = new List<byte[]>() };
        Iface.Poll(now, ref device);
        Assert.True(device.Idle, "a buffer loan was not ended");
        return device.Frames;
    }

    public void Dispose()
    {
        Iface.Dispose();
        Assert.Equal(0, Ledger.Outstanding);
        Ledger.Dispose();
    }
}

/// <summary>Loss, duplication and reordering applied to IPv4 frames on the wire (ARP passes).</summary>
public sealed class Impairment
{
    public double Loss;
    public double Duplicate;
    public double Reorder;
    /// <summary>Drop every IPv4 frame (a dead peer); ARP still works.</summary>
    public bool DropAllIpv4;
    /// <summary>Milliseconds every frame takes on the wire (reordering adds to it).</summary>
    public ulong Latency = 1;
    public Func<byte[], bool>? DropIf;
}

/// <summary>
/// Two interfaces joined by an in-memory Ethernet link with 1 ms latency, a clock in
/// milliseconds and an optional impairment per direction.
/// </summary>
public sealed class Network : IDisposable
{
    public readonly Host A;
    public readonly Host B;
    public ulong Now = 1000;
    public readonly Impairment AtoB = new();
    public readonly Impairment BtoA = new();
    public readonly Random Random;
    public long FramesAtoB;
    public long FramesBtoA;
    private readonly List<(ulong At, long Order, bool ToB, byte[] Frame)> _inFlight = new();
    private long _order;

    public Network(int seed = 1, Func<InterfaceConfig, InterfaceConfig>? configure = null)
    {
        Random = new Random(seed);
        A = new Host(1, configure: configure);
        B = new Host(2, configure: configure);
    }

    public void Step(ulong ms = 1)
    {
        foreach (byte[] f in A.Poll(Now)) Send(f, true);
        foreach (byte[] f in B.Poll(Now)) Send(f, false);
        Now += ms;
        _inFlight.Sort((x, y) => x.At != y.At ? x.At.CompareTo(y.At) : x.Order.CompareTo(y.Order));
        int due = 0;
        while (due < _inFlight.Count && _inFlight[due].At <= Now) due++;
        var batch = _inFlight.GetRange(0, due);
        _inFlight.RemoveRange(0, due);
        foreach (var (_, _, toB, frame) in batch)
        {
            if (toB) B.Iface.Receive(frame, Now);
            else A.Iface.Receive(frame, Now);
        }
    }

    private void Send(byte[] frame, bool toB)
    {
        Impairment imp = toB ? AtoB : BtoA;
        if (toB) FramesAtoB++; else FramesBtoA++;
        bool ipv4 = frame[12] == 0x08 && frame[13] == 0x00;
        int copies = 1;
        ulong delay = imp.Latency;
        if (ipv4)
        {
            if (imp.DropAllIpv4 || (imp.DropIf != null && imp.DropIf(frame)) || Random.NextDouble() < imp.Loss) return;
            if (Random.NextDouble() < imp.Duplicate) copies = 2;
            if (Random.NextDouble() < imp.Reorder) delay += (ulong)Random.Next(1, 4);
        }

        for (int i = 0; i < copies; i++)
        {
            _inFlight.Add((Now + delay + (ulong)i, _order++, toB, frame));
        }
    }

    /// <summary>Steps until <paramref name="done"/> holds; fails after <paramref name="limitMs"/>.</summary>
    public void RunUntil(Func<bool> done, ulong limitMs = 120_000, string what = "condition", Func<string>? describe = null)
    {
        ulong end = Now + limitMs;
        while (!done())
        {
            Assert.True(Now < end, $"timed out waiting for {what}" + (describe != null ? $" ({describe()})" : ""));
            Step();
        }
    }

    /// <summary>Writes <paramref name="data"/> from A's <paramref name="client"/> as the window
    /// allows and reads it at B's <paramref name="server"/> until all of it arrived (fails after
    /// <paramref name="limitMs"/>); what B read, in order.</summary>
    public byte[] SendAToB(int client, int server, byte[] data, ulong limitMs)
    {
        var got = new List<byte>();
        int sent = 0;
        var buffer = new byte[65536];
        RunUntil(() =>
        {
            if (sent < data.Length)
            {
                long n = A.Iface.Write(client, data.AsSpan(sent));
                if (n > 0) sent += (int)n;
            }

            long r;
            while ((r = B.Iface.Read(server, buffer)) > 0) got.AddRange(buffer.AsSpan(0, (int)r).ToArray());
            return got.Count == data.Length;
        }, limitMs, "transfer");
        return got.ToArray();
    }

    public void Run(ulong ms)
    {
        ulong end = Now + ms;
        while (Now < end) Step();
    }

    /// <summary>A listening socket on B and a connected pair (A's handle, B's accepted handle).</summary>
    public (int Client, int Server, int Listener) Connect(ushort port = 80, int backlog = 4)
    {
        int listener = B.Iface.OpenTcp();
        Assert.True(listener >= 0);
        Assert.Equal(NetError.None, B.Iface.Bind(listener, Ipv4Address.Any, port));
        Assert.Equal(NetError.None, B.Iface.Listen(listener, backlog));
        int client = A.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, A.Iface.Connect(client, B.Ip, port, Now));
        int server = -1;
        RunUntil(() =>
        {
            if (server < 0) server = B.Iface.Accept(listener, out _, out _);
            return server >= 0 && A.Iface.GetTcpState(client) == TcpState.Established;
        }, what: "handshake");
        return (client, server, listener);
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}

/// <summary>Seeds for randomized tests: AURORA_SEED replays a failure, otherwise a fresh one.</summary>
internal static class TestSeed
{
    public static int Get()
    {
        string? text = Environment.GetEnvironmentVariable("AURORA_SEED");
        return text != null ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
    }
}

internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", ""));
}
