namespace Aurora.Caps;

/// <summary>Fixed capacities. Tables are allocated once by <see cref="CapabilitySpace{TMemory, TRandom}.Initialize"/>.</summary>
public static class CapsLimits
{
    /// <summary>Process handles are 0 .. MaxProcesses-1 (the kernel maps its PIDs onto them).</summary>
    public const int MaxProcesses = 1024;

    /// <summary>Tokens live at once, system-wide (each names at most one queue or segment).</summary>
    public const int MaxTokens = 1024;

    /// <summary>Tokens one process holds at once; its ids index this table.</summary>
    public const int MaxHoldingsPerProcess = 64;

    /// <summary>Message queues live at once (Linux MSGMNI is 32000; kept small and fixed here).</summary>
    public const int MaxQueues = 256;

    /// <summary>Shared-memory segments live at once, including removed ones still attached.</summary>
    public const int MaxSegments = 256;

    /// <summary>Accounts that objects are charged to are 0 .. MaxAccounts-1 (the kernel maps its
    /// users, or process trees, onto them; a process never given one is charged to the account
    /// with its own handle's number).</summary>
    public const int MaxAccounts = MaxProcesses;

    /// <summary>Default share of one account: live tokens it minted (a quarter of <see cref="MaxTokens"/>).</summary>
    public const int DefaultTokensPerAccount = MaxTokens / 4;

    /// <summary>Default share of one account: live queues it created (a quarter of <see cref="MaxQueues"/>).</summary>
    public const int DefaultQueuesPerAccount = MaxQueues / 4;

    /// <summary>Default share of one account: live segments it created, removed-but-attached
    /// ones included (a quarter of <see cref="MaxSegments"/>).</summary>
    public const int DefaultSegmentsPerAccount = MaxSegments / 4;

    /// <summary>MSGMAX: largest message text in bytes.</summary>
    public const int MaxMessageSize = 8192;

    /// <summary>MSGMNB: default (and highest settable) msg_qbytes of a queue.</summary>
    public const int MaxQueueBytes = 16384;

    /// <summary>Messages in one queue at once (Linux bounds the count only through msg_qbytes;
    /// zero-length messages make a separate bound necessary here).</summary>
    public const int MaxMessagesPerQueue = 512;

    /// <summary>Largest shared-memory segment in bytes (1 GiB).</summary>
    public const ulong MaxSegmentSize = 1UL << 30;

    /// <summary>Syscall numbers the filter bitmap covers (0 .. 1023); higher numbers follow the default.</summary>
    public const int FilterSyscallCount = 1024;

    /// <summary>Bytes in a token.</summary>
    public const int TokenSize = 32;
}
