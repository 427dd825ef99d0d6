using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Sandbox;

/// <summary>What a path operation needs from the filesystem view and the promises.</summary>
[Flags]
internal enum PathAccess
{
    /// <summary>Only to find the node (stat, access, readlink, chdir): any right, promise rpath.</summary>
    Look = 0,
    Read = 1,
    Write = 2,
    /// <summary>Create, remove or rename a name: right c, promise cpath.</summary>
    Create = 4,
    Execute = 8,
    /// <summary>Change attributes (chmod, chown, utimes): right w, promise fattr.</summary>
    Attributes = 16,
    /// <summary>Device nodes (mknod): right c, promise dpath.</summary>
    Device = 32,
    /// <summary>The last component is not followed when it is a symbolic link.</summary>
    NoFollow = 64,
    /// <summary>mount and umount2: never from a sandbox (a proc or tmpfs mounted inside the
    /// view would show what the view hides, or hide what it shows).</summary>
    Mount = 128,
}

/// <summary>
/// A process's sandbox (issue 15; docs/sandbox.md): its promises, its layers (filesystem view
/// and network rules, <see cref="SandboxLayers"/>) and the ids of those layers, which say which
/// processes are inside its sandbox. Everything here only narrows, and survives fork (the child
/// shares the sealed layers) and execve (which seals the last layer). A process with nothing
/// here is unrestricted and pays one test per hook.
/// </summary>
internal unsafe struct SandboxState
{
    /// <summary>Promises given up (0: none; see <see cref="Promises"/>).</summary>
    public ulong DroppedPromises;
    public SandboxLayers* Layers;
    /// <summary>The ids of the process's layers, outermost first (read under the process-table
    /// lock by kill: kept here, not in the shared block).</summary>
    public fixed ulong Domain[SandboxLayers.MaxLayers];
    public int Depth;

    /// <summary>Promises execve gives up (pledge's execpromises): the next program starts
    /// without them.</summary>
    public ulong ExecDroppedPromises;

    /// <summary>Refusals logged so far (Audit.cs).</summary>
    public int AuditLines;

    private static ulong s_nextLayerId = 1;

    public readonly bool IsRestricted => DroppedPromises != 0 || Depth != 0;

    /// <summary>Whether the process still holds every promise in <paramref name="promises"/>.</summary>
    public readonly bool Holds(ulong promises) => (DroppedPromises & promises) == 0;

    /// <summary>The sandbox-changes lock (docs/architecture.md, "Locks"): one change at a time
    /// to any process's sandbox (pledge, unveil, netrule, fork's inheritance), so two threads
    /// of one process cannot lose each other's rules or promises. Rare calls: one lock for all.</summary>
    private static Tasks.KernelMutex s_changes;

    internal static void LockChanges()
    {
        fixed (Tasks.KernelMutex* mutex = &s_changes) mutex->Acquire();
    }

    internal static void UnlockChanges()
    {
        fixed (Tasks.KernelMutex* mutex = &s_changes) mutex->Release();
    }

    /// <summary>The layers as they are now, held for a check (another thread of the process
    /// may publish new ones meanwhile; this block stays whole until <see cref="SandboxLayers.Release"/>).
    /// Null: no layers.</summary>
    public SandboxLayers* AcquireLayers()
    {
        bool interrupts = SandboxLayers.Lock();
        SandboxLayers* layers = Layers;
        if (layers != null) layers->References++;
        SandboxLayers.Unlock(interrupts);
        return layers;
    }

    /// <summary>fork (under the changes lock): the child shares the parent's layers, sealed
    /// (neither can add to the other's last layer), and its promises and domain. Never allocates.</summary>
    public void InheritFrom(ref SandboxState parent)
    {
        DroppedPromises = parent.DroppedPromises;
        ExecDroppedPromises = parent.ExecDroppedPromises;
        bool interrupts = SandboxLayers.Lock();
        if (parent.Layers != null)
        {
            parent.Layers->Sealed = true;
            parent.Layers->References++;
        }

        Layers = parent.Layers;
        SandboxLayers.Unlock(interrupts);
        Depth = parent.Depth;
        for (int i = 0; i < SandboxLayers.MaxLayers; i++) Domain[i] = parent.Domain[i];
    }

    /// <summary>execve, unveil(NULL, NULL): no more rules in the last layer.</summary>
    public void Seal()
    {
        bool interrupts = SandboxLayers.Lock();
        if (Layers != null) Layers->Sealed = true;
        SandboxLayers.Unlock(interrupts);
    }

    public void Release()
    {
        bool interrupts = SandboxLayers.Lock();
        SandboxLayers* old = Layers;
        Layers = null;
        SandboxLayers.Unlock(interrupts);
        SandboxLayers.Release(old);
    }

    /// <summary>Under the changes lock: a private copy of the layers to add rules to, and in
    /// <paramref name="layer"/> the layer they go to: the last one while it is open, else a new
    /// one (<paramref name="isNew"/>). Nobody sees the copy until <see cref="Publish"/>; a check
    /// in progress on another thread keeps judging by the block it holds. Null with -E2BIG after
    /// <see cref="SandboxLayers.MaxLayers"/> layers, -ENOMEM when the heap is out.</summary>
    public SandboxLayers* BeginChange(out SandboxLayer* layer, out bool isNew, out long error)
    {
        error = 0;
        layer = null;
        SandboxLayers* current = AcquireLayers(); // only this thread replaces it (changes lock)
        bool interrupts = SandboxLayers.Lock();
        isNew = current == null || current->Sealed;
        SandboxLayers.Unlock(interrupts);
        if (isNew && current != null && current->Count == SandboxLayers.MaxLayers)
        {
            SandboxLayers.Release(current);
            error = -Syscalls.Errno.E2BIG;
            return null;
        }

        SandboxLayers* block = current == null ? SandboxLayers.Allocate() : SandboxLayers.Copy(current);
        SandboxLayers.Release(current);
        if (block == null)
        {
            error = -Syscalls.Errno.ENOMEM;
            return null;
        }

        block->Sealed = false;
        if (!isNew)
        {
            layer = block->Layer(block->Count - 1);
            return block;
        }

        layer = block->Layer(block->Count);
        new Span<byte>(layer, sizeof(SandboxLayer)).Clear();
        interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        layer->Id = s_nextLayerId++;
        Hal.Cpu.RestoreInterrupts(interrupts);
        block->Count++;
        return block;
    }

    /// <summary>Makes the changed copy the process's layers (the old block goes when its last
    /// check ends); <paramref name="isNew"/>: the new layer's id joins the domain first, so from
    /// here on this process is inside the new sandbox for kill's check.</summary>
    public void Publish(SandboxLayers* block, bool isNew)
    {
        if (isNew) Domain[Depth++] = block->Layer(block->Count - 1)->Id;
        bool interrupts = SandboxLayers.Lock();
        SandboxLayers* old = Layers;
        Layers = block;
        SandboxLayers.Unlock(interrupts);
        SandboxLayers.Release(old);
    }

    /// <summary>Whether a process in this sandbox may signal (or change the limits of)
    /// <paramref name="target"/>: itself, or a process inside every layer this one is in (one
    /// it started after sandboxing, or a deeper sandbox of those). An unrestricted process may
    /// reach anyone.</summary>
    public readonly bool MayReach(in SandboxState target)
    {
        if (Depth == 0) return true;
        if (target.Depth < Depth) return false;
        for (int i = 0; i < Depth; i++) if (target.Domain[i] != Domain[i]) return false;
        return true;
    }

    /// <summary>The promises a path operation needs (any one of them will do).</summary>
    internal static ulong PromisesFor(PathAccess access)
    {
        ulong needed = 0;
        if ((access & PathAccess.Read) != 0) needed |= Promises.Rpath;
        if ((access & PathAccess.Write) != 0) needed |= Promises.Wpath;
        if ((access & PathAccess.Create) != 0) needed |= Promises.Cpath;
        if ((access & PathAccess.Execute) != 0) needed |= Promises.Exec;
        if ((access & PathAccess.Attributes) != 0) needed |= Promises.Fattr;
        if ((access & PathAccess.Device) != 0) needed |= Promises.Dpath;
        return needed;
    }

    /// <summary>The view rights a path operation needs.</summary>
    internal static byte RightsFor(PathAccess access)
    {
        byte needed = 0;
        if ((access & PathAccess.Read) != 0) needed |= ViewRights.Read;
        if ((access & (PathAccess.Write | PathAccess.Attributes)) != 0) needed |= ViewRights.Write;
        if ((access & (PathAccess.Create | PathAccess.Device)) != 0) needed |= ViewRights.Create;
        if ((access & PathAccess.Execute) != 0) needed |= ViewRights.Execute;
        return needed;
    }
}
