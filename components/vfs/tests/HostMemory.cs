using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>Host memory (NativeMemory) with every block recorded, so tests prove the VFS gives
/// back exactly what it took; <see cref="FailAfter"/> makes allocations fail on demand.</summary>
public sealed unsafe class MemoryLedger : IDisposable
{
    private readonly Dictionary<nuint, nuint> _blocks = new();

    public int Outstanding => _blocks.Count + _pages.Count;

    public ulong BytesOutstanding { get; private set; }

    public ulong Allocations { get; private set; }

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
        BytesOutstanding += size;
        Allocations++;
        return p;
    }

    public void Free(void* p)
    {
        Assert.True(_blocks.TryGetValue((nuint)p, out nuint size), $"VFS freed 0x{(nuint)p:x}, which it never got (or freed twice)");
        _blocks.Remove((nuint)p);
        BytesOutstanding -= size;
        new Span<byte>(p, (int)size).Fill(0x5A);
        NativeMemory.Free(p);
    }

    private readonly HashSet<nuint> _pages = new();

    /// <summary>File pages outstanding (part of <see cref="Outstanding"/>).</summary>
    public int PagesOutstanding => _pages.Count;

    public void* AllocatePage()
    {
        if (FailAfter == 0)
        {
            return null;
        }

        if (FailAfter > 0)
        {
            FailAfter--;
        }

        void* p = NativeMemory.AlignedAlloc(4096, 4096);
        new Span<byte>(p, 4096).Fill(0xA5);
        _pages.Add((nuint)p);
        Allocations++;
        return p;
    }

    public void FreePage(void* p)
    {
        Assert.True(_pages.Remove((nuint)p), $"VFS freed page 0x{(nuint)p:x}, which it never got as a page (or freed twice)");
        new Span<byte>(p, 4096).Fill(0x5A);
        NativeMemory.AlignedFree(p);
    }

    public void Dispose()
    {
        foreach (nuint p in _blocks.Keys)
        {
            NativeMemory.Free((void*)p);
        }

        foreach (nuint p in _pages)
        {
            NativeMemory.AlignedFree((void*)p);
        }

        _blocks.Clear();
        _pages.Clear();
    }
}

public readonly unsafe struct LedgerMemory : IVfsMemory
{
    private readonly MemoryLedger _ledger;

    public LedgerMemory(MemoryLedger ledger) => _ledger = ledger;

    public void* Allocate(nuint size) => _ledger.Allocate(size);

    public void Free(void* block) => _ledger.Free(block);

    public void* AllocatePage() => _ledger.AllocatePage();

    public void FreePage(void* page) => _ledger.FreePage(page);
}

/// <summary>A VFS with the root tmpfs mounted, one file table, and a ledger; disposing checks
/// that closing and disposing gives every block back.</summary>
public sealed class Harness : IDisposable
{
    public readonly MemoryLedger Ledger = new();
    public VirtualFileSystem<LedgerMemory> Vfs;
    public FileTable Files;

    public Harness(ulong capacityBytes = 0)
    {
        Vfs = new VirtualFileSystem<LedgerMemory>(new LedgerMemory(Ledger));
        Assert.Equal(VfsError.None, Vfs.Initialize(capacityBytes));
    }

    public static byte[] P(string path) => Encoding.UTF8.GetBytes(path);

    public long Open(string path, int flags, uint mode = 0x1A4) => Vfs.Open(ref Files, P(path), flags, mode);

    public int OpenOk(string path, int flags, uint mode = 0x1A4)
    {
        long fd = Open(path, flags, mode);
        Assert.True(fd >= 0, $"open {path}: {(VfsError)(-fd)}");
        return (int)fd;
    }

    public long Write(int fd, byte[] data) => Vfs.Write(ref Files, fd, data);

    public long Read(int fd, byte[] buffer) => Vfs.Read(ref Files, fd, buffer);

    public VfsError Close(int fd) => Vfs.Close(ref Files, fd);

    public VfsError Mkdir(string path, uint mode = 0x1ED) => Vfs.Mkdir(P(path), mode);

    public VfsError Stat(string path, out FileStatus status) => Vfs.Stat(P(path), out status);

    public FileStatus StatOk(string path)
    {
        Assert.Equal(VfsError.None, Stat(path, out FileStatus status));
        return status;
    }

    public void CreateFile(string path, byte[] contents)
    {
        int fd = OpenOk(path, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Truncate);
        Assert.Equal(contents.Length, Write(fd, contents));
        Assert.Equal(VfsError.None, Close(fd));
    }

    public byte[] ReadAll(string path)
    {
        int fd = OpenOk(path, OpenFlags.ReadOnly);
        var result = new List<byte>();
        var buffer = new byte[1000];
        long n;
        while ((n = Read(fd, buffer)) > 0)
        {
            result.AddRange(buffer.AsSpan(0, (int)n).ToArray());
        }

        Assert.Equal(0, n);
        Assert.Equal(VfsError.None, Close(fd));
        return result.ToArray();
    }

    /// <summary>Names in the directory (without "." and ".."), in readdir order, with types.</summary>
    public List<(string Name, byte Type, ulong Inode)> List(string path)
    {
        var names = new List<(string, byte, ulong)>();
        var buffer = new byte[256];
        for (long i = 2; ; )
        {
            long n = Vfs.ReadDirectory(P(path), i, buffer, out DirectoryEntry entry);
            i = entry.Offset;
            Assert.True(n >= 0, $"readdir {path}: {(VfsError)(-n)}");
            if (n == 0)
            {
                return names;
            }

            names.Add((Encoding.UTF8.GetString(buffer, 0, (int)n), entry.Type, entry.Inode));
        }
    }

    public void Dispose()
    {
        Vfs.CloseAll(ref Files);
        if (Vfs.IsInitialized)
        {
            Assert.Equal(VfsError.None, Vfs.Dispose());
        }

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
