namespace Aurora.Sched;

/// <summary>What a run-queue operation reports instead of throwing. A refused call changes nothing.</summary>
public enum SchedError : byte
{
    /// <summary>Success.</summary>
    None,

    /// <summary>The entity is already queued (Add of a queued entity).</summary>
    AlreadyQueued,

    /// <summary>The entity is neither queued nor current (Remove of a blocked or never-added entity).</summary>
    NotQueued,

    /// <summary>The entity is the one running: it leaves through <see cref="RunQueue.PickNext"/>, not Add or Remove.</summary>
    IsCurrent,

    /// <summary>A null entity, an entity of weight 0, a zero latency or granularity, or storage
    /// that cannot hold the queued entities.</summary>
    InvalidArgument,

    /// <summary>The queue's storage is full (Add): give it more with <see cref="RunQueue.SetStorage"/>.</summary>
    QueueFull,
}
