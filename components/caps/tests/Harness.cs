using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Caps.Tests;

/// <summary>Host memory (NativeMemory) with every block recorded, so tests prove the component
/// gives back exactly what it took; <see cref="FailAfter"/> makes allocations fail on demand.</summary>
public sealed unsafe class MemoryLedger : IDisposable
{
    private readonly Dictionary<nuint, nuint> _blocks = new();

    public int Outstanding => _blocks.Count;

    /// <summary>Allocations left before they start failing; negative = never fail.</summary>
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
        // Garbage, so code relying on zeroed memory fails.
        new Span<byte>(p, (int)size).Fill(0xA5);
        _blocks.Add((nuint)p, size);
        return p;
    }

    public void Free(void* p)
    {
        Assert.True(_blocks.TryGetValue((nuint)p, out nuint size), $"caps freed 0x{(nuint)p:x}, which it never got (or freed twice)");
        _blocks.Remove((nuint)p);
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

public readonly unsafe struct LedgerMemory : ICapsMemory
{
    private readonly MemoryLedger _ledger;

    public LedgerMemory(MemoryLedger ledger) => _ledger = ledger;

    public void* Allocate(nuint size) => _ledger.Allocate(size);

    public void Free(void* block) => _ledger.Free(block);
}

/// <summary>Token bytes from a seeded generator, or, when a script is queued, exactly the
/// scripted bytes (to force zero or duplicate tokens).</summary>
public sealed class RandomScript
{
    public readonly Random Random;
    public readonly Queue<byte[]> Scripted = new();
    public int Fills;

    public RandomScript(int seed) => Random = new Random(seed);
}

public readonly struct ScriptedRandom : IRandomSource
{
    private readonly RandomScript _script;

    public ScriptedRandom(RandomScript script) => _script = script;

    public void Fill(Span<byte> destination)
    {
        _script.Fills++;
        if (_script.Scripted.Count > 0)
        {
            _script.Scripted.Dequeue().AsSpan(0, destination.Length).CopyTo(destination);
        }
        else
        {
            _script.Random.NextBytes(destination);
        }
    }
}

/// <summary>An initialized capability space over a ledger; disposing checks every block came back.</summary>
public sealed class Harness : IDisposable
{
    public readonly MemoryLedger Ledger = new();
    public readonly RandomScript Script;
    public CapabilitySpace<LedgerMemory, ScriptedRandom> Caps;
    public readonly List<ulong> FreedPages = new();

    public Harness(int seed = 1)
    {
        Script = new RandomScript(seed);
        Caps = new CapabilitySpace<LedgerMemory, ScriptedRandom>(new LedgerMemory(Ledger), new ScriptedRandom(Script));
        Assert.Equal(CapsError.None, Caps.Initialize());
    }

    public int MintOk(int process, out CapabilityToken token)
    {
        long id = Caps.Mint(process, out token);
        Assert.True(id >= 0, $"mint: {(CapsError)(-id)}");
        return (int)id;
    }

    /// <summary>A process holding a new token that names a new queue; returns its id.</summary>
    public int QueueOk(int process, out CapabilityToken token)
    {
        MintOk(process, out token);
        long id = Caps.MessageGet(process, token, IpcFlags.Create);
        Assert.True(id >= 0, $"msgget: {(CapsError)(-id)}");
        return (int)id;
    }

    public int SegmentOk(int process, ulong size, out CapabilityToken token)
    {
        MintOk(process, out token);
        long id = Caps.SegmentGet(process, token, size, IpcFlags.Create);
        Assert.True(id >= 0, $"shmget: {(CapsError)(-id)}");
        return (int)id;
    }

    public int GrantOk(int from, in CapabilityToken token, int to, uint rights)
    {
        long id = Caps.Grant(from, token, to, rights);
        Assert.True(id >= 0, $"grant: {(CapsError)(-id)}");
        return (int)id;
    }

    public void SendOk(int process, int id, long type, byte[] text, int flags = 0)
        => Assert.Equal(CapsError.None, Caps.Send(process, id, type, text, flags));

    public (long Result, long Type, byte[] Text) Receive(int process, int id, int bufferSize, long type, int flags = 0)
    {
        var buffer = new byte[bufferSize];
        long n = Caps.Receive(process, id, buffer, type, flags, out long messageType);
        return (n, messageType, n >= 0 ? buffer.AsSpan(0, (int)n).ToArray() : Array.Empty<byte>());
    }

    public void Exit(int process)
    {
        var pages = new ulong[CapsLimits.MaxHoldingsPerProcess];
        long n = Caps.ProcessExited(process, pages);
        Assert.True(n >= 0, $"exit: {(CapsError)(-n)}");
        FreedPages.AddRange(pages.AsSpan(0, (int)n).ToArray());
    }

    public void Dispose()
    {
        Caps.Dispose();
        Assert.Equal(0, Ledger.Outstanding);
        Ledger.Dispose();
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
