namespace Aurora.Caps;

/// <summary>
/// The syscall numbers the kernel serves from this component, all Aurora's own (1000 up): the
/// token-named message queues and segments keep the shapes of Linux's SysV calls (msgget,
/// shmat, ...) under numbers of their own, so Linux's numbers stay free for key_t IPC. The argument
/// conventions are in the README ("Syscall conventions").
/// </summary>
public static class AuroraSyscalls
{
    /// <summary>shmget(const u8 token[32] or NULL for a private segment, size_t size, int flags) →
    /// id.</summary>
    public const int ShmGet = 1010;
    /// <summary>shmat(int id, void *address, int flags) → the mapped address.</summary>
    public const int ShmAt = 1011;
    /// <summary>shmctl(int id, int command, struct shmid64_ds *buffer) → 0 (IPC_STAT, IPC_SET,
    /// IPC_RMID).</summary>
    public const int ShmCtl = 1013;
    /// <summary>shmdt(void *address) → 0.</summary>
    public const int ShmDt = 1012;
    /// <summary>msgget(const u8 token[32] or NULL for a private queue, int flags) → id.</summary>
    public const int MsgGet = 1006;
    /// <summary>msgsnd(int id, const struct msgbuf *message, size_t size, int flags) → 0.</summary>
    public const int MsgSnd = 1007;
    /// <summary>msgrcv(int id, struct msgbuf *message, size_t size, long type, int flags) → bytes
    /// received.</summary>
    public const int MsgRcv = 1008;
    /// <summary>msgctl(int id, int command, struct msqid64_ds *buffer) → 0 (IPC_STAT, IPC_SET,
    /// IPC_RMID).</summary>
    public const int MsgCtl = 1009;

    /// <summary>cap_mint(u8 token_out[32]) → id.</summary>
    public const int CapMint = 1000;
    /// <summary>cap_grant(const u8 token[32], pid_t target, u32 rights) → the target's id.</summary>
    public const int CapGrant = 1001;
    /// <summary>cap_revoke(const u8 token[32]) → 0.</summary>
    public const int CapRevoke = 1002;
    /// <summary>cap_release(int id) → 0.</summary>
    public const int CapRelease = 1003;
    /// <summary>cap_token(int id, u8 token_out[32]) → 0 (needs the Grant right).</summary>
    public const int CapToken = 1004;
    /// <summary>syscall_filter(const struct aurora_syscall_filter *filter) → 0.</summary>
    public const int InstallFilter = 1005;
}
