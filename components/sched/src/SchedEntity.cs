using System.Runtime.InteropServices;

namespace Aurora.Sched;

/// <summary>
/// The scheduler's part of a thread, embedded by value in the kernel's thread struct. A
/// <see cref="RunQueue"/> keeps queued entities' addresses in a tournament tree keyed by
/// (<see cref="VirtualRuntime"/>, <see cref="Id"/>) in storage the caller gave it, and each
/// entity records its place there, so queueing never allocates. While the entity is queued or
/// current it must not move or be copied (the tree holds its address), and a queued entity's
/// virtual runtime and id must not be written (the tree keeps copies as its keys).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct SchedEntity
{
    /// <summary>Set by the owner, unique per queue; breaks ties between equal virtual runtimes.</summary>
    public ulong Id;

    /// <summary>Weighted runtime in ns: advances by real ns * 1024 / <see cref="Weight"/>.</summary>
    public ulong VirtualRuntime;

    /// <summary>Load weight, normally <see cref="NiceWeights.Weight"/>; set through <see cref="RunQueue.SetNice"/> once queued.</summary>
    public uint Weight;

    /// <summary>Real ns charged to this entity by <see cref="RunQueue.Tick"/>, in total.</summary>
    public ulong TotalRuntimeNs;

    // Its leaf in the run queue's tournament tree while queued (EntityTournament).
    internal int Leaf;
    internal ulong SincePickedNs;
    internal EntityState State;

    /// <summary>In a run queue's tree, waiting to run (the current entity is not queued).</summary>
    public readonly bool IsQueued => State == EntityState.Queued;

    /// <summary>The entity a run queue is running.</summary>
    public readonly bool IsCurrent => State == EntityState.Current;

    /// <summary>Real ns charged since the entity was last picked to run.</summary>
    public readonly ulong RuntimeSincePickedNs => SincePickedNs;

    /// <summary>
    /// Resets the entity to a fresh, unqueued one with the given id and nice (virtual runtime 0;
    /// <see cref="RunQueue.Add"/> places it). Refused while it is queued or current.
    /// </summary>
    public SchedError Initialize(ulong id, int nice)
    {
        if (State == EntityState.Queued)
        {
            return SchedError.AlreadyQueued;
        }

        if (State == EntityState.Current)
        {
            return SchedError.IsCurrent;
        }

        this = default;
        Id = id;
        Weight = NiceWeights.Weight(nice);
        return SchedError.None;
    }
}

internal enum EntityState : byte
{
    Idle,
    Queued,
    Current,
}
