using System;

namespace Aurora.Caps;

public unsafe partial struct CapabilitySpace<TMemory, TRandom>
{
    /// <summary>
    /// msgget: the id of the queue <paramref name="token"/> names. AccessDenied when the process
    /// does not hold the token. A held token that names nothing yet: with
    /// <see cref="IpcFlags.Create"/> (and <see cref="Rights.Control"/>) a new empty queue is made
    /// (NoSpace when the queue table or the process's account's share of queues is full), without it NoEntry. Exists for
    /// IPC_CREAT|IPC_EXCL on a token that already names an object; InvalidArgument when it names
    /// a segment. The id is the holding's: the same for every msgget of that token.
    /// </summary>
    public long MessageGet(int process, in CapabilityToken token, int flags)
    {
        long id = Lookup(process, token);
        if (id < 0)
        {
            return id;
        }

        Holding* holding = HoldingAt(process, (int)id & ((1 << IdIndexBits) - 1));
        TokenEntry* entry = &_tokens[holding->Token];
        if (entry->Kind != ObjectKind.None)
        {
            if ((flags & (IpcFlags.Create | IpcFlags.Exclusive)) == (IpcFlags.Create | IpcFlags.Exclusive))
            {
                return -(long)CapsError.Exists;
            }

            return entry->Kind == ObjectKind.Queue ? id : -(long)CapsError.InvalidArgument;
        }

        if ((flags & IpcFlags.Create) == 0)
        {
            return -(long)CapsError.NoEntry;
        }

        if ((holding->Rights & Rights.Control) == 0)
        {
            return -(long)CapsError.AccessDenied;
        }

        int slot = FreeQueueSlot();
        int account = AccountOfProcess(process);
        if (slot < 0 || _accounts[account].Queues >= _quota.Queues)
        {
            return -(long)CapsError.NoSpace;
        }

        QueueEntry* queue = &_queues[slot];
        *queue = default;
        queue->Live = true;
        queue->Account = account;
        _accounts[account].Queues++;
        queue->QueueBytes = CapsLimits.MaxQueueBytes;
        queue->ChangeTime = Now;
        queue->LastSender = -1;
        queue->LastReceiver = -1;
        entry->Kind = ObjectKind.Queue;
        entry->Object = slot;
        return id;
    }

    /// <summary>
    /// msgget(IPC_PRIVATE): mints a token and makes its queue in one step; the process holds it
    /// with <see cref="Rights.All"/> and can read the token with <see cref="CopyToken"/> to
    /// grant it. Returns the id.
    /// </summary>
    public long MessageGetPrivate(int process, out CapabilityToken token)
    {
        if (CheckProcess(process) == CapsError.None &&
            (FreeQueueSlot() < 0 || _accounts[AccountOfProcess(process)].Queues >= _quota.Queues))
        {
            token = default;
            return -(long)CapsError.NoSpace;
        }

        long id = Mint(process, out token);
        if (id < 0)
        {
            return id;
        }

        // Cannot fail now: the token is held with all rights, names nothing, and a slot is free.
        return MessageGet(process, token, IpcFlags.Create);
    }

    /// <summary>
    /// msgsnd: appends a message of <paramref name="type"/> (≥ 1) with <paramref name="text"/>
    /// (at most <see cref="CapsLimits.MaxMessageSize"/> bytes; InvalidArgument otherwise).
    /// Needs <see cref="Rights.Send"/>. TryAgain when the queue has no room (bytes or count):
    /// the kernel returns EAGAIN if the caller passed IPC_NOWAIT and otherwise blocks on
    /// <see cref="WaitChannel"/> and retries. Removed once the token is revoked.
    /// </summary>
    public CapsError Send(int process, int id, long type, ReadOnlySpan<byte> text, int flags)
    {
        if (type < 1 || text.Length > CapsLimits.MaxMessageSize)
        {
            return CapsError.InvalidArgument;
        }

        CapsError error = ResolveQueue(process, id, Rights.Send, out QueueEntry* queue);
        if (error != CapsError.None)
        {
            return error;
        }

        if (queue->Bytes + (ulong)text.Length > queue->QueueBytes || queue->Count >= CapsLimits.MaxMessagesPerQueue)
        {
            return CapsError.TryAgain;
        }

        Message* message = (Message*)_memory.Allocate((nuint)(sizeof(Message) + text.Length));
        if (message == null)
        {
            return CapsError.NoMemory;
        }

        message->Next = null;
        message->Type = type;
        message->Size = text.Length;
        text.CopyTo(new Span<byte>(message + 1, text.Length));
        if (queue->Tail == null)
        {
            queue->Head = message;
        }
        else
        {
            queue->Tail->Next = message;
        }

        queue->Tail = message;
        queue->Bytes += (ulong)text.Length;
        queue->Count++;
        queue->SendTime = Now;
        queue->LastSender = process;
        return CapsError.None;
    }

    /// <summary>
    /// msgrcv: removes the selected message and copies its text to <paramref name="buffer"/>,
    /// its type to <paramref name="messageType"/>; returns the bytes copied. Selection as SysV:
    /// <paramref name="type"/> 0 the first message; &gt; 0 the first of that type (with
    /// <see cref="IpcFlags.MsgExcept"/> the first of any other type); &lt; 0 the first of the
    /// lowest type ≤ |type|. Needs <see cref="Rights.Receive"/>. NoMessage when none matches
    /// (the kernel returns ENOMSG with IPC_NOWAIT, otherwise blocks and retries). TooBig when
    /// the text is longer than the buffer, unless <see cref="IpcFlags.MsgNoError"/> truncates
    /// (the message is then removed). <see cref="IpcFlags.MsgCopy"/> is InvalidArgument.
    /// </summary>
    public long Receive(int process, int id, Span<byte> buffer, long type, int flags, out long messageType)
    {
        messageType = 0;
        if ((flags & IpcFlags.MsgCopy) != 0)
        {
            return -(long)CapsError.InvalidArgument;
        }

        CapsError error = ResolveQueue(process, id, Rights.Receive, out QueueEntry* queue);
        if (error != CapsError.None)
        {
            return -(long)error;
        }

        Message* previous = null;
        Message* selected = null;
        Message* selectedPrevious = null;
        if (type == 0)
        {
            selected = queue->Head;
        }
        else if (type > 0)
        {
            bool except = (flags & IpcFlags.MsgExcept) != 0;
            for (Message* m = queue->Head; m != null; previous = m, m = m->Next)
            {
                if ((m->Type == type) != except)
                {
                    selected = m;
                    selectedPrevious = previous;
                    break;
                }
            }
        }
        else
        {
            // |long.MinValue| does not fit; every type is ≤ long.MaxValue anyway.
            long limit = type == long.MinValue ? long.MaxValue : -type;
            for (Message* m = queue->Head; m != null; previous = m, m = m->Next)
            {
                if (m->Type <= limit && (selected == null || m->Type < selected->Type))
                {
                    selected = m;
                    selectedPrevious = previous;
                }
            }
        }

        if (selected == null)
        {
            return -(long)CapsError.NoMessage;
        }

        long size = selected->Size;
        if (size > buffer.Length)
        {
            if ((flags & IpcFlags.MsgNoError) == 0)
            {
                return -(long)CapsError.TooBig;
            }

            size = buffer.Length;
        }

        new ReadOnlySpan<byte>(selected + 1, (int)size).CopyTo(buffer);
        messageType = selected->Type;
        if (selectedPrevious == null)
        {
            queue->Head = selected->Next;
        }
        else
        {
            selectedPrevious->Next = selected->Next;
        }

        if (queue->Tail == selected)
        {
            queue->Tail = selectedPrevious;
        }

        queue->Bytes -= (ulong)selected->Size;
        queue->Count--;
        queue->ReceiveTime = Now;
        queue->LastReceiver = process;
        _memory.Free(selected);
        return size;
    }

    /// <summary>
    /// msgctl: <see cref="IpcFlags.Stat"/> fills <paramref name="status"/> (any right);
    /// <see cref="IpcFlags.Set"/> sets msg_qbytes from it (<see cref="Rights.Control"/>;
    /// NotPermitted above <see cref="CapsLimits.MaxQueueBytes"/>; lowering below what is queued
    /// keeps the messages and refuses sends until there is room); <see cref="IpcFlags.Remove"/>
    /// revokes the token (<see cref="Rights.Control"/>): every holder's id answers Removed, the
    /// queue and its messages are freed, and blocked senders and receivers retry into EIDRM.
    /// Other commands are InvalidArgument.
    /// </summary>
    public CapsError MessageControl(int process, int id, int command, ref MessageQueueStatus status)
    {
        uint needed = command == IpcFlags.Stat ? 0 : Rights.Control;
        if (command != IpcFlags.Stat && command != IpcFlags.Set && command != IpcFlags.Remove)
        {
            return CapsError.InvalidArgument;
        }

        CapsError error = ResolveQueue(process, id, needed, out QueueEntry* queue);
        if (error != CapsError.None)
        {
            return error;
        }

        ResolveId(process, id, out Holding* holding);
        if (command == IpcFlags.Remove)
        {
            DestroyToken(holding->Token);
            return CapsError.None;
        }

        if (command == IpcFlags.Set)
        {
            if (status.QueueBytes > CapsLimits.MaxQueueBytes)
            {
                return CapsError.NotPermitted;
            }

            queue->QueueBytes = status.QueueBytes;
            queue->ChangeTime = Now;
            return CapsError.None;
        }

        status = default;
        status.Mode = 0x180; // 0600: owner read/write; access is decided by rights, not mode.
        status.Sequence = (ushort)_tokens[holding->Token].Generation;
        status.SendTime = queue->SendTime;
        status.ReceiveTime = queue->ReceiveTime;
        status.ChangeTime = queue->ChangeTime;
        status.CurrentBytes = queue->Bytes;
        status.MessageCount = (ulong)queue->Count;
        status.QueueBytes = queue->QueueBytes;
        status.LastSender = queue->LastSender;
        status.LastReceiver = queue->LastReceiver;
        return CapsError.None;
    }

    /// <summary>
    /// What a blocked msgsnd/msgrcv waits on: a value unique to this queue for its whole life
    /// (never 0). The kernel wakes every waiter on it after each successful send, receive,
    /// IPC_SET and removal, and each retries its call. 0 when the id is not a live queue's.
    /// </summary>
    public readonly ulong WaitChannel(int process, int id)
    {
        if (ResolveId(process, id, out Holding* holding) != CapsError.None)
        {
            return 0;
        }

        TokenEntry* token = &_tokens[holding->Token];
        if (token->Kind != ObjectKind.Queue)
        {
            return 0;
        }

        return ((ulong)token->Generation << 32) | (uint)(holding->Token + 1);
    }

    /// <summary>Messages and bytes queued behind <paramref name="id"/> (for tests and /proc-style views).</summary>
    public readonly CapsError QueueDepth(int process, int id, out int messages, out ulong bytes)
    {
        messages = 0;
        bytes = 0;
        CapsError error = ResolveQueue(process, id, 0, out QueueEntry* queue);
        if (error == CapsError.None)
        {
            messages = queue->Count;
            bytes = queue->Bytes;
        }

        return error;
    }

    private readonly CapsError ResolveQueue(int process, int id, uint rights, out QueueEntry* queue)
    {
        queue = null;
        CapsError error = ResolveId(process, id, out Holding* holding);
        if (error != CapsError.None)
        {
            return error;
        }

        TokenEntry* token = &_tokens[holding->Token];
        if (token->Kind != ObjectKind.Queue)
        {
            return CapsError.InvalidArgument;
        }

        if ((holding->Rights & rights) != rights)
        {
            return CapsError.AccessDenied;
        }

        queue = &_queues[token->Object];
        return CapsError.None;
    }

    private readonly int FreeQueueSlot()
    {
        for (int i = 0; _queues != null && i < CapsLimits.MaxQueues; i++)
        {
            if (!_queues[i].Live)
            {
                return i;
            }
        }

        return -1;
    }

    private void FreeMessages(ref QueueEntry queue)
    {
        Message* message = queue.Head;
        while (message != null)
        {
            Message* next = message->Next;
            _memory.Free(message);
            message = next;
        }

        queue.Head = null;
        queue.Tail = null;
        queue.Bytes = 0;
        queue.Count = 0;
    }
}
