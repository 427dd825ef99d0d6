namespace Aurora.Caps;

/// <summary>What a holding of a token lets its process do (a bit set). A minter holds
/// <see cref="All"/>; a grant copies a subset.</summary>
public static class Rights
{
    /// <summary>msgsnd.</summary>
    public const uint Send = 1;
    /// <summary>msgrcv.</summary>
    public const uint Receive = 2;
    /// <summary>shmat with SHM_RDONLY.</summary>
    public const uint Map = 4;
    /// <summary>shmat writable (needs <see cref="Map"/> too).</summary>
    public const uint MapWrite = 8;
    /// <summary>Grant the token to another process (with these rights or fewer), and read the
    /// token bytes of an id (<c>CopyToken</c>).</summary>
    public const uint Grant = 16;
    /// <summary>Create the object a token names (IPC_CREAT), IPC_SET, IPC_RMID, revoke.</summary>
    public const uint Control = 32;
    /// <summary>Every right: what the minter of a token holds.</summary>
    public const uint All = Send | Receive | Map | MapWrite | Grant | Control;
}
