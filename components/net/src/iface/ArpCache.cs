namespace Aurora.Net;

/// <summary>
/// IPv4 → MAC for the local subnet (RFC 826), a small fixed table. An entry is complete
/// (answered) or incomplete (a request is out; it is repeated at most once a second).
/// </summary>
internal unsafe struct ArpCache
{
    public const int Capacity = 16;
    /// <summary>How long an answer is trusted (Linux's base_reachable_time is 30 s).</summary>
    public const ulong EntryLifetimeMs = 60_000;
    public const ulong RequestIntervalMs = 1_000;

    internal struct Entry
    {
        public uint Address;
        public ulong Mac;
        public bool Complete;
        public bool InUse;
        /// <summary>Complete: when it was learnt. Incomplete: when the last request went out.</summary>
        public ulong Stamp;
    }

    public Entry* Entries;

    public readonly bool TryLookup(Ipv4Address address, ulong now, out MacAddress mac)
    {
        for (int i = 0; i < Capacity; i++)
        {
            Entry* e = Entries + i;
            if (e->InUse && e->Complete && e->Address == address.Value && now - e->Stamp < EntryLifetimeMs)
            {
                mac = new MacAddress(e->Mac);
                return true;
            }
        }

        mac = default;
        return false;
    }

    private readonly Entry* Find(Ipv4Address address)
    {
        for (int i = 0; i < Capacity; i++)
        {
            if (Entries[i].InUse && Entries[i].Address == address.Value)
            {
                return Entries + i;
            }
        }

        return null;
    }

    /// <summary>A free entry, else the oldest incomplete, else the oldest complete.</summary>
    private readonly Entry* Victim()
    {
        Entry* best = Entries;
        for (int i = 0; i < Capacity; i++)
        {
            Entry* e = Entries + i;
            if (!e->InUse)
            {
                return e;
            }

            if ((best->Complete && !e->Complete) || (best->Complete == e->Complete && e->Stamp < best->Stamp))
            {
                best = e;
            }
        }

        return best;
    }

    /// <summary>RFC 826 "merge": update an entry we hold; with <paramref name="create"/> (the packet
    /// was addressed to us) add one.</summary>
    public void Learn(Ipv4Address address, MacAddress mac, ulong now, bool create)
    {
        if (address.IsUnspecified || address.IsBroadcast || mac.IsMulticast)
        {
            return;
        }

        Entry* e = Find(address);
        if (e == null)
        {
            if (!create)
            {
                return;
            }

            e = Victim();
        }

        e->InUse = true;
        e->Address = address.Value;
        e->Mac = mac.Value;
        e->Complete = true;
        e->Stamp = now;
    }

    /// <summary>True when a request for <paramref name="address"/> should go out now.</summary>
    public bool ShouldRequest(Ipv4Address address, ulong now)
    {
        Entry* e = Find(address);
        if (e != null && e->Complete && now - e->Stamp < EntryLifetimeMs)
        {
            return false;
        }

        if (e != null && !e->Complete && now - e->Stamp < RequestIntervalMs)
        {
            return false;
        }

        if (e == null)
        {
            e = Victim();
            // Every entry is a resolution asked for within the last interval (more unresolved
            // neighbours than entries: a flood from forged addresses on the local network).
            // Taking one would forget it and ask for it again at the next poll, each in turn,
            // thousands of requests a second; this address waits for a free entry instead.
            if (e->InUse && !e->Complete && now - e->Stamp < RequestIntervalMs)
            {
                return false;
            }
        }

        e->InUse = true;
        e->Address = address.Value;
        e->Complete = false;
        e->Mac = 0;
        e->Stamp = now;
        return true;
    }
}
