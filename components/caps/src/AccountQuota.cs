namespace Aurora.Caps;

/// <summary>
/// How much of each system-wide table one account may hold at once, so that one user (or one
/// process tree) filling its share leaves the rest for everyone else. A token is charged to the
/// account of the process that minted it until the token ends; a queue or segment to the account
/// of the process that created it (msgget/shmget with IPC_CREAT, or IPC_PRIVATE) until it is
/// freed. Going over a share is NoSpace (ENOSPC), as a full table is.
/// </summary>
public struct AccountQuota
{
    /// <summary>Most live tokens the account may have minted at once.</summary>
    public int Tokens;
    /// <summary>Most message queues the account may have created and not yet freed.</summary>
    public int Queues;
    /// <summary>Most shared-memory segments the account may have created and not yet
    /// freed.</summary>
    public int Segments;

    /// <summary>A quarter of each table (<see cref="CapsLimits.DefaultTokensPerAccount"/> …).</summary>
    public static AccountQuota Default => new AccountQuota
    {
        Tokens = CapsLimits.DefaultTokensPerAccount,
        Queues = CapsLimits.DefaultQueuesPerAccount,
        Segments = CapsLimits.DefaultSegmentsPerAccount,
    };
}

/// <summary>What one account holds now: live tokens it minted, queues and segments it created.</summary>
public struct AccountUsage
{
    /// <summary>Live tokens minted by the account's processes.</summary>
    public int Tokens;
    /// <summary>Message queues the account created that are not freed yet.</summary>
    public int Queues;
    /// <summary>Shared-memory segments the account created that are not freed yet (a removed
    /// segment still attached counts).</summary>
    public int Segments;

    /// <summary>Nothing charged: the kernel may give the account number to someone else.</summary>
    public readonly bool IsEmpty => Tokens == 0 && Queues == 0 && Segments == 0;
}
