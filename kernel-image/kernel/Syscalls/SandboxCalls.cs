using System;
using Aurora.Caps;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Sandbox;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// The sandbox's own calls (Aurora numbers; docs/sandbox.md): pledge (1014) drops promises,
/// unveil (1015) adds a filesystem-view rule or seals the layer, netrule (1016) adds a network
/// rule. Each only narrows what the process (and everything it starts) may do.
/// </summary>
internal static unsafe class SandboxCalls
{
    private const int PromiseTextSize = 256;

    /// <summary>pledge(promises, execpromises): <paramref name="userPromises"/> is a space-separated
    /// list of promise names (Sandbox/Promises.cs) kept from now on, <paramref name="userExecPromises"/>
    /// the ones kept from the next execve on (OpenBSD's pair; either NULL changes nothing). Both
    /// survive fork and execve. EINVAL for an unknown name, EPERM for a promise the process no
    /// longer holds, EFAULT, ENAMETOOLONG past 255 bytes.</summary>
    internal static long Pledge(Process* process, ulong userPromises, ulong userExecPromises)
    {
        ulong kept = Promises.All, execKept = Promises.All;
        long error = userPromises == 0 ? 0 : ReadPromises(process, userPromises, out kept);
        if (error == 0 && userExecPromises != 0) error = ReadPromises(process, userExecPromises, out execKept);
        if (error != 0) return error;
        ref SandboxState sandbox = ref process->Sandbox;
        SandboxState.LockChanges(); // another thread of the process may be pledging too
        // OpenBSD: no promise comes back.
        if ((kept & sandbox.DroppedPromises) != 0 || (userExecPromises != 0 && (execKept & sandbox.DroppedPromises) != 0))
            error = Audit.Refused(process, "pledge", default, -Errno.EPERM, "promises only narrow");
        else if (userExecPromises != 0) sandbox.ExecDroppedPromises |= Promises.All & ~execKept;
        if (error == 0 && userPromises != 0) error = Narrow(process, kept);
        SandboxState.UnlockChanges();
        return error;
    }

    private static long ReadPromises(Process* process, ulong userText, out ulong kept)
    {
        kept = 0;
        byte* text = stackalloc byte[PromiseTextSize];
        long length = UserMemory.CopyString(process->Space, userText, new Span<byte>(text, PromiseTextSize));
        if (length < 0) return length == -Errno.ENAMETOOLONG || length == -Errno.EFAULT ? length : -Errno.EINVAL;
        return Promises.TryParse(new ReadOnlySpan<byte>(text, (int)length), out kept) ? 0 : -Errno.EINVAL;
    }

    /// <summary>execve: the promises pledge's execpromises gave up go now, before the new
    /// program runs (called once its path has passed the view).</summary>
    internal static long ApplyExecPromises(Process* process)
    {
        ulong dropped = process->Sandbox.ExecDroppedPromises;
        if (dropped == 0) return 0;
        SandboxState.LockChanges();
        long result = Narrow(process, Promises.All & ~(dropped | process->Sandbox.DroppedPromises));
        SandboxState.UnlockChanges();
        return result;
    }

    /// <summary>Keeps only <paramref name="kept"/>: the filter narrowed to their groups. Under
    /// the changes lock.</summary>
    private static long Narrow(Process* process, ulong kept)
    {
        ref SandboxState sandbox = ref process->Sandbox;
        // A pledged process is in a sandbox of its own for kill's check, even without rules.
        if (sandbox.Depth == 0)
        {
            SandboxLayers* block = sandbox.BeginChange(out _, out bool isNew, out long error);
            if (block == null) return error;
            sandbox.Publish(block, isNew);
        }

        SyscallFilterSpec spec = default;
        Promises.BuildFilter(kept, &spec);
        Ipc.Capabilities.Lock();
        process->SyscallFilterInstalled = true;
        CapsError result = Ipc.Capabilities.Space.InstallFilter(process->CapsHandle, spec);
        Ipc.Capabilities.Unlock();
        if (result != CapsError.None) return -(long)result;
        sandbox.DroppedPromises |= Promises.All & ~kept;
        // Without sysvipc, keys (ambient authority) are refused at their one check point.
        if ((kept & Promises.SysvIpc) == 0) process->AmbientIpcDenied = true;
        return 0;
    }

    /// <summary>unveil(path, permissions): the path (relative to the working directory; its real
    /// path is kept, links resolved) becomes visible with the rights of <paramref name="userRights"/>
    /// ("r", "w", "x", "c" in any order; "" hides it). unveil(NULL, NULL) seals the current
    /// layer: later rules start a new one, which can only narrow. EINVAL for another letter or
    /// one NULL argument, E2BIG past 16 rules in a layer or 4 layers, ENAMETOOLONG for a real
    /// path over 255 bytes, EFAULT.</summary>
    internal static long Unveil(Process* process, ulong userPath, ulong userRights)
    {
        ref SandboxState sandbox = ref process->Sandbox;
        if (userPath == 0 && userRights == 0)
        {
            SandboxState.LockChanges();
            sandbox.Seal();
            SandboxState.UnlockChanges();
            return 0;
        }

        if (userPath == 0 || userRights == 0) return -Errno.EINVAL;
        byte* letters = stackalloc byte[8];
        long count = UserMemory.CopyString(process->Space, userRights, new Span<byte>(letters, 8));
        if (count < 0) return count == -Errno.EFAULT ? count : -Errno.EINVAL;
        byte rights = 0;
        for (int i = 0; i < count; i++)
        {
            rights |= letters[i] switch
            {
                (byte)'r' => ViewRights.Read, (byte)'w' => ViewRights.Write, (byte)'x' => ViewRights.Execute,
                (byte)'c' => ViewRights.Create, _ => (byte)0xFF,
            };
        }

        if (rights == 0xFF || (rights & 0xF0) != 0) return -Errno.EINVAL;
        byte* path = PathResolver.AllocateBuffer();
        byte* real = PathResolver.AllocateBuffer();
        long result = path == null || real == null ? -Errno.ENOMEM : CopyRuleStart(process, userPath, path);
        if (result >= 0) result = FileView.RealPath(null, new ReadOnlySpan<byte>(path, (int)result), true, new Span<byte>(real, PathResolver.BufferSize));
        if (result >= 0)
        {
            // The user copies and the walk are done: the changes lock is below the
            // address-space lock (a copy's fault) and above the VFS lock.
            SandboxState.LockChanges();
            result = AddPathRule(ref sandbox, new ReadOnlySpan<byte>(real, (int)result), rights);
            SandboxState.UnlockChanges();
        }

        KernelMemory.Free(path);
        KernelMemory.Free(real);
        return result;
    }

    /// <summary>The rule's path made absolute from the working directory, unjudged by the view
    /// (a rule may name what the process cannot see: the layers intersect).</summary>
    private static long CopyRuleStart(Process* process, ulong userPath, byte* buffer)
    {
        long length = UserMemory.CopyString(process->Space, userPath, new Span<byte>(buffer, PathResolver.BufferSize));
        if (length <= 0) return length == 0 ? -Errno.ENOENT : length;
        if (buffer[0] == (byte)'/') return length;
        ReadOnlySpan<byte> cwd = process->WorkingDirectory.Path;
        if (cwd.Length + 1 + length > Vfs.VfsLimits.MaxPathLength) return -Errno.ENAMETOOLONG;
        new Span<byte>(buffer, (int)length).CopyTo(new Span<byte>(buffer + cwd.Length + 1, (int)length));
        cwd.CopyTo(new Span<byte>(buffer, cwd.Length));
        buffer[cwd.Length] = (byte)'/';
        return cwd.Length + 1 + length;
    }

    /// <summary>Under the changes lock: the rule goes into a private copy of the layers, which
    /// replaces them whole (another thread of the process may be checking a path meanwhile: it
    /// sees the old view or the new one, never a rule half written).</summary>
    private static long AddPathRule(ref SandboxState sandbox, ReadOnlySpan<byte> path, byte rights)
    {
        if (path.Length >= SandboxLayer.PathCapacity) return -Errno.ENAMETOOLONG;
        SandboxLayers* block = sandbox.BeginChange(out SandboxLayer* layer, out bool isNew, out long error);
        if (block == null) return error;
        // The same path again replaces its rights (OpenBSD).
        int index = layer->PathCount;
        for (int r = 0; r < layer->PathCount; r++)
        {
            if (layer->Path(r).SequenceEqual(path)) index = r;
        }

        if (index == SandboxLayer.MaxPaths)
        {
            SandboxLayers.Release(block);
            return -Errno.E2BIG;
        }

        if (index == layer->PathCount)
        {
            path.CopyTo(new Span<byte>(layer->Text + index * SandboxLayer.PathCapacity, path.Length));
            layer->Length[index] = (ushort)path.Length;
            layer->PathCount = index + 1;
        }

        layer->Rights[index] = rights;
        layer->Flags |= SandboxLayer.HandlesPaths;
        sandbox.Publish(block, isNew);
        return 0;
    }

    /// <summary>struct aurora_netrule (16 bytes; aurora.h).</summary>
    private struct NetworkRule
    {
        public uint Actions;
        /// <summary>Network order, as in sockaddr_in.</summary>
        public uint Address;
        public byte Prefix;
        public byte Reserved0;
        public ushort FirstPort;
        public ushort LastPort;
        public ushort Reserved1;
    }

    /// <summary>netrule(rule): from now on the current layer handles the network, and
    /// <paramref name="userRule"/> (when not NULL) is allowed: actions (1 connect and sendto to
    /// the address, 2 bind) to IPv4 addresses with the rule's first <c>prefix</c> bits (0-32) and
    /// ports first..last (host order). EINVAL for unknown actions, a prefix over 32, first &gt;
    /// last or reserved bytes set; E2BIG past 8 rules; EFAULT.</summary>
    internal static long AddNetworkRule(Process* process, ulong userRule)
    {
        NetworkRule rule = default;
        if (userRule != 0)
        {
            if (!UserMemory.CopyFrom(process->Space, userRule, new Span<byte>(&rule, sizeof(NetworkRule)))) return -Errno.EFAULT;
            if (rule.Actions == 0 || (rule.Actions & ~NetActions.All) != 0 || rule.Prefix > 32 || rule.FirstPort > rule.LastPort ||
                rule.Reserved0 != 0 || rule.Reserved1 != 0)
                return -Errno.EINVAL;
        }

        SandboxState.LockChanges(); // a private copy, published whole (AddPathRule)
        SandboxLayers* block = process->Sandbox.BeginChange(out SandboxLayer* layer, out bool isNew, out long error);
        if (block == null)
        {
            SandboxState.UnlockChanges();
            return error;
        }

        if (userRule != 0)
        {
            if (layer->NetCount == SandboxLayer.MaxNet)
            {
                SandboxLayers.Release(block);
                SandboxState.UnlockChanges();
                return -Errno.E2BIG;
            }

            int index = layer->NetCount;
            uint address = rule.Address;
            layer->NetAction[index] = rule.Actions;
            layer->NetAddress[index] = (address >> 24) | ((address >> 8) & 0xFF00) | ((address << 8) & 0xFF0000) | (address << 24);
            layer->NetPrefix[index] = rule.Prefix;
            layer->NetFirstPort[index] = rule.FirstPort;
            layer->NetLastPort[index] = rule.LastPort;
            layer->NetCount = index + 1;
        }

        layer->Flags |= SandboxLayer.HandlesNetwork;
        process->Sandbox.Publish(block, isNew);
        SandboxState.UnlockChanges();
        return 0;
    }

    /// <summary>The socket layer's one check: may the process connect (or send) to, or bind,
    /// this IPv4 address (host order) and port? 0 or -EACCES (Landlock's answer).</summary>
    internal static long CheckNetwork(Process* process, uint action, uint address, ushort port)
    {
        SandboxLayers* layers = process->Sandbox.AcquireLayers();
        bool allowed = layers == null || layers->AllowsNetwork(action, address, port);
        SandboxLayers.Release(layers);
        if (allowed) return 0;
        byte* text = stackalloc byte[24];
        int length = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            length += Decimal((address >> shift) & 0xFF, text + length);
            text[length++] = shift == 0 ? (byte)':' : (byte)'.';
        }

        length += Decimal(port, text + length);
        return Audit.Refused(process, action == NetActions.Bind ? "bind" : "connect", new ReadOnlySpan<byte>(text, length), -Errno.EACCES, "network rules");
    }

    private static int Decimal(uint value, byte* output)
    {
        byte* digits = stackalloc byte[10];
        int count = 0;
        do
        {
            digits[count++] = (byte)('0' + value % 10);
            value /= 10;
        }
        while (value != 0);
        for (int i = 0; i < count; i++) output[i] = digits[count - 1 - i];
        return count;
    }
}
