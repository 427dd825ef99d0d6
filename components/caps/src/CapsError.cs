namespace Aurora.Caps;

/// <summary>
/// Why an operation failed, numbered like Linux x86_64 errno (asm-generic/errno-base.h and
/// errno.h), so the syscall layer returns <c>-(long)error</c> unchanged.
/// </summary>
public enum CapsError
{
    /// <summary>Success.</summary>
    None = 0,
    /// <summary>EPERM: raising a queue's byte limit above <see cref="CapsLimits.MaxQueueBytes"/>,
    /// granting rights the granter does not have, or a process handle out of range as a target.</summary>
    NotPermitted = 1,
    /// <summary>ENOENT: the token is held but names no queue or segment yet, and IPC_CREAT was not given.</summary>
    NoEntry = 2,
    /// <summary>E2BIG: the message is larger than the receiver's buffer and MSG_NOERROR was not given.</summary>
    TooBig = 7,
    /// <summary>EAGAIN: the queue is full (the kernel blocks the sender unless IPC_NOWAIT), or the
    /// random source gave a token that cannot be used (all zero or already live).</summary>
    TryAgain = 11,
    /// <summary>ENOMEM: the injected allocator returned null; nothing was changed.</summary>
    NoMemory = 12,
    /// <summary>EACCES: the process does not hold the token, or its holding lacks the right asked for.</summary>
    AccessDenied = 13,
    /// <summary>EEXIST: IPC_CREAT|IPC_EXCL on a token that already names an object; a fork into a
    /// child handle that still holds something.</summary>
    Exists = 17,
    /// <summary>EINVAL: an unknown id, command or flag, a message type ≤ 0, a size out of range,
    /// an id of the wrong kind (a queue id to shmat), a process handle out of range.</summary>
    InvalidArgument = 22,
    /// <summary>ENOSPC: a fixed table is full (tokens, queues, segments, a process's holdings).</summary>
    NoSpace = 28,
    /// <summary>ENOMSG: no message of the requested type (the kernel blocks the receiver unless IPC_NOWAIT).</summary>
    NoMessage = 42,
    /// <summary>EIDRM: the id's token was revoked or its object removed (IPC_RMID).</summary>
    Removed = 43,
}
