using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace Aurora.Caps.Benchmarks;

/// <summary>
/// The IPC hot paths, Aurora.Caps against the host kernel's SysV message queues (glibc
/// msgget/msgsnd/msgrcv) in the same run: a 64-byte msgsnd + msgrcv round trip on one queue,
/// and finding a queue by its name (Aurora: a token among the process's holdings, compared in
/// constant time; host: msgget of an existing key). The host figures include the system call
/// entry and exit that Aurora's in-kernel calls do not pay (its syscall layer adds that), so
/// they are a ceiling to stay under, not a like-for-like race.
/// </summary>
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class IpcBenchmarks
{
    private const int Process = 1;
    private const int Crowded = 2;
    private const int MessageSize = 64;
    private const int HostKey = 0x41555243; // "AURC"

    private CapabilitySpace<NativeCapsMemory, BenchRandom> _caps;
    private int _queue;
    private CapabilityToken _token;
    private CapabilityToken _lastOfMany;
    private readonly byte[] _text = new byte[MessageSize];
    private readonly byte[] _received = new byte[MessageSize];

    private int _hostQueue;
    private int _hostKeyed;
    private byte* _hostMessage;    // struct msgbuf { long mtype; char mtext[64]; }
    private byte* _hostReceived;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_text);
        _caps = new CapabilitySpace<NativeCapsMemory, BenchRandom>(default, default);
        Require(_caps.Initialize() == CapsError.None, "Initialize");
        _queue = (int)_caps.MessageGetPrivate(Process, out _token);
        Require(_queue >= 0, "msgget(IPC_PRIVATE)");

        // A process holding the maximum: 64 tokens, the one looked up in the last slot.
        for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
        {
            Require(_caps.Mint(Crowded, out _lastOfMany) >= 0, "Mint");
        }

        _hostQueue = Libc.msgget(Libc.IpcPrivate, Libc.IpcCreat | 0x180);
        Libc.Check(_hostQueue >= 0, "msgget(IPC_PRIVATE)");
        _hostKeyed = Libc.msgget(HostKey, Libc.IpcCreat | 0x180);
        Libc.Check(_hostKeyed >= 0, "msgget(key)");
        _hostMessage = (byte*)NativeMemory.Alloc(8 + MessageSize);
        _hostReceived = (byte*)NativeMemory.Alloc(8 + MessageSize);
        *(long*)_hostMessage = 1;
        _text.CopyTo(new Span<byte>(_hostMessage + 8, MessageSize));

        // Both round trips must actually move the bytes.
        Require(AuroraRoundTrip() == MessageSize && _received.AsSpan().SequenceEqual(_text), "Aurora round trip");
        Require(HostRoundTrip() == MessageSize && new Span<byte>(_hostReceived + 8, MessageSize).SequenceEqual(_text), "host round trip");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Libc.msgctl(_hostQueue, Libc.IpcRmid, null);
        Libc.msgctl(_hostKeyed, Libc.IpcRmid, null);
        NativeMemory.Free(_hostMessage);
        NativeMemory.Free(_hostReceived);
        _caps.Dispose();
    }

    [BenchmarkCategory("round trip"), Benchmark(Baseline = true, Description = "host SysV: msgsnd+msgrcv 64 B")]
    public long HostRoundTrip()
    {
        Libc.msgsnd(_hostQueue, _hostMessage, MessageSize, 0);
        return Libc.msgrcv(_hostQueue, _hostReceived, MessageSize, 0, 0);
    }

    [BenchmarkCategory("round trip"), Benchmark(Description = "Aurora.Caps: Send+Receive 64 B")]
    public long AuroraRoundTrip()
    {
        _caps.Send(Process, _queue, 1, _text, 0);
        return _caps.Receive(Process, _queue, _received, 0, 0, out _);
    }

    [BenchmarkCategory("lookup"), Benchmark(Baseline = true, Description = "host SysV: msgget of an existing key")]
    public int HostKeyLookup() => Libc.msgget(HostKey, 0);

    [BenchmarkCategory("lookup"), Benchmark(Description = "Aurora.Caps: msgget by token, 1 holding")]
    public long AuroraTokenLookup() => _caps.MessageGet(Process, _token, 0);

    [BenchmarkCategory("lookup"), Benchmark(Description = "Aurora.Caps: Lookup by token, 64 holdings")]
    public long AuroraTokenLookupFull() => _caps.Lookup(Crowded, _lastOfMany);

    private static void Require(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException(what + " failed");
        }
    }
}
