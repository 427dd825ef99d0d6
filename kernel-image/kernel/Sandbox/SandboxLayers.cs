using System;
using Aurora.Kernel.Memory;

namespace Aurora.Kernel.Sandbox;

/// <summary>Rights a filesystem-view rule grants (OpenBSD unveil's "rwxc").</summary>
internal static class ViewRights
{
    internal const byte Read = 1, Write = 2, Execute = 4, Create = 8;
}

/// <summary>What a network rule allows (struct aurora_netrule's actions).</summary>
internal static class NetActions
{
    /// <summary>connect(2), and sendto/sendmsg with an address.</summary>
    internal const uint Connect = 1;
    internal const uint Bind = 2;
    internal const uint All = Connect | Bind;
}

/// <summary>
/// One sandbox layer (Landlock's ruleset, OpenBSD's unveil list): filesystem-view rules (a
/// canonical absolute path and its rights) and network rules (an IPv4 prefix, a port range,
/// actions). A layer restricts paths once it holds a path rule and the network once it holds
/// a network rule or was told to (netrule(NULL)); what it does not handle it leaves alone.
/// </summary>
internal unsafe struct SandboxLayer
{
    internal const int MaxPaths = 16, PathCapacity = 256, MaxNet = 8;
    internal const int HandlesPaths = 1, HandlesNetwork = 2;

    public ulong Id;
    public int Flags;
    public int PathCount;
    public int NetCount;
    public fixed byte Rights[MaxPaths];
    public fixed ushort Length[MaxPaths];
    public fixed byte Text[MaxPaths * PathCapacity];
    public fixed uint NetAction[MaxNet];
    /// <summary>Host order.</summary>
    public fixed uint NetAddress[MaxNet];
    public fixed byte NetPrefix[MaxNet];
    public fixed ushort NetFirstPort[MaxNet];
    public fixed ushort NetLastPort[MaxNet];

    public ReadOnlySpan<byte> Path(int i)
    {
        fixed (byte* text = Text) return new ReadOnlySpan<byte>(text + i * PathCapacity, Length[i]);
    }
}

/// <summary>
/// A process's sandbox layers, on the heap, shared by reference between a parent and the
/// children it forks (fork seals the last layer, so a shared block never changes; a process
/// that adds rules to a shared block gets its own copy first). A path or a connection is
/// allowed only if every layer allows it: layers only narrow.
/// </summary>
internal unsafe struct SandboxLayers
{
    internal const int MaxLayers = 4;

    /// <summary>The sandbox-layers lock (docs/architecture.md, "Locks"): every process's
    /// <c>Sandbox.Layers</c> pointer, every block's <see cref="References"/> and
    /// <see cref="Sealed"/>. A block's rules never change once a process points at it (a change
    /// is made on a private copy and published under this lock), so a check holds a reference,
    /// not the lock, while it walks.</summary>
    private static Sync.SpinLock s_lock;

    internal static bool Lock() => s_lock.Acquire();

    internal static void Unlock(bool interrupts) => s_lock.Release(interrupts);

    /// <summary>Processes holding this block, and checks in progress (under <see cref="s_lock"/>).</summary>
    public int References;
    public int Count;
    /// <summary>The last layer takes no more rules: the next rule starts a new layer.</summary>
    public bool Sealed;
    private byte _layers; // the first of MaxLayers layers

    public SandboxLayer* Layer(int i)
    {
        fixed (byte* first = &_layers) return (SandboxLayer*)((ulong)(first + 7) & ~7UL) + i;
    }

    internal static nuint Size => (nuint)(sizeof(SandboxLayers) + 8 + MaxLayers * sizeof(SandboxLayer));

    internal static SandboxLayers* Allocate()
    {
        var block = (SandboxLayers*)KernelMemory.Allocate(Size);
        if (block == null) return null;
        new Span<byte>(block, (int)Size).Clear();
        block->References = 1;
        return block;
    }

    internal static SandboxLayers* Copy(SandboxLayers* from)
    {
        SandboxLayers* block = Allocate();
        if (block == null) return null;
        new ReadOnlySpan<byte>(from, (int)Size).CopyTo(new Span<byte>(block, (int)Size));
        block->References = 1;
        return block;
    }

    internal static void Retain(SandboxLayers* block)
    {
        if (block == null) return;
        bool interrupts = s_lock.Acquire();
        block->References++;
        s_lock.Release(interrupts);
    }

    internal static void Release(SandboxLayers* block)
    {
        if (block == null) return;
        bool interrupts = s_lock.Acquire();
        bool last = --block->References == 0;
        s_lock.Release(interrupts);
        if (last) KernelMemory.Free(block); // the heap lock is never taken under s_lock
    }

    /// <summary>Whether any layer restricts <paramref name="what"/> (SandboxLayer.HandlesPaths, HandlesNetwork).</summary>
    public bool Handles(int what)
    {
        for (int l = 0; l < Count; l++) if ((Layer(l)->Flags & what) != 0) return true;
        return false;
    }

    /// <summary>
    /// The view's answer for <paramref name="path"/> (canonical, absolute) and the rights
    /// <paramref name="needed"/> (0: any right, a lookup such as stat): 0, -ENOENT when a layer
    /// hides it (no rule covers it, or the covering rule grants nothing), -EACCES when a layer
    /// shows it without the rights. The covering rule is the longest rule path that is the path
    /// itself or one of its ancestors.
    /// </summary>
    public long Check(ReadOnlySpan<byte> path, byte needed)
    {
        long result = 0;
        for (int l = 0; l < Count; l++)
        {
            SandboxLayer* layer = Layer(l);
            if ((layer->Flags & SandboxLayer.HandlesPaths) == 0) continue;
            int best = -1, bestLength = -1;
            for (int r = 0; r < layer->PathCount; r++)
            {
                ReadOnlySpan<byte> rule = layer->Path(r);
                if (rule.Length > bestLength && Covers(rule, path))
                {
                    best = r;
                    bestLength = rule.Length;
                }
            }

            byte rights = best < 0 ? (byte)0 : layer->Rights[best];
            if (rights == 0) return -Syscalls.Errno.ENOENT;
            if ((rights & needed) != needed) result = -Syscalls.Errno.EACCES;
        }

        return result;
    }

    /// <summary>Whether a walk may pass through directory <paramref name="path"/> on its way
    /// somewhere: every layer shows it, or has a rule below it that grants something (OpenBSD
    /// lets a walk cross the ancestors of an unveiled path, without showing them).</summary>
    public bool MayTraverse(ReadOnlySpan<byte> path)
    {
        for (int l = 0; l < Count; l++)
        {
            SandboxLayer* layer = Layer(l);
            if ((layer->Flags & SandboxLayer.HandlesPaths) == 0) continue;
            int best = -1, bestLength = -1;
            bool below = false;
            for (int r = 0; r < layer->PathCount; r++)
            {
                ReadOnlySpan<byte> rule = layer->Path(r);
                if (rule.Length > bestLength && Covers(rule, path))
                {
                    best = r;
                    bestLength = rule.Length;
                }

                if (layer->Rights[r] != 0 && Covers(path, rule)) below = true;
            }

            if (!below && (best < 0 || layer->Rights[best] == 0)) return false;
        }

        return true;
    }

    /// <summary>Whether every layer that handles the network has a rule allowing
    /// <paramref name="action"/> to <paramref name="address"/> (host order) and <paramref name="port"/>.</summary>
    public bool AllowsNetwork(uint action, uint address, ushort port)
    {
        for (int l = 0; l < Count; l++)
        {
            SandboxLayer* layer = Layer(l);
            if ((layer->Flags & SandboxLayer.HandlesNetwork) == 0) continue;
            bool allowed = false;
            for (int r = 0; r < layer->NetCount && !allowed; r++)
            {
                int prefix = layer->NetPrefix[r];
                uint mask = prefix == 0 ? 0 : ~0u << (32 - prefix);
                allowed = (layer->NetAction[r] & action) == action && (address & mask) == (layer->NetAddress[r] & mask) &&
                    port >= layer->NetFirstPort[r] && port <= layer->NetLastPort[r];
            }

            if (!allowed) return false;
        }

        return true;
    }

    /// <summary>Whether <paramref name="ancestor"/> is <paramref name="path"/> or one of its
    /// directories (by whole components: "/tmp/a" covers "/tmp/a/b", not "/tmp/ab").</summary>
    internal static bool Covers(ReadOnlySpan<byte> ancestor, ReadOnlySpan<byte> path)
    {
        if (ancestor.Length == 1 && ancestor[0] == (byte)'/') return true;
        if (path.Length < ancestor.Length || !path.Slice(0, ancestor.Length).SequenceEqual(ancestor)) return false;
        return path.Length == ancestor.Length || path[ancestor.Length] == (byte)'/';
    }
}
