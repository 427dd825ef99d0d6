using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Aurora.Caps.Tests;

/// <summary>
/// Random mint/grant/revoke/release/msgget/msgsnd/msgrcv/msgctl/shmget/shmat/shmdt/shmctl/
/// fork/exit/filter/account operations by six simulated processes, checked against a model (per
/// process: 64 holding slots with sequence numbers, rights and the token they refer to; per
/// token: liveness, holders, its queue's messages or its segment's attachments and pages; per
/// process: the set of allowed syscall numbers and its account; per account: the tokens, queues
/// and segments charged to it against its share, small in most rounds so shares fill up often;
/// filters and accounts always pass to forked children). Every result — id, byte count, message, errno,
/// pages to free — must be the model's. Tokens are drawn from every token ever minted (dead ones
/// included) and from one-bit forgeries; ids from every id any process ever had, so processes
/// keep trying ids and tokens that are not theirs. After each round every process exits and the
/// memory ledger must be back to the six tables and every account empty, then to zero. The seed is in every failure
/// message; replay with AURORA_SEED=&lt;seed&gt; dotnet test components/caps/tests.
/// </summary>
public class RandomizedTests
{
    private const int Rounds = 4;
    private const int OperationsPerRound = 50_000;

    [Fact]
    public void RandomOperationsMatchTheModel()
    {
        int seed = TestSeed.Get();
        var tally = new Dictionary<string, (int Ok, int Failed)>();
        for (int round = 0; round < Rounds; round++)
        {
            new ModelRun(seed, round, tally).Run(OperationsPerRound);
        }

        // The generator must exercise both outcomes of every operation, or it tests nothing.
        // (mint fails only on a full table, which the unit tests cover; it must succeed often.)
        Assert.True(tally["mint"].Ok >= 1000, $"seed={seed}: mint ok={tally["mint"].Ok}");
        Assert.True(tally.TryGetValue("share full", out var full) && full.Failed >= 50, $"seed={seed}: account shares filled {full.Failed} times");
        foreach (string op in new[] { "grant", "revoke", "release", "msgget", "msgsnd", "msgrcv", "msgctl", "shmget", "shmat", "shmdt", "shmctl", "fork", "account" })
        {
            Assert.True(tally.TryGetValue(op, out var t) && t.Ok >= 50 && t.Failed >= 50, $"seed={seed}: {op} ok={t.Ok} failed={t.Failed}");
        }
    }

    private sealed class ModelToken
    {
        public byte[] Bytes = [];
        public CapabilityToken Value;
        public bool Live = true;
        public int Holders = 1;
        public int Account;                    // the minter's
        public int QueueAccount;               // the queue's creator's
        public int Kind;                       // 0 none, 1 queue, 2 segment
        public List<(long Type, byte[] Text)> Messages = new();
        public ulong QueueBytes = CapsLimits.MaxQueueBytes;
        public ModelSegment? Segment;
    }

    private sealed class ModelSegment
    {
        public ulong Size;
        public ulong Pages;
        public int Account;
        public int Attachments;
        public bool Removed;
        public bool Live = true;
    }

    private struct Slot
    {
        public bool Used;
        public uint Sequence;
        public ModelToken? Token;
        public uint Rights;
    }

    private sealed class ModelProcess
    {
        public Slot[] Slots = new Slot[CapsLimits.MaxHoldingsPerProcess];
        public bool[] Allowed = Enumerable.Repeat(true, CapsLimits.FilterSyscallCount + 1).ToArray();
        public bool Installed;
        public int Account;
        public List<(ulong Handle, ModelSegment Segment)> Attachments = new();

        public bool Valid(int i) => Slots[i].Used && Slots[i].Token!.Live;
    }

    private sealed class ModelRun
    {
        private const int Processes = 6;
        private readonly Random _random;
        private readonly string _context;
        private readonly Dictionary<string, (int Ok, int Failed)> _tally;
        private const int Accounts = 8;
        private readonly ModelProcess[] _processes = Enumerable.Range(0, Processes).Select(i => new ModelProcess { Account = i }).ToArray();
        private AccountQuota _quota = AccountQuota.Default;
        private readonly List<ModelToken> _tokens = new();
        private readonly List<int> _ids = new();
        private Harness _h = null!;
        private ulong _nextPages = 0x1000;
        private int _operation;
        private string _what = "";

        public ModelRun(int seed, int round, Dictionary<string, (int, int)> tally)
        {
            _random = new Random(unchecked((seed * 397) ^ (round + 1)));
            _context = $"seed={seed} round={round}";
            _tally = tally;
        }

        private void Check(bool condition, string detail)
        {
            if (!condition)
            {
                Assert.Fail($"{_context} op#{_operation} {_what}: {detail}");
            }
        }

        private void Expect<T>(T expected, T actual, string op, bool success)
        {
            Check(EqualityComparer<T>.Default.Equals(expected, actual), $"expected {expected}, got {actual}");
            var t = _tally.GetValueOrDefault(op);
            _tally[op] = success ? (t.Ok + 1, t.Failed) : (t.Ok, t.Failed + 1);
        }

        private static long Fail(CapsError e) => -(long)e;

        private void ShareFull()
        {
            var t = _tally.GetValueOrDefault("share full");
            _tally["share full"] = (t.Ok, t.Failed + 1);
        }

        public void Run(int operations)
        {
            using (_h = new Harness(_random.Next()))
            {
                // Small shares in most rounds, so accounts fill up often; the defaults in one.
                if (_context.EndsWith("round=0", StringComparison.Ordinal) == false)
                {
                    _quota = new AccountQuota { Tokens = _random.Next(4, 40), Queues = _random.Next(2, 12), Segments = _random.Next(2, 12) };
                    _h.Caps.Quota = _quota;
                }

                for (_operation = 0; _operation < operations; _operation++)
                {
                    Step();
                    if (_operation % 1000 == 0)
                    {
                        CheckCounts();
                    }
                }

                for (int p = 0; p < Processes; p++)
                {
                    Exit(p);
                }

                _what = "end";
                CheckCounts();
                Check(_h.Caps.TokenCount == 0 && _h.Caps.SegmentCount == 0, "objects left after every process exited");
                Check(_h.Ledger.Outstanding == 6, $"ledger holds {_h.Ledger.Outstanding} blocks, want the 6 tables");
                for (int a = 0; a < Accounts; a++)
                {
                    Check(_h.Caps.UsageOf(a).IsEmpty, $"account {a} still charged");
                }
            }
        }

        private void CheckCounts()
        {
            Check(_h.Caps.TokenCount == _tokens.Count(t => t.Live), "token count");
            int segments = _tokens.Where(t => t.Segment != null).Select(t => t.Segment!).Distinct().Count(s => s.Live);
            Check(_h.Caps.SegmentCount == segments, "segment count");
            int messages = _tokens.Where(t => t.Live).Sum(t => t.Messages.Count);
            Check(_h.Ledger.Outstanding == 6 + messages, $"ledger {_h.Ledger.Outstanding} blocks, model {6 + messages}");
            for (int a = 0; a < Accounts; a++)
            {
                AccountUsage usage = _h.Caps.UsageOf(a);
                Check(usage.Tokens == TokensOf(a) && usage.Queues == QueuesOf(a) && usage.Segments == SegmentsOf(a),
                    $"account {a}: caps {usage.Tokens}/{usage.Queues}/{usage.Segments}, model {TokensOf(a)}/{QueuesOf(a)}/{SegmentsOf(a)}");
            }
            for (int p = 0; p < Processes; p++)
            {
                Check(_h.Caps.AccountOf(p) == _processes[p].Account, $"account of {p}");
                Check(_h.Caps.HoldingCount(p) == Enumerable.Range(0, 64).Count(_processes[p].Valid), $"holding count of {p}");
                for (int n = 0; n < 8; n++)
                {
                    ulong number = (ulong)_random.Next(1100);
                    bool allowed = _processes[p].Allowed[Math.Min((int)number, CapsLimits.FilterSyscallCount)];
                    Check(_h.Caps.Allows(p, number) == allowed, $"filter of {p} on {number}");
                }
            }
        }

        // ------------------------------------------------------------ model helpers

        private static int IdOf(int index, uint sequence) => (int)((sequence << 6) | (uint)index);

        private int FindHolding(int p, byte[] token)
        {
            for (int i = 0; i < 64; i++)
            {
                if (_processes[p].Valid(i) && _processes[p].Slots[i].Token!.Bytes.AsSpan().SequenceEqual(token))
                {
                    return i;
                }
            }

            return -1;
        }

        private int FreeSlot(int p)
        {
            for (int i = 0; i < 64; i++)
            {
                if (!_processes[p].Valid(i))
                {
                    return i;
                }
            }

            return -1;
        }

        private int Hold(int p, int index, ModelToken token, uint rights)
        {
            ref Slot slot = ref _processes[p].Slots[index];
            uint sequence = (slot.Sequence + 1) & ((1u << 24) - 1);
            slot.Sequence = sequence == 0 ? 1 : sequence;
            slot.Used = true;
            slot.Token = token;
            slot.Rights = rights;
            int id = IdOf(index, slot.Sequence);
            _ids.Add(id);
            return id;
        }

        /// <summary>The model's ResolveId: error, and the slot index when None or Removed.</summary>
        private CapsError Resolve(int p, int id, out int index)
        {
            index = id & 63;
            if (id < 0)
            {
                return CapsError.InvalidArgument;
            }

            Slot slot = _processes[p].Slots[index];
            if (!slot.Used || slot.Sequence != (uint)id >> 6)
            {
                return CapsError.InvalidArgument;
            }

            return slot.Token!.Live ? CapsError.None : CapsError.Removed;
        }

        private CapsError ResolveKind(int p, int id, int kind, uint rights, out ModelToken? token)
        {
            token = null;
            CapsError e = Resolve(p, id, out int index);
            if (e != CapsError.None)
            {
                return e;
            }

            Slot slot = _processes[p].Slots[index];
            if (slot.Token!.Kind != kind)
            {
                return CapsError.InvalidArgument;
            }

            if ((slot.Rights & rights) != rights)
            {
                return CapsError.AccessDenied;
            }

            token = slot.Token;
            return CapsError.None;
        }

        private ulong Destroy(ModelToken token)
        {
            token.Live = false;
            token.Messages.Clear();
            if (token.Segment != null)
            {
                token.Segment.Removed = true;
                if (token.Segment.Attachments == 0)
                {
                    token.Segment.Live = false;
                    return token.Segment.Pages;
                }
            }

            return 0;
        }

        private ulong Drop(int p, int index)
        {
            ref Slot slot = ref _processes[p].Slots[index];
            slot.Used = false;
            slot.Token!.Holders--;
            return slot.Token.Holders == 0 ? Destroy(slot.Token) : 0;
        }

        private int LiveQueues => _tokens.Count(t => t.Live && t.Kind == 1);

        private int TokensOf(int account) => _tokens.Count(t => t.Live && t.Account == account);

        private int QueuesOf(int account) => _tokens.Count(t => t.Live && t.Kind == 1 && t.QueueAccount == account);

        private int SegmentsOf(int account) => _tokens.Where(t => t.Segment != null).Select(t => t.Segment!).Distinct().Count(s => s.Live && s.Account == account);

        private int LiveSegments => _tokens.Where(t => t.Segment != null).Count(t => t.Segment!.Live);

        // ------------------------------------------------------------ choices

        private int AnyProcess() => _random.Next(Processes);

        private byte[] AnyTokenBytes()
        {
            if (_tokens.Count == 0 || _random.Next(20) == 0)
            {
                var bytes = new byte[32];
                if (_tokens.Count > 0)
                {
                    _tokens[_random.Next(_tokens.Count)].Bytes.CopyTo(bytes, 0);
                }

                int bit = _random.Next(256);
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));   // a forgery one bit away
                return bytes;
            }

            // Mostly recent tokens, so live ones come up often.
            int pick = _tokens.Count - 1 - Math.Min(_tokens.Count - 1, (int)Math.Abs(_random.NextDouble() * _random.NextDouble() * 60));
            return _tokens[pick].Bytes;
        }

        private int AnyId(int p)
        {
            int r = _random.Next(10);
            if (r < 7)
            {
                // One of p's own slots, valid or not.
                int index = _random.Next(64);
                Slot s = _processes[p].Slots[index];
                if (s.Used)
                {
                    return IdOf(index, s.Sequence);
                }
            }

            if (r < 9 && _ids.Count > 0)
            {
                return _ids[_random.Next(_ids.Count)];   // anyone's id
            }

            return _random.Next(3) == 0 ? -_random.Next(1, 100) : _random.Next(5000);
        }

        /// <summary>An id of p's naming a live object of the kind, when it has one (else any id).</summary>
        private int IdOfKind(int p, int kind)
        {
            var candidates = new List<int>();
            for (int i = 0; i < 64; i++)
            {
                if (_processes[p].Valid(i) && _processes[p].Slots[i].Token!.Kind == kind)
                {
                    candidates.Add(IdOf(i, _processes[p].Slots[i].Sequence));
                }
            }

            return candidates.Count > 0 && _random.Next(8) != 0 ? candidates[_random.Next(candidates.Count)] : AnyId(p);
        }

        private uint AnyRights()
        {
            int r = _random.Next(20);
            if (r == 0)
            {
                return 0;
            }

            if (r == 1)
            {
                return 0x40;
            }

            return (uint)_random.Next(1, 64);
        }

        // ------------------------------------------------------------ operations

        private void Step()
        {
            int p = AnyProcess();
            int pick = _random.Next(100);
            if (pick < 8) { Mint(p); }
            else if (pick < 16) { Grant(p); }
            else if (pick < 19) { Revoke(p); }
            else if (pick < 22) { Release(p); }
            else if (pick < 32) { MessageGet(p); }
            else if (pick < 50) { Send(p); }
            else if (pick < 68) { Receive(p); }
            else if (pick < 71) { MessageControl(p); }
            else if (pick < 77) { SegmentGet(p); }
            else if (pick < 83) { Attach(p); }
            else if (pick < 88) { Detach(p); }
            else if (pick < 90) { SegmentControl(p); }
            else if (pick < 93) { Fork(p); }
            else if (pick < 95) { Filter(p); }
            else if (pick < 96) { Exit(p); }
            else if (pick < 97) { SetAccount(p); }
            else { Send(p); }
        }

        private void Mint(int p)
        {
            _what = $"mint p{p}";
            int index = FreeSlot(p);
            int account = _processes[p].Account;
            long expected = index < 0 || _tokens.Count(t => t.Live) >= CapsLimits.MaxTokens || TokensOf(account) >= _quota.Tokens
                ? Fail(CapsError.NoSpace) : 0;
            if (index >= 0 && TokensOf(account) >= _quota.Tokens)
            {
                ShareFull();
            }
            long id = _h.Caps.Mint(p, out CapabilityToken value);
            if (expected < 0)
            {
                Expect(expected, id, "mint", false);
                return;
            }

            var bytes = new byte[32];
            value.CopyTo(bytes);
            var token = new ModelToken { Bytes = bytes, Value = value, Account = account };
            _tokens.Add(token);
            Expect((long)Hold(p, index, token, Rights.All), id, "mint", true);
        }

        private void Grant(int p)
        {
            int target = _random.Next(Processes + 1) == Processes ? CapsLimits.MaxProcesses : AnyProcess();
            byte[] bytes = AnyTokenBytes();
            uint rights = AnyRights();
            _what = $"grant p{p} -> p{target} rights {rights}";
            long expected;
            int index = FindHolding(p, bytes);
            if (target >= CapsLimits.MaxProcesses || rights == 0 || (rights & ~Rights.All) != 0)
            {
                expected = Fail(CapsError.InvalidArgument);
            }
            else if (index < 0 || (_processes[p].Slots[index].Rights & Rights.Grant) == 0)
            {
                expected = Fail(CapsError.AccessDenied);
            }
            else if ((rights & ~_processes[p].Slots[index].Rights) != 0)
            {
                expected = Fail(CapsError.NotPermitted);
            }
            else
            {
                ModelToken token = _processes[p].Slots[index].Token!;
                int existing = FindHolding(target, bytes);
                if (existing >= 0)
                {
                    _processes[target].Slots[existing].Rights |= rights;
                    expected = IdOf(existing, _processes[target].Slots[existing].Sequence);
                }
                else
                {
                    int free = FreeSlot(target);
                    if (free < 0)
                    {
                        expected = Fail(CapsError.NoSpace);
                    }
                    else
                    {
                        token.Holders++;
                        expected = Hold(target, free, token, rights);
                    }
                }
            }

            CapabilityToken.FromBytes(bytes, out CapabilityToken value);
            Expect(expected, _h.Caps.Grant(p, value, target, rights), "grant", expected >= 0);
        }

        private void Revoke(int p)
        {
            byte[] bytes = AnyTokenBytes();
            _what = $"revoke p{p}";
            int index = FindHolding(p, bytes);
            CapsError expected = CapsError.None;
            ulong pages = 0;
            if (index < 0 || (_processes[p].Slots[index].Rights & Rights.Control) == 0)
            {
                expected = CapsError.AccessDenied;
            }
            else
            {
                pages = Destroy(_processes[p].Slots[index].Token!);
            }

            CapabilityToken.FromBytes(bytes, out CapabilityToken value);
            CapsError actual = _h.Caps.Revoke(p, value, out ulong actualPages);
            Expect((expected, pages), (actual, actualPages), "revoke", expected == CapsError.None);
        }

        private void Release(int p)
        {
            int id = AnyId(p);
            _what = $"release p{p} id {id}";
            CapsError expected = Resolve(p, id, out int index);
            ulong pages = 0;
            if (expected == CapsError.Removed)
            {
                _processes[p].Slots[index].Used = false;
                expected = CapsError.None;
            }
            else if (expected == CapsError.None)
            {
                pages = Drop(p, index);
            }

            CapsError actual = _h.Caps.Release(p, id, out ulong actualPages);
            Expect((expected, pages), (actual, actualPages), "release", expected == CapsError.None);
        }

        private void MessageGet(int p)
        {
            byte[] bytes = AnyTokenBytes();
            int flags = _random.Next(10) < 7 ? IpcFlags.Create : 0;
            if (_random.Next(5) == 0)
            {
                flags |= IpcFlags.Exclusive;
            }

            _what = $"msgget p{p} flags {flags:x}";
            long expected;
            int index = FindHolding(p, bytes);
            if (index < 0)
            {
                expected = Fail(CapsError.AccessDenied);
            }
            else
            {
                Slot slot = _processes[p].Slots[index];
                ModelToken token = slot.Token!;
                int id = IdOf(index, slot.Sequence);
                bool create = (flags & IpcFlags.Create) != 0;
                if (token.Kind != 0)
                {
                    expected = create && (flags & IpcFlags.Exclusive) != 0 ? Fail(CapsError.Exists)
                        : token.Kind == 1 ? id : Fail(CapsError.InvalidArgument);
                }
                else if (!create)
                {
                    expected = Fail(CapsError.NoEntry);
                }
                else if ((slot.Rights & Rights.Control) == 0)
                {
                    expected = Fail(CapsError.AccessDenied);
                }
                else if (LiveQueues >= CapsLimits.MaxQueues || QueuesOf(_processes[p].Account) >= _quota.Queues)
                {
                    ShareFull();
                    expected = Fail(CapsError.NoSpace);
                }
                else
                {
                    token.Kind = 1;
                    token.QueueAccount = _processes[p].Account;
                    expected = id;
                }
            }

            CapabilityToken.FromBytes(bytes, out CapabilityToken value);
            Expect(expected, _h.Caps.MessageGet(p, value, flags), "msgget", expected >= 0);
        }

        private void Send(int p)
        {
            int id = IdOfKind(p, 1);
            long type = _random.Next(12) == 0 ? _random.Next(-2, 1) : _random.Next(1, 6);
            int length = _random.Next(30) == 0 ? CapsLimits.MaxMessageSize + _random.Next(0, 2) : _random.Next(0, 2000);
            var text = new byte[length];
            _random.NextBytes(text);
            int flags = _random.Next(2) == 0 ? IpcFlags.NoWait : 0;
            _what = $"msgsnd p{p} id {id} type {type} len {length}";
            CapsError expected;
            if (type < 1 || length > CapsLimits.MaxMessageSize)
            {
                expected = CapsError.InvalidArgument;
            }
            else
            {
                expected = ResolveKind(p, id, 1, Rights.Send, out ModelToken? token);
                if (expected == CapsError.None)
                {
                    ulong bytes = (ulong)token!.Messages.Sum(m => m.Text.Length);
                    if (bytes + (ulong)length > token.QueueBytes || token.Messages.Count >= CapsLimits.MaxMessagesPerQueue)
                    {
                        expected = CapsError.TryAgain;
                    }
                    else
                    {
                        token.Messages.Add((type, text));
                    }
                }
            }

            Expect(expected, _h.Caps.Send(p, id, type, text, flags), "msgsnd", expected == CapsError.None);
        }

        private void Receive(int p)
        {
            int id = IdOfKind(p, 1);
            long type = _random.Next(-6, 7);
            int size = _random.Next(4) == 0 ? _random.Next(0, 50) : 2000;
            int flags = 0;
            int r = _random.Next(10);
            if (r == 0) { flags |= IpcFlags.MsgNoError; }
            if (r == 1) { flags |= IpcFlags.MsgExcept; }
            if (r == 2 && _random.Next(5) == 0) { flags |= IpcFlags.MsgCopy; }
            _what = $"msgrcv p{p} id {id} type {type} size {size} flags {flags:x}";

            long expected;
            (long Type, byte[] Text) selected = default;
            if ((flags & IpcFlags.MsgCopy) != 0)
            {
                expected = Fail(CapsError.InvalidArgument);
            }
            else
            {
                CapsError e = ResolveKind(p, id, 1, Rights.Receive, out ModelToken? token);
                if (e != CapsError.None)
                {
                    expected = Fail(e);
                }
                else
                {
                    List<(long Type, byte[] Text)> queue = token!.Messages;
                    int found = -1;
                    if (type == 0)
                    {
                        found = queue.Count > 0 ? 0 : -1;
                    }
                    else if (type > 0)
                    {
                        bool except = (flags & IpcFlags.MsgExcept) != 0;
                        found = queue.FindIndex(m => (m.Type == type) != except);
                    }
                    else
                    {
                        for (int i = 0; i < queue.Count; i++)
                        {
                            if (queue[i].Type <= -type && (found < 0 || queue[i].Type < queue[found].Type))
                            {
                                found = i;
                            }
                        }
                    }

                    if (found < 0)
                    {
                        expected = Fail(CapsError.NoMessage);
                    }
                    else if (queue[found].Text.Length > size && (flags & IpcFlags.MsgNoError) == 0)
                    {
                        expected = Fail(CapsError.TooBig);
                    }
                    else
                    {
                        selected = queue[found];
                        queue.RemoveAt(found);
                        expected = Math.Min(size, selected.Text.Length);
                    }
                }
            }

            var buffer = new byte[size];
            long actual = _h.Caps.Receive(p, id, buffer, type, flags, out long actualType);
            Expect(expected, actual, "msgrcv", expected >= 0);
            if (expected >= 0)
            {
                Check(actualType == selected.Type, $"type {actualType}, model {selected.Type}");
                Check(buffer.AsSpan(0, (int)actual).SequenceEqual(selected.Text.AsSpan(0, (int)actual)), "message text");
            }
        }

        private void MessageControl(int p)
        {
            int id = IdOfKind(p, 1);
            int command = _random.Next(10) switch { 0 => 3, < 4 => IpcFlags.Remove, < 7 => IpcFlags.Set, _ => IpcFlags.Stat };
            ulong qbytes = (ulong)_random.Next(0, CapsLimits.MaxQueueBytes + 100);
            _what = $"msgctl p{p} id {id} cmd {command} qbytes {qbytes}";
            CapsError expected;
            ModelToken? token = null;
            if (command is not (IpcFlags.Stat or IpcFlags.Set or IpcFlags.Remove))
            {
                expected = CapsError.InvalidArgument;
            }
            else
            {
                expected = ResolveKind(p, id, 1, command == IpcFlags.Stat ? 0 : Rights.Control, out token);
                if (expected == CapsError.None)
                {
                    if (command == IpcFlags.Remove)
                    {
                        Destroy(token!);
                    }
                    else if (command == IpcFlags.Set)
                    {
                        if (qbytes > CapsLimits.MaxQueueBytes)
                        {
                            expected = CapsError.NotPermitted;
                        }
                        else
                        {
                            token!.QueueBytes = qbytes;
                        }
                    }
                }
            }

            MessageQueueStatus status = default;
            status.QueueBytes = qbytes;
            Expect(expected, _h.Caps.MessageControl(p, id, command, ref status), "msgctl", expected == CapsError.None);
            if (expected == CapsError.None && command == IpcFlags.Stat)
            {
                Check(status.MessageCount == (ulong)token!.Messages.Count, "msg_qnum");
                Check(status.CurrentBytes == (ulong)token.Messages.Sum(m => m.Text.Length), "msg_cbytes");
                Check(status.QueueBytes == token.QueueBytes, "msg_qbytes");
            }
        }

        private void SegmentGet(int p)
        {
            byte[] bytes = AnyTokenBytes();
            int flags = _random.Next(10) < 7 ? IpcFlags.Create : 0;
            if (_random.Next(5) == 0)
            {
                flags |= IpcFlags.Exclusive;
            }

            ulong size = _random.Next(12) switch
            {
                0 => 0,
                1 => CapsLimits.MaxSegmentSize + 1,
                _ => (ulong)_random.Next(1, 3) * 4096,
            };
            _what = $"shmget p{p} size {size} flags {flags:x}";
            long expected;
            int index = FindHolding(p, bytes);
            if (size > CapsLimits.MaxSegmentSize)
            {
                expected = Fail(CapsError.InvalidArgument);
            }
            else if (index < 0)
            {
                expected = Fail(CapsError.AccessDenied);
            }
            else
            {
                Slot slot = _processes[p].Slots[index];
                ModelToken token = slot.Token!;
                int id = IdOf(index, slot.Sequence);
                bool create = (flags & IpcFlags.Create) != 0;
                if (token.Kind != 0)
                {
                    expected = create && (flags & IpcFlags.Exclusive) != 0 ? Fail(CapsError.Exists)
                        : token.Kind != 2 || size > token.Segment!.Size ? Fail(CapsError.InvalidArgument) : id;
                }
                else if (!create)
                {
                    expected = Fail(CapsError.NoEntry);
                }
                else if (size == 0)
                {
                    expected = Fail(CapsError.InvalidArgument);
                }
                else if ((slot.Rights & Rights.Control) == 0)
                {
                    expected = Fail(CapsError.AccessDenied);
                }
                else if (LiveSegments >= CapsLimits.MaxSegments || SegmentsOf(_processes[p].Account) >= _quota.Segments)
                {
                    ShareFull();
                    expected = Fail(CapsError.NoSpace);
                }
                else
                {
                    token.Kind = 2;
                    token.Segment = new ModelSegment { Size = size, Account = _processes[p].Account };
                    expected = id;
                }
            }

            CapabilityToken.FromBytes(bytes, out CapabilityToken value);
            Expect(expected, _h.Caps.SegmentGet(p, value, size, flags), "shmget", expected >= 0);
        }

        private void Attach(int p)
        {
            int id = IdOfKind(p, 2);
            bool readOnly = _random.Next(2) == 0;
            _what = $"shmat p{p} id {id} ro {readOnly}";
            CapsError expected = ResolveKind(p, id, 2, readOnly ? Rights.Map : Rights.Map | Rights.MapWrite, out ModelToken? token);
            CapsError actual = _h.Caps.Attach(p, id, readOnly ? IpcFlags.ShmReadOnly : 0, out SegmentAttachment at);
            Expect(expected, actual, "shmat", expected == CapsError.None);
            if (expected != CapsError.None)
            {
                return;
            }

            ModelSegment segment = token!.Segment!;
            Check(at.Size == segment.Size && at.Pages == segment.Pages && at.ReadOnly == readOnly, "attachment");
            segment.Attachments++;
            if (segment.Pages == 0)
            {
                segment.Pages = _nextPages++;
                Check(_h.Caps.SetSegmentPages(at.Segment, segment.Pages) == CapsError.None, "set pages");
            }

            _processes[p].Attachments.Add((at.Segment, segment));
        }

        private void Detach(int p)
        {
            List<(ulong Handle, ModelSegment Segment)> list = _processes[p].Attachments;
            if (list.Count == 0 || _random.Next(10) == 0)
            {
                ulong bogus = (ulong)(uint)_random.Next(0, 1000) | ((ulong)(uint)_random.Next(0, 3) << 32);
                bool live = _processes.SelectMany(x => x.Attachments).Any(a => a.Handle == bogus);
                if (!live)
                {
                    _what = $"shmdt p{p} bogus {bogus:x}";
                    CapsError bogusResult = _h.Caps.Detach(p, bogus, out _);
                    // A bogus handle may name a live unattached segment: refused either way.
                    Expect(CapsError.InvalidArgument, bogusResult, "shmdt", false);
                }

                return;
            }

            int pick = _random.Next(list.Count);
            (ulong handle, ModelSegment segment) = list[pick];
            list.RemoveAt(pick);
            DetachModel(p, handle, segment);
        }

        private void DetachModel(int p, ulong handle, ModelSegment segment)
        {
            _what = $"shmdt p{p} {handle:x}";
            segment.Attachments--;
            ulong pages = 0;
            if (segment.Removed && segment.Attachments == 0)
            {
                segment.Live = false;
                pages = segment.Pages;
            }

            CapsError actual = _h.Caps.Detach(p, handle, out ulong actualPages);
            Expect((CapsError.None, pages), (actual, actualPages), "shmdt", true);
        }

        private void SegmentControl(int p)
        {
            int id = IdOfKind(p, 2);
            int command = _random.Next(3) switch { 0 => IpcFlags.Set, 1 => IpcFlags.Stat, _ => IpcFlags.Remove };
            _what = $"shmctl p{p} id {id} cmd {command}";
            CapsError expected;
            ulong pages = 0;
            ModelToken? token = null;
            if (command == IpcFlags.Set)
            {
                expected = CapsError.InvalidArgument;
            }
            else
            {
                expected = ResolveKind(p, id, 2, command == IpcFlags.Remove ? Rights.Control : 0, out token);
                if (expected == CapsError.None && command == IpcFlags.Remove)
                {
                    pages = Destroy(token!);
                }
            }

            SegmentStatus status = default;
            CapsError actual = _h.Caps.SegmentControl(p, id, command, ref status, out ulong actualPages);
            Expect((expected, pages), (actual, actualPages), "shmctl", expected == CapsError.None);
            if (expected == CapsError.None && command == IpcFlags.Stat)
            {
                Check(status.Size == token!.Segment!.Size && status.AttachCount == (ulong)token.Segment.Attachments, "shmid_ds");
            }
        }

        private void Fork(int p)
        {
            int child = AnyProcess();
            _what = $"fork p{p} -> p{child}";
            ModelProcess parent = _processes[p], target = _processes[child];
            CapsError expected;
            if (child == p)
            {
                expected = CapsError.InvalidArgument;
            }
            else if (target.Installed || Enumerable.Range(0, 64).Any(target.Valid))
            {
                expected = CapsError.Exists;
            }
            else
            {
                expected = CapsError.None;
                for (int i = 0; i < 64; i++)
                {
                    target.Slots[i] = parent.Slots[i];
                    if (parent.Valid(i))
                    {
                        parent.Slots[i].Token!.Holders++;
                    }
                }

                // Filters are always inherited (as Linux seccomp filters are), and so is the account.
                target.Allowed = (bool[])parent.Allowed.Clone();
                target.Installed = parent.Installed;
                target.Account = parent.Account;
            }

            Expect(expected, _h.Caps.ProcessForked(p, child), "fork", expected == CapsError.None);
            if (expected == CapsError.None)
            {
                // The kernel then shares the parent's attachments, removed segments' too.
                foreach ((ulong handle, ModelSegment segment) in parent.Attachments.ToList())
                {
                    _what = $"fork p{p} -> p{child}: attachment {handle:x}";
                    segment.Attachments++;
                    target.Attachments.Add((handle, segment));
                    Expect(CapsError.None, _h.Caps.AttachForked(child, handle), "attach forked", true);
                }
            }
        }

        private void Filter(int p)
        {
            SyscallFilterSpec spec = default;
            bool defaultAllow = _random.Next(4) != 0;
            spec.Flags = (defaultAllow ? SyscallFilterSpec.DefaultAllow : 0) | (_random.Next(3) == 0 ? SyscallFilterSpec.Inheritable : 0);
            if (_random.Next(30) == 0)
            {
                spec.Flags |= 8;
            }

            var listed = new HashSet<int>();
            int count = defaultAllow ? _random.Next(0, 20) : _random.Next(500, 1024);
            for (int i = 0; i < count; i++)
            {
                int n = _random.Next(CapsLimits.FilterSyscallCount);
                listed.Add(n);
                spec.Set(n);
            }

            _what = $"filter p{p} flags {spec.Flags}";
            CapsError expected = (spec.Flags & 8) != 0 ? CapsError.InvalidArgument : CapsError.None;
            if (expected == CapsError.None)
            {
                ModelProcess m = _processes[p];
                for (int n = 0; n <= CapsLimits.FilterSyscallCount; n++)
                {
                    bool allowedByNew = n == CapsLimits.FilterSyscallCount ? defaultAllow : listed.Contains(n) != defaultAllow;
                    m.Allowed[n] &= allowedByNew;
                }

                m.Installed = true;
            }

            Expect(expected, _h.Caps.InstallFilter(p, spec), "filter", expected == CapsError.None);
        }

        private void SetAccount(int p)
        {
            int account = _random.Next(12) == 0 ? (_random.Next(2) == 0 ? -1 : CapsLimits.MaxAccounts) : _random.Next(Accounts);
            _what = $"account p{p} -> {account}";
            CapsError expected = (uint)account < CapsLimits.MaxAccounts ? CapsError.None : CapsError.InvalidArgument;
            if (expected == CapsError.None)
            {
                _processes[p].Account = account;
            }

            Expect(expected, _h.Caps.SetAccount(p, account), "account", expected == CapsError.None);
        }

        private void Exit(int p)
        {
            ModelProcess m = _processes[p];
            foreach ((ulong handle, ModelSegment segment) in m.Attachments)
            {
                DetachModel(p, handle, segment);
            }

            m.Attachments.Clear();
            _what = $"exit p{p}";
            var pages = new List<ulong>();
            for (int i = 0; i < 64; i++)
            {
                if (m.Valid(i))
                {
                    ulong freed = Drop(p, i);
                    if (freed != 0)
                    {
                        pages.Add(freed);
                    }
                }

                m.Slots[i] = default;
            }

            m.Allowed = Enumerable.Repeat(true, CapsLimits.FilterSyscallCount + 1).ToArray();
            m.Installed = false;
            m.Account = p;

            var buffer = new ulong[CapsLimits.MaxHoldingsPerProcess];
            long n = _h.Caps.ProcessExited(p, buffer);
            Expect((long)pages.Count, n, "exit", true);
            Check(buffer.AsSpan(0, (int)Math.Max(0, n)).SequenceEqual(pages.ToArray()), "pages freed at exit");
        }
    }
}
