namespace Aurora.Caps;

public unsafe partial struct CapabilitySpace<TMemory, TRandom>
{
    /// <summary>
    /// shmget: the id of the segment <paramref name="token"/> names. As
    /// <see cref="MessageGet"/> for holding, IPC_CREAT, IPC_EXCL and NoEntry; creating needs
    /// 1 ≤ <paramref name="size"/> ≤ <see cref="CapsLimits.MaxSegmentSize"/> (InvalidArgument),
    /// and an existing segment smaller than <paramref name="size"/> is InvalidArgument as in
    /// Linux. A new segment has no pages: the kernel allocates them at the first shmat (the
    /// attachment shows <c>Pages == 0</c>) and records them with <see cref="SetSegmentPages"/>.
    /// </summary>
    public long SegmentGet(int process, in CapabilityToken token, ulong size, int flags)
    {
        if (size > CapsLimits.MaxSegmentSize)
        {
            return -(long)CapsError.InvalidArgument;
        }

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

            if (entry->Kind != ObjectKind.Segment || size > _segments[entry->Object].Size)
            {
                return -(long)CapsError.InvalidArgument;
            }

            return id;
        }

        if ((flags & IpcFlags.Create) == 0)
        {
            return -(long)CapsError.NoEntry;
        }

        if (size == 0)
        {
            return -(long)CapsError.InvalidArgument;
        }

        if ((holding->Rights & Rights.Control) == 0)
        {
            return -(long)CapsError.AccessDenied;
        }

        int slot = FreeSegmentSlot();
        int account = AccountOfProcess(process);
        if (slot < 0 || _accounts[account].Segments >= _quota.Segments)
        {
            return -(long)CapsError.NoSpace;
        }

        SegmentEntry* segment = &_segments[slot];
        uint generation = segment->Generation;
        *segment = default;
        segment->Generation = generation;
        segment->Live = true;
        segment->Size = size;
        segment->ChangeTime = Now;
        segment->Creator = process;
        segment->Account = account;
        _accounts[account].Segments++;
        segment->LastOperator = -1;
        entry->Kind = ObjectKind.Segment;
        entry->Object = slot;
        return id;
    }

    /// <summary>shmget(IPC_PRIVATE): mints a token and makes its segment in one step (see
    /// <see cref="MessageGetPrivate"/>).</summary>
    public long SegmentGetPrivate(int process, ulong size, out CapabilityToken token)
    {
        token = default;
        if (size == 0 || size > CapsLimits.MaxSegmentSize)
        {
            return -(long)CapsError.InvalidArgument;
        }

        if (CheckProcess(process) == CapsError.None &&
            (FreeSegmentSlot() < 0 || _accounts[AccountOfProcess(process)].Segments >= _quota.Segments))
        {
            return -(long)CapsError.NoSpace;
        }

        long id = Mint(process, out token);
        return id < 0 ? id : SegmentGet(process, token, size, IpcFlags.Create);
    }

    /// <summary>
    /// shmat: counts an attachment and tells the kernel what to map. Needs
    /// <see cref="Rights.Map"/>, and <see cref="Rights.MapWrite"/> too unless
    /// <see cref="IpcFlags.ShmReadOnly"/>. Other shmat flags (SHM_RND, SHM_REMAP, SHM_EXEC) are
    /// about the address and are the kernel's. Keep <c>attachment.Segment</c> with the mapping
    /// for <see cref="Detach"/>.
    /// </summary>
    public CapsError Attach(int process, int id, int flags, out SegmentAttachment attachment)
    {
        attachment = default;
        bool readOnly = (flags & IpcFlags.ShmReadOnly) != 0;
        uint needed = readOnly ? Rights.Map : Rights.Map | Rights.MapWrite;
        CapsError error = ResolveSegment(process, id, needed, out int slot);
        if (error != CapsError.None)
        {
            return error;
        }

        SegmentEntry* segment = &_segments[slot];
        segment->Attachments++;
        segment->AttachTime = Now;
        segment->LastOperator = process;
        attachment.Segment = SegmentHandle(slot);
        attachment.Size = segment->Size;
        attachment.Pages = segment->Pages;
        attachment.ReadOnly = readOnly;
        return CapsError.None;
    }

    /// <summary>Records the kernel's page-list handle (non-zero) for a segment that has none
    /// yet. InvalidArgument for a stale handle, a zero handle, or a segment that has one.</summary>
    public CapsError SetSegmentPages(ulong segment, ulong pages)
    {
        int slot = SegmentSlot(segment);
        if (slot < 0 || pages == 0 || _segments[slot].Pages != 0)
        {
            return CapsError.InvalidArgument;
        }

        _segments[slot].Pages = pages;
        return CapsError.None;
    }

    /// <summary>
    /// fork: the child keeps an attachment its parent has (Linux copies every shm attachment to
    /// the child, of removed segments too): one more attachment of <paramref name="segment"/>,
    /// with no id or rights needed — the parent's attachment was checked when it was made.
    /// InvalidArgument for a stale handle or a segment with no attachments (nothing to share).
    /// </summary>
    public CapsError AttachForked(int child, ulong segment)
    {
        CapsError error = CheckProcess(child);
        int slot = SegmentSlot(segment);
        if (error != CapsError.None || slot < 0 || _segments[slot].Attachments == 0)
        {
            return CapsError.InvalidArgument;
        }

        SegmentEntry* entry = &_segments[slot];
        entry->Attachments++;
        entry->AttachTime = Now;
        entry->LastOperator = child;
        return CapsError.None;
    }

    /// <summary>
    /// shmdt (and unmapping at exit or exec): one attachment of <paramref name="segment"/> ends.
    /// When the segment was removed and this was its last attachment, the segment is gone and
    /// <paramref name="pagesToFree"/> is its page handle: free the pages now. InvalidArgument
    /// for a stale handle or a segment with no attachments.
    /// </summary>
    public CapsError Detach(int process, ulong segment, out ulong pagesToFree)
    {
        pagesToFree = 0;
        int slot = SegmentSlot(segment);
        if (slot < 0 || _segments[slot].Attachments == 0)
        {
            return CapsError.InvalidArgument;
        }

        SegmentEntry* entry = &_segments[slot];
        entry->Attachments--;
        entry->DetachTime = Now;
        entry->LastOperator = process;
        if (entry->Removed && entry->Attachments == 0)
        {
            pagesToFree = FreeSegment(slot);
        }

        return CapsError.None;
    }

    /// <summary>
    /// shmctl: <see cref="IpcFlags.Stat"/> fills <paramref name="status"/> (any right);
    /// <see cref="IpcFlags.Remove"/> revokes the token (<see cref="Rights.Control"/>): ids end,
    /// the segment is marked removed and freed at its last detach (<paramref name="pagesToFree"/>
    /// set when that is now). Other commands (IPC_SET, SHM_LOCK, …) are InvalidArgument.
    /// </summary>
    public CapsError SegmentControl(int process, int id, int command, ref SegmentStatus status, out ulong pagesToFree)
    {
        pagesToFree = 0;
        if (command != IpcFlags.Stat && command != IpcFlags.Remove)
        {
            return CapsError.InvalidArgument;
        }

        CapsError error = ResolveSegment(process, id, command == IpcFlags.Remove ? Rights.Control : 0, out int slot);
        if (error != CapsError.None)
        {
            return error;
        }

        ResolveId(process, id, out Holding* holding);
        if (command == IpcFlags.Remove)
        {
            pagesToFree = DestroyToken(holding->Token);
            return CapsError.None;
        }

        SegmentEntry* segment = &_segments[slot];
        status = default;
        status.Mode = 0x180;
        status.Sequence = (ushort)segment->Generation;
        status.Size = segment->Size;
        status.AttachTime = segment->AttachTime;
        status.DetachTime = segment->DetachTime;
        status.ChangeTime = segment->ChangeTime;
        status.Creator = segment->Creator;
        status.LastOperator = segment->LastOperator;
        status.AttachCount = (ulong)segment->Attachments;
        return CapsError.None;
    }

    /// <summary>Size, pages and attachment count of a segment by its handle (including a
    /// removed one still attached). InvalidArgument for a stale handle.</summary>
    public readonly CapsError SegmentInfo(ulong segment, out ulong size, out ulong pages, out int attachments)
    {
        size = 0;
        pages = 0;
        attachments = 0;
        int slot = SegmentSlot(segment);
        if (slot < 0)
        {
            return CapsError.InvalidArgument;
        }

        size = _segments[slot].Size;
        pages = _segments[slot].Pages;
        attachments = _segments[slot].Attachments;
        return CapsError.None;
    }

    /// <summary>Segments in the table, removed-but-attached ones included.</summary>
    public readonly int SegmentCount
    {
        get
        {
            int count = 0;
            for (int i = 0; _segments != null && i < CapsLimits.MaxSegments; i++)
            {
                count += _segments[i].Live ? 1 : 0;
            }

            return count;
        }
    }

    private readonly CapsError ResolveSegment(int process, int id, uint rights, out int slot)
    {
        slot = -1;
        CapsError error = ResolveId(process, id, out Holding* holding);
        if (error != CapsError.None)
        {
            return error;
        }

        TokenEntry* token = &_tokens[holding->Token];
        if (token->Kind != ObjectKind.Segment)
        {
            return CapsError.InvalidArgument;
        }

        if ((holding->Rights & rights) != rights)
        {
            return CapsError.AccessDenied;
        }

        slot = token->Object;
        return CapsError.None;
    }

    // A segment handle is (generation << 32) | (slot + 1): never 0, stale once the slot is freed.
    private readonly ulong SegmentHandle(int slot) => ((ulong)_segments[slot].Generation << 32) | (uint)(slot + 1);

    private readonly int SegmentSlot(ulong handle)
    {
        if (_segments == null)
        {
            return -1;
        }

        long slot = (long)(handle & 0xFFFF_FFFF) - 1;
        if (slot < 0 || slot >= CapsLimits.MaxSegments)
        {
            return -1;
        }

        SegmentEntry* segment = &_segments[slot];
        return segment->Live && segment->Generation == (uint)(handle >> 32) ? (int)slot : -1;
    }

    private readonly int FreeSegmentSlot()
    {
        for (int i = 0; _segments != null && i < CapsLimits.MaxSegments; i++)
        {
            if (!_segments[i].Live)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The token naming the segment ended: free it now if unattached, else at the last detach.</summary>
    private ulong RemoveSegment(int slot)
    {
        SegmentEntry* segment = &_segments[slot];
        segment->Removed = true;
        segment->ChangeTime = Now;
        return segment->Attachments == 0 ? FreeSegment(slot) : 0;
    }

    private ulong FreeSegment(int slot)
    {
        SegmentEntry* segment = &_segments[slot];
        ulong pages = segment->Pages;
        _accounts[segment->Account].Segments--;
        uint generation = segment->Generation + 1;
        *segment = default;
        segment->Generation = generation;
        return pages;
    }
}
