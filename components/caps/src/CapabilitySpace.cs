using System;

namespace Aurora.Caps;

/// <summary>
/// The capability space (SPEC IPC-1, SEC-5): 256-bit random tokens that name and authorize
/// message queues and shared-memory segments, each process's holdings of them (its ids), and
/// each process's syscall filter. The kernel serves msgget/msgsnd/msgrcv/msgctl,
/// shmget/shmat/shmdt/shmctl and Aurora's cap_* calls from it (<see cref="AuroraSyscalls"/>).
/// </summary>
/// <remarks>
/// <para>Return convention (as Aurora.Vfs): operations that produce a number (an id, a byte
/// count) return <c>long</c>, the number when ≥ 0 and <c>-(long)CapsError</c> when negative;
/// the others return <see cref="CapsError"/>. A failed operation changes nothing.</para>
/// <para>A process holds a token if it minted it, was granted it, or inherited it by fork.
/// Every token operation looks only among the caller's own holdings, comparing in constant
/// time: a process learns nothing about tokens it does not hold, and an id is an index into
/// its own table, so another process's ids reach nothing.</para>
/// <para>Not thread-safe: the kernel serialises calls (one IPC lock). The struct holds no GC
/// references, so it can be a static field; use that one instance by reference, never copy it.</para>
/// </remarks>
public unsafe partial struct CapabilitySpace<TMemory, TRandom>
    where TMemory : struct, ICapsMemory
    where TRandom : struct, IRandomSource
{
    // An id is (holding sequence << IdIndexBits) | holding index: positive, < 2^31.
    private const int IdIndexBits = 6;
    private const uint SequenceMask = (1u << 24) - 1;

    private TMemory _memory;
    private TRandom _random;
    private TokenEntry* _tokens;
    private Holding* _holdings;
    private QueueEntry* _queues;
    private SegmentEntry* _segments;
    private ProcessEntry* _processes;
    private AccountUsage* _accounts;
    private AccountQuota _quota;

    /// <summary>A space that will take its memory from <paramref name="memory"/> and its token
    /// bytes from <paramref name="random"/> (both copied in), with <see
    /// cref="AccountQuota.Default"/>. Nothing is allocated until <see
    /// cref="Initialize"/>.</summary>
    public CapabilitySpace(TMemory memory, TRandom random)
    {
        _memory = memory;
        _random = random;
        _quota = AccountQuota.Default;
    }

    /// <summary>Each account's share of the tables (<see cref="AccountQuota.Default"/>: a quarter
    /// of each). A lower share applies to new objects only; nothing already held is taken away.</summary>
    public AccountQuota Quota
    {
        readonly get => _quota;
        set => _quota = value;
    }

    /// <summary>The clock stamped into queue and segment times (msg_stime, shm_atime, …), in
    /// seconds; the kernel sets it before calls.</summary>
    public long Now { get; set; }

    /// <summary>Whether <see cref="Initialize"/> succeeded and <see cref="Dispose"/> has not run
    /// since.</summary>
    public readonly bool IsInitialized => _tokens != null;

    /// <summary>The memory source (a copy), for inspecting its own counters.</summary>
    public readonly TMemory Memory => _memory;

    /// <summary>Allocates the fixed tables (about 380 KiB, see README) in six blocks.
    /// InvalidArgument if already done; NoMemory (nothing kept) if an allocation fails.</summary>
    public CapsError Initialize()
    {
        if (_tokens != null)
        {
            return CapsError.InvalidArgument;
        }

        void* tokens = AllocateZeroed((nuint)(sizeof(TokenEntry) * CapsLimits.MaxTokens));
        void* holdings = AllocateZeroed((nuint)(sizeof(Holding) * CapsLimits.MaxProcesses * CapsLimits.MaxHoldingsPerProcess));
        void* queues = AllocateZeroed((nuint)(sizeof(QueueEntry) * CapsLimits.MaxQueues));
        void* segments = AllocateZeroed((nuint)(sizeof(SegmentEntry) * CapsLimits.MaxSegments));
        void* processes = AllocateZeroed((nuint)(sizeof(ProcessEntry) * CapsLimits.MaxProcesses));
        void* accounts = AllocateZeroed((nuint)(sizeof(AccountUsage) * CapsLimits.MaxAccounts));
        if (tokens == null || holdings == null || queues == null || segments == null || processes == null || accounts == null)
        {
            FreeIfSet(tokens);
            FreeIfSet(holdings);
            FreeIfSet(queues);
            FreeIfSet(segments);
            FreeIfSet(processes);
            FreeIfSet(accounts);
            return CapsError.NoMemory;
        }

        _tokens = (TokenEntry*)tokens;
        _holdings = (Holding*)holdings;
        _queues = (QueueEntry*)queues;
        _segments = (SegmentEntry*)segments;
        _processes = (ProcessEntry*)processes;
        _accounts = (AccountUsage*)accounts;
        return CapsError.None;
    }

    /// <summary>Frees every queued message and the tables. Segment pages are the kernel's: it
    /// frees them itself (this returns nothing for them).</summary>
    public void Dispose()
    {
        if (_tokens == null)
        {
            return;
        }

        for (int i = 0; i < CapsLimits.MaxQueues; i++)
        {
            if (_queues[i].Live)
            {
                FreeMessages(ref _queues[i]);
            }
        }

        _memory.Free(_tokens);
        _memory.Free(_holdings);
        _memory.Free(_queues);
        _memory.Free(_segments);
        _memory.Free(_processes);
        _memory.Free(_accounts);
        _tokens = null;
        _holdings = null;
        _queues = null;
        _segments = null;
        _processes = null;
        _accounts = null;
    }

    // ------------------------------------------------------------------ tokens

    /// <summary>
    /// cap_mint: a new token from the random source, held by <paramref name="process"/> with
    /// <see cref="Rights.All"/>; it names nothing until msgget/shmget with IPC_CREAT. Returns the
    /// process's id for it. NoSpace when the token table, the process's holdings or its account's
    /// share of tokens (<see cref="Quota"/>) are full;
    /// TryAgain when the source gave all zeros or a live token's value (a broken source).
    /// </summary>
    public long Mint(int process, out CapabilityToken token)
    {
        token = default;
        CapsError error = CheckProcess(process);
        if (error != CapsError.None)
        {
            return -(long)error;
        }

        int holdingIndex = FreeHoldingIndex(process);
        int slot = FreeTokenSlot();
        int account = AccountOfProcess(process);
        if (holdingIndex < 0 || slot < 0 || _accounts[account].Tokens >= _quota.Tokens)
        {
            return -(long)CapsError.NoSpace;
        }

        CapabilityToken candidate = default;
        _random.Fill(new Span<byte>(&candidate, CapsLimits.TokenSize));
        if (candidate.IsZero || FindLiveToken(candidate) >= 0)
        {
            return -(long)CapsError.TryAgain;
        }

        TokenEntry* entry = &_tokens[slot];
        entry->Value = candidate;
        entry->Live = true;
        entry->Kind = ObjectKind.None;
        entry->Object = -1;
        entry->Holders = 1;
        entry->Account = account;
        _accounts[account].Tokens++;
        token = candidate;
        return Hold(process, holdingIndex, slot, Rights.All);
    }

    /// <summary>
    /// The id of <paramref name="token"/> in <paramref name="process"/>'s holdings, or
    /// AccessDenied when it does not hold it (whether or not the token exists anywhere). Scans
    /// every holding with a constant-time compare and no early exit.
    /// </summary>
    public readonly long Lookup(int process, in CapabilityToken token)
    {
        CapsError error = CheckProcess(process);
        if (error != CapsError.None)
        {
            return -(long)error;
        }

        int index = FindHolding(process, token);
        if (index < 0)
        {
            return -(long)CapsError.AccessDenied;
        }

        return IdOf(index, HoldingAt(process, index)->Sequence);
    }

    /// <summary>
    /// cap_grant: gives <paramref name="target"/> a holding of <paramref name="token"/> with
    /// <paramref name="rights"/>, which must be a subset of the granter's (NotPermitted
    /// otherwise); the granter needs <see cref="Rights.Grant"/> (AccessDenied). If the target
    /// already holds the token the rights are added to its holding. Returns the target's id.
    /// InvalidArgument for a target out of range, zero or unknown rights.
    /// </summary>
    public long Grant(int process, in CapabilityToken token, int target, uint rights)
    {
        CapsError error = CheckProcess(process);
        if (error == CapsError.None)
        {
            error = CheckProcess(target);
        }

        if (error != CapsError.None)
        {
            return -(long)error;
        }

        if (rights == 0 || (rights & ~Rights.All) != 0)
        {
            return -(long)CapsError.InvalidArgument;
        }

        int index = FindHolding(process, token);
        if (index < 0)
        {
            return -(long)CapsError.AccessDenied;
        }

        Holding* granter = HoldingAt(process, index);
        if ((granter->Rights & Rights.Grant) == 0)
        {
            return -(long)CapsError.AccessDenied;
        }

        if ((rights & ~(uint)granter->Rights) != 0)
        {
            return -(long)CapsError.NotPermitted;
        }

        int slot = granter->Token;
        int existing = FindHolding(target, token);
        if (existing >= 0)
        {
            Holding* held = HoldingAt(target, existing);
            held->Rights |= (byte)rights;
            return IdOf(existing, held->Sequence);
        }

        int free = FreeHoldingIndex(target);
        if (free < 0)
        {
            return -(long)CapsError.NoSpace;
        }

        _tokens[slot].Holders++;
        return Hold(target, free, slot, rights);
    }

    /// <summary>
    /// cap_revoke: ends <paramref name="token"/> for every holder (needs <see cref="Rights.Control"/>):
    /// their ids answer Removed from now on, its queue and messages are freed, its segment is
    /// marked removed and freed at the last detach. <paramref name="pagesToFree"/> is the
    /// segment's page handle when it was freed now (no attachments), else 0.
    /// </summary>
    public CapsError Revoke(int process, in CapabilityToken token, out ulong pagesToFree)
    {
        pagesToFree = 0;
        CapsError error = CheckProcess(process);
        if (error != CapsError.None)
        {
            return error;
        }

        int index = FindHolding(process, token);
        if (index < 0)
        {
            return CapsError.AccessDenied;
        }

        Holding* holding = HoldingAt(process, index);
        if ((holding->Rights & Rights.Control) == 0)
        {
            return CapsError.AccessDenied;
        }

        pagesToFree = DestroyToken(holding->Token);
        return CapsError.None;
    }

    /// <summary>
    /// cap_release: <paramref name="process"/> gives up its holding behind <paramref name="id"/>
    /// (a revoked id too). When it was the last holder the token ends as by <see cref="Revoke"/>.
    /// </summary>
    public CapsError Release(int process, int id, out ulong pagesToFree)
    {
        pagesToFree = 0;
        CapsError error = ResolveId(process, id, out Holding* holding);
        if (error == CapsError.Removed)
        {
            holding->Used = false;
            return CapsError.None;
        }

        if (error != CapsError.None)
        {
            return error;
        }

        pagesToFree = Drop(holding);
        return CapsError.None;
    }

    /// <summary>cap_token: the token bytes behind <paramref name="id"/> (needs
    /// <see cref="Rights.Grant"/>), e.g. after msgget(IPC_PRIVATE), to pass to another process.</summary>
    public readonly CapsError CopyToken(int process, int id, out CapabilityToken token)
    {
        token = default;
        CapsError error = ResolveId(process, id, out Holding* holding);
        if (error != CapsError.None)
        {
            return error;
        }

        if ((holding->Rights & Rights.Grant) == 0)
        {
            return CapsError.AccessDenied;
        }

        token = _tokens[holding->Token].Value;
        return CapsError.None;
    }

    /// <summary>The rights of <paramref name="process"/>'s holding behind <paramref name="id"/>,
    /// or -errno.</summary>
    public readonly long RightsOf(int process, int id)
    {
        CapsError error = ResolveId(process, id, out Holding* holding);
        return error != CapsError.None ? -(long)error : holding->Rights;
    }

    // ------------------------------------------------------------------ processes

    /// <summary>
    /// fork: <paramref name="child"/> gets a copy of the parent's holdings under the same ids
    /// (like descriptors), the parent's account, and the parent's filter (always, as Linux
    /// seccomp filters are: a filtered process cannot shed its filter by forking). Exists when the child
    /// handle still holds something or has a filter (the kernel calls
    /// <see cref="ProcessExited"/> for a handle before reusing it).
    /// </summary>
    public CapsError ProcessForked(int parent, int child)
    {
        CapsError error = CheckProcess(parent);
        if (error == CapsError.None)
        {
            error = CheckProcess(child);
        }

        if (error != CapsError.None)
        {
            return error;
        }

        if (parent == child)
        {
            return CapsError.InvalidArgument;
        }

        if (_processes[child].Filter.IsInstalled)
        {
            return CapsError.Exists;
        }

        for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
        {
            if (IsValid(HoldingAt(child, i)))
            {
                return CapsError.Exists;
            }
        }

        for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
        {
            Holding* source = HoldingAt(parent, i);
            *HoldingAt(child, i) = *source;
            if (IsValid(source))
            {
                _tokens[source->Token].Holders++;
            }
        }

        _processes[child].Filter = _processes[parent].Filter;
        _processes[child].AccountPlusOne = AccountOfProcess(parent) + 1;

        return CapsError.None;
    }

    /// <summary>
    /// exit: drops every holding of <paramref name="process"/> (tokens it was the last holder of
    /// end as by <see cref="Revoke"/>; others, and the queues they name, stay), its filter and
    /// its account (objects stay charged to the account until they end).
    /// Detach the process's segments first (the kernel unmaps them anyway). Writes the page
    /// handles of segments freed now to <paramref name="pagesToFree"/>, which must have room for
    /// <see cref="CapsLimits.MaxHoldingsPerProcess"/> (InvalidArgument otherwise), and returns
    /// their count.
    /// </summary>
    public long ProcessExited(int process, Span<ulong> pagesToFree)
    {
        CapsError error = CheckProcess(process);
        if (error != CapsError.None)
        {
            return -(long)error;
        }

        if (pagesToFree.Length < CapsLimits.MaxHoldingsPerProcess)
        {
            return -(long)CapsError.InvalidArgument;
        }

        int count = 0;
        for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
        {
            Holding* holding = HoldingAt(process, i);
            if (IsValid(holding))
            {
                ulong pages = Drop(holding);
                if (pages != 0)
                {
                    pagesToFree[count++] = pages;
                }
            }

            *holding = default;
        }

        _processes[process] = default;
        return count;
    }

    /// <summary>Tokens <paramref name="process"/> holds (revoked ones not counted).</summary>
    public readonly int HoldingCount(int process)
    {
        if (CheckProcess(process) != CapsError.None)
        {
            return 0;
        }

        int count = 0;
        for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
        {
            if (IsValid(HoldingAt(process, i)))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Live tokens, system-wide.</summary>
    public readonly int TokenCount
    {
        get
        {
            int count = 0;
            for (int i = 0; _tokens != null && i < CapsLimits.MaxTokens; i++)
            {
                count += _tokens[i].Live ? 1 : 0;
            }

            return count;
        }
    }

    // ------------------------------------------------------------------ accounts

    /// <summary>
    /// Charges <paramref name="process"/>'s new tokens, queues and segments to
    /// <paramref name="account"/> (0 .. <see cref="CapsLimits.MaxAccounts"/>-1) from now on;
    /// fork passes the account to the child. The kernel calls it for each process it starts, so
    /// that a user (or a process tree) shares one <see cref="Quota"/>. InvalidArgument for a
    /// process or account out of range.
    /// </summary>
    public CapsError SetAccount(int process, int account)
    {
        CapsError error = CheckProcess(process);
        if (error != CapsError.None)
        {
            return error;
        }

        if ((uint)account >= CapsLimits.MaxAccounts)
        {
            return CapsError.InvalidArgument;
        }

        _processes[process].AccountPlusOne = account + 1;
        return CapsError.None;
    }

    /// <summary>The account <paramref name="process"/>'s new objects are charged to, or -errno.</summary>
    public readonly int AccountOf(int process)
    {
        CapsError error = CheckProcess(process);
        return error != CapsError.None ? -(int)error : AccountOfProcess(process);
    }

    /// <summary>What <paramref name="account"/> holds now (empty when out of range).</summary>
    public readonly AccountUsage UsageOf(int account)
    {
        return _accounts != null && (uint)account < CapsLimits.MaxAccounts ? _accounts[account] : default;
    }

    // ------------------------------------------------------------------ filters

    /// <summary>
    /// syscall_filter: narrows <paramref name="process"/>'s filter by <paramref name="spec"/>
    /// (intersection; see <see cref="SyscallFilter.Narrow"/>). InvalidArgument for unknown flags.
    /// </summary>
    public CapsError InstallFilter(int process, in SyscallFilterSpec spec)
    {
        CapsError error = CheckProcess(process);
        return error != CapsError.None ? error : _processes[process].Filter.Narrow(spec);
    }

    /// <summary>Whether <paramref name="process"/> may make syscall <paramref name="number"/>;
    /// O(1). False for a handle out of range or before Initialize.</summary>
    public readonly bool Allows(int process, ulong number)
    {
        if ((uint)process >= CapsLimits.MaxProcesses || _processes == null)
        {
            return false;
        }

        return _processes[process].Filter.Allows(number);
    }

    /// <summary>A copy of <paramref name="process"/>'s filter (default when out of range).</summary>
    public readonly SyscallFilter FilterOf(int process)
    {
        return CheckProcess(process) == CapsError.None ? _processes[process].Filter : default;
    }

    // ------------------------------------------------------------------ internals

    private void* AllocateZeroed(nuint size)
    {
        void* block = _memory.Allocate(size);
        if (block != null)
        {
            new Span<byte>(block, (int)size).Clear();
        }

        return block;
    }

    private void FreeIfSet(void* block)
    {
        if (block != null)
        {
            _memory.Free(block);
        }
    }

    private readonly CapsError CheckProcess(int process)
    {
        if (_tokens == null || (uint)process >= CapsLimits.MaxProcesses)
        {
            return CapsError.InvalidArgument;
        }

        return CapsError.None;
    }

    private readonly int AccountOfProcess(int process)
    {
        int plusOne = _processes[process].AccountPlusOne;
        return plusOne != 0 ? plusOne - 1 : process;
    }

    private readonly Holding* HoldingAt(int process, int index)
        => &_holdings[process * CapsLimits.MaxHoldingsPerProcess + index];

    private static int IdOf(int index, uint sequence) => (int)((sequence << IdIndexBits) | (uint)index);

    /// <summary>In use and its token still the one it was made for.</summary>
    private readonly bool IsValid(Holding* holding)
    {
        if (!holding->Used)
        {
            return false;
        }

        TokenEntry* token = &_tokens[holding->Token];
        return token->Live && token->Generation == holding->TokenGeneration;
    }

    /// <summary>
    /// The holding behind an id: InvalidArgument when the id is not one of the process's,
    /// Removed (with <paramref name="holding"/> set) when its token has ended.
    /// </summary>
    private readonly CapsError ResolveId(int process, int id, out Holding* holding)
    {
        holding = null;
        CapsError error = CheckProcess(process);
        if (error != CapsError.None)
        {
            return error;
        }

        if (id < 0)
        {
            return CapsError.InvalidArgument;
        }

        int index = id & ((1 << IdIndexBits) - 1);
        uint sequence = (uint)id >> IdIndexBits;
        Holding* candidate = HoldingAt(process, index);
        if (!candidate->Used || candidate->Sequence != sequence)
        {
            return CapsError.InvalidArgument;
        }

        holding = candidate;
        return IsValid(candidate) ? CapsError.None : CapsError.Removed;
    }

    /// <summary>
    /// The index of the process's valid holding of <paramref name="token"/>, or -1. Every slot
    /// is compared (constant time, no early exit), so the time depends only on how many tokens
    /// the process holds, never on the guess.
    /// </summary>
    private readonly int FindHolding(int process, in CapabilityToken token)
    {
        ulong found = 0;
        Holding* holdings = HoldingAt(process, 0);
        for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
        {
            if (IsValid(&holdings[i]))
            {
                ulong match = CapabilityToken.FixedTimeMatch(_tokens[holdings[i].Token].Value, token);
                found |= (ulong)(i + 1) & (0UL - match);
            }
        }

        return (int)found - 1;
    }

    private readonly int FindLiveToken(in CapabilityToken token)
    {
        ulong found = 0;
        for (int i = 0; i < CapsLimits.MaxTokens; i++)
        {
            if (_tokens[i].Live)
            {
                ulong match = CapabilityToken.FixedTimeMatch(_tokens[i].Value, token);
                found |= (ulong)(i + 1) & (0UL - match);
            }
        }

        return (int)found - 1;
    }

    private readonly int FreeHoldingIndex(int process)
    {
        for (int i = 0; i < CapsLimits.MaxHoldingsPerProcess; i++)
        {
            if (!IsValid(HoldingAt(process, i)))
            {
                return i;
            }
        }

        return -1;
    }

    private readonly int FreeTokenSlot()
    {
        for (int i = 0; i < CapsLimits.MaxTokens; i++)
        {
            if (!_tokens[i].Live)
            {
                return i;
            }
        }

        return -1;
    }

    private int Hold(int process, int index, int slot, uint rights)
    {
        Holding* holding = HoldingAt(process, index);
        uint sequence = (holding->Sequence + 1) & SequenceMask;
        holding->Sequence = sequence == 0 ? 1 : sequence;
        holding->Token = slot;
        holding->TokenGeneration = _tokens[slot].Generation;
        holding->Rights = (byte)rights;
        holding->Used = true;
        return IdOf(index, holding->Sequence);
    }

    /// <summary>Gives up one valid holding; ends the token when it was the last. Returns pages to free.</summary>
    private ulong Drop(Holding* holding)
    {
        int slot = holding->Token;
        holding->Used = false;
        TokenEntry* token = &_tokens[slot];
        token->Holders--;
        return token->Holders == 0 ? DestroyToken(slot) : 0;
    }

    /// <summary>Ends a token: every holding of it turns stale at once (generation), its queue
    /// goes, its segment is marked removed. Returns the segment's pages when it was freed now.</summary>
    private ulong DestroyToken(int slot)
    {
        TokenEntry* token = &_tokens[slot];
        ulong pagesToFree = 0;
        if (token->Kind == ObjectKind.Queue)
        {
            QueueEntry* queue = &_queues[token->Object];
            FreeMessages(ref *queue);
            _accounts[queue->Account].Queues--;
            *queue = default;
        }
        else if (token->Kind == ObjectKind.Segment)
        {
            pagesToFree = RemoveSegment(token->Object);
        }

        _accounts[token->Account].Tokens--;
        token->Live = false;
        token->Kind = ObjectKind.None;
        token->Value = default;
        token->Holders = 0;
        token->Generation++;
        return pagesToFree;
    }
}
