namespace Aurora.Caps;

/// <summary>What a token names.</summary>
internal enum ObjectKind : byte
{
    None = 0,
    Queue = 1,
    Segment = 2,
}

/// <summary>One live token: its value, what it names, and how many processes hold it.</summary>
internal struct TokenEntry
{
    public CapabilityToken Value;
    /// <summary>Bumped each time the slot is freed, so holdings of an older token are stale.</summary>
    public uint Generation;
    public int Object;
    public int Holders;
    /// <summary>The account charged for the token (its minter's).</summary>
    public int Account;
    public bool Live;
    public ObjectKind Kind;
}

/// <summary>A process's holding of one token, the thing its id names.</summary>
internal struct Holding
{
    public int Token;
    public uint TokenGeneration;
    /// <summary>Bumped each time the slot is reused; the upper bits of the id (0 = never used).</summary>
    public uint Sequence;
    public byte Rights;
    public bool Used;
}

/// <summary>A queued message; the text (<see cref="Size"/> bytes) follows the header in the same block.</summary>
internal unsafe struct Message
{
    public Message* Next;
    public long Type;
    public long Size;
}

internal unsafe struct QueueEntry
{
    public Message* Head;
    public Message* Tail;
    public ulong Bytes;
    public ulong QueueBytes;
    public long SendTime;
    public long ReceiveTime;
    public long ChangeTime;
    public int Count;
    public int LastSender;
    public int LastReceiver;
    /// <summary>The account charged for the queue (its creator's).</summary>
    public int Account;
    public bool Live;
}

internal struct SegmentEntry
{
    public ulong Size;
    public ulong Pages;
    public long AttachTime;
    public long DetachTime;
    public long ChangeTime;
    public uint Generation;
    public int Attachments;
    public int Creator;
    public int LastOperator;
    /// <summary>The account charged for the segment (its creator's), until it is freed.</summary>
    public int Account;
    public bool Live;
    public bool Removed;
}

internal struct ProcessEntry
{
    public SyscallFilter Filter;
    /// <summary>The account the process's new objects are charged to, plus one (0: never set,
    /// the account with the process's own number).</summary>
    public int AccountPlusOne;
}
