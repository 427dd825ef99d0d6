using System;

namespace Aurora.Net;

/// <summary>Where the DHCP client is (RFC 2131 §4.4, figure 5).</summary>
public enum DhcpState : byte
{
    /// <summary>Not running: the address is the configured one.</summary>
    Off = 0,
    /// <summary>DHCPDISCOVER sent, waiting for an offer.</summary>
    Selecting,
    /// <summary>DHCPREQUEST for an offer sent, waiting for the ACK.</summary>
    Requesting,
    /// <summary>A lease is held; renewal at T1.</summary>
    Bound,
    /// <summary>Past T1: DHCPREQUEST unicast to the server that gave the lease.</summary>
    Renewing,
    /// <summary>Past T2: DHCPREQUEST broadcast to any server.</summary>
    Rebinding,
}

/// <summary>The lease the DHCP client holds: the address, the subnet mask (option 1), the first
/// router (option 3), up to three DNS servers (option 6), and its times in seconds.</summary>
public struct DhcpLease
{
    /// <summary>The address leased to this interface (yiaddr of the DHCPACK).</summary>
    public Ipv4Address Address;
    /// <summary>The subnet mask (option 1); when the server sent none, the address's classful mask
    /// (/8, /16 or /24).</summary>
    public Ipv4Address Netmask;
    /// <summary>The first router (option 3); unspecified when the server named none.</summary>
    public Ipv4Address Gateway;
    /// <summary>The server that granted the lease (option 54): where renewals go.</summary>
    public Ipv4Address Server;
    /// <summary>DNS servers (option 6), the first <see cref="DnsCount"/> of them valid.</summary>
    public Ipv4Address Dns0, Dns1, Dns2;
    /// <summary>How many of Dns0..Dns2 the server named (0 to 3).</summary>
    public int DnsCount;
    /// <summary>Length of the lease in seconds (option 51), counted from the DHCPACK.</summary>
    public uint LeaseSeconds;
    /// <summary>T1 in seconds (option 58; half the lease when absent or not below it): when
    /// renewing starts.</summary>
    public uint RenewSeconds;
    /// <summary>T2 in seconds (option 59; 7/8 of the lease when absent or out of order): when
    /// rebinding starts.</summary>
    public uint RebindSeconds;
}

/// <summary>
/// A DHCP client (RFC 2131) for the interface's address: DISCOVER, OFFER, REQUEST, ACK from
/// 0.0.0.0 with the broadcast flag (the stack cannot take unicast before it has an address),
/// renewal unicast to the server at T1, rebinding by broadcast at T2, the address given up at
/// the lease's end (discovery starts again). Messages are retransmitted after 1 s, doubling to
/// 64 s (RFC 2131 §4.1 asks 4 s first; a boot waiting for its address should not). No ARP
/// probe of the offered address (§2.2 SHOULD) and no DHCPDECLINE/DHCPRELEASE.
/// </summary>
public unsafe partial struct NetInterface<TMemory>
{
    private const ushort DhcpServerPort = 67;
    private const ushort DhcpClientPort = 68;
    private const uint DhcpMagicCookie = 0x6382_5363;
    private const byte DhcpDiscover = 1, DhcpOffer = 2, DhcpRequest = 3, DhcpAck = 5, DhcpNak = 6;
    private const ulong DhcpFirstRetryMs = 1000, DhcpLastRetryMs = 64_000;
    /// <summary>BOOTP's fixed part: op .. file, then the magic cookie (RFC 2131 §2, figure 1).</summary>
    private const int DhcpFixedLength = 236;

    /// <summary>Where the DHCP client is (<see cref="DhcpState"/>); Off once an address is set by
    /// hand (Configure).</summary>
    public readonly DhcpState DhcpStatus => _dhcpState;

    /// <summary>Leases taken so far (a new one, or a renewal): a caller compares it to notice a change.</summary>
    public readonly ulong DhcpLeaseCount => _dhcpLeases;

    /// <summary>The lease held, false when there is none.</summary>
    public readonly bool TryGetLease(out DhcpLease lease)
    {
        lease = _lease;
        return _dhcpState == DhcpState.Bound || _dhcpState == DhcpState.Renewing || _dhcpState == DhcpState.Rebinding;
    }

    /// <summary>Starts the DHCP client: the interface gives up its address (0.0.0.0) and
    /// discovers; the first DHCPDISCOVER goes at the next poll. EINVAL before Initialize.</summary>
    public NetError StartDhcp(ulong nowMs)
    {
        if (!_initialized)
        {
            return NetError.InvalidArgument;
        }

        _dhcpXid = (uint)(_config.Seed >> 32) ^ (uint)_config.Seed ^ (uint)nowMs;
        Unconfigure();
        Discover(nowMs);
        return NetError.None;
    }

    /// <summary>Stops the DHCP client and sets the address by hand (a fallback when no server
    /// answered); the sockets stay.</summary>
    public void Configure(Ipv4Address address, Ipv4Address netmask, Ipv4Address gateway)
    {
        _dhcpState = DhcpState.Off;
        _config.Address = address;
        _config.Netmask = netmask;
        _config.Gateway = gateway;
    }

    private void Unconfigure()
    {
        _config.Address = default;
        _config.Netmask = default;
        _config.Gateway = default;
        _lease = default;
    }

    private void Discover(ulong now)
    {
        _dhcpState = DhcpState.Selecting;
        _dhcpXid++;
        _dhcpTries = 0;
        _dhcpRetryMs = DhcpFirstRetryMs;
        _dhcpSendAt = now;
    }

    /// <summary>Timers of the client, from each poll: retransmissions, T1, T2, the lease's end.</summary>
    private void DhcpTimers(ulong now)
    {
        if (_dhcpState == DhcpState.Off || now < _dhcpSendAt)
        {
            return;
        }

        ulong leaseEnd = _leaseStart + (ulong)_lease.LeaseSeconds * 1000;
        switch (_dhcpState)
        {
            case DhcpState.Requesting when _dhcpTries >= 4:
                Discover(now); // the offer went stale: start again
                break;
            case DhcpState.Bound:
                _dhcpState = DhcpState.Renewing;
                break;
            case DhcpState.Renewing when now >= _leaseStart + (ulong)_lease.RebindSeconds * 1000:
                _dhcpState = DhcpState.Rebinding;
                break;
            case DhcpState.Rebinding when now >= leaseEnd:
                // The lease ran out (RFC 2131 §4.4.5): the address goes, discovery starts again.
                Unconfigure();
                Discover(now);
                break;
        }

        if (!SendDhcp(_dhcpState == DhcpState.Selecting ? DhcpDiscover : DhcpRequest, now))
        {
            _dhcpSendAt = now + 100; // no room in the transmit queue: soon again
            return;
        }

        _dhcpTries++;
        if (_dhcpState == DhcpState.Renewing || _dhcpState == DhcpState.Rebinding)
        {
            // RFC 2131 §4.4.5: half the time left until T2 (or the lease's end), at least 60 s.
            ulong until = _dhcpState == DhcpState.Renewing ? _leaseStart + (ulong)_lease.RebindSeconds * 1000 : leaseEnd;
            ulong wait = until > now ? (until - now) / 2 : 0;
            _dhcpSendAt = now + Math.Max(wait, 60_000UL);
            if (_dhcpSendAt > until) _dhcpSendAt = until;
            return;
        }

        _dhcpSendAt = now + _dhcpRetryMs;
        _dhcpRetryMs = Math.Min(_dhcpRetryMs * 2, DhcpLastRetryMs);
    }

    /// <summary>Builds a DHCPDISCOVER or DHCPREQUEST in the transmit queue.</summary>
    private bool SendDhcp(byte type, ulong now)
    {
        bool unicast = _dhcpState == DhcpState.Renewing;
        Ipv4Address destination = unicast ? _lease.Server : Ipv4Address.Broadcast;
        if (!TakeIpv4Frame(destination, now, out int slot, out _))
        {
            return false;
        }

        const int offset = EthernetFrame.HeaderLength + Ipv4Packet.HeaderLength;
        Span<byte> udp = _queue.Buffer(slot).Slice(offset);
        Span<byte> m = udp.Slice(UdpDatagram.HeaderLength, 300);
        m.Clear();
        m[0] = 1; // BOOTREQUEST
        m[1] = 1; // Ethernet
        m[2] = 6;
        NetworkOrder.WriteUInt32(m, 4, _dhcpXid);
        bool bound = _dhcpState == DhcpState.Renewing || _dhcpState == DhcpState.Rebinding;
        if (!bound)
        {
            NetworkOrder.WriteUInt16(m, 10, 0x8000); // broadcast flag: no unicast before an address
        }
        else
        {
            _config.Address.Write(m, 12); // ciaddr: ours, in RENEWING and REBINDING
        }

        _config.Mac.Write(m, 28);
        NetworkOrder.WriteUInt32(m, DhcpFixedLength, DhcpMagicCookie);
        int o = DhcpFixedLength + 4;
        m[o++] = 53; m[o++] = 1; m[o++] = type;
        if (type == DhcpRequest && _dhcpState == DhcpState.Requesting)
        {
            // SELECTING → REQUESTING: name the offer and its server (RFC 2131 §4.3.2).
            m[o++] = 50; m[o++] = 4; _dhcpOffered.Write(m, o); o += 4;
            m[o++] = 54; m[o++] = 4; _dhcpOfferServer.Write(m, o); o += 4;
        }

        // Parameter request list: mask, router, DNS, lease time, T1, T2.
        m[o++] = 55; m[o++] = 6; m[o++] = 1; m[o++] = 3; m[o++] = 6; m[o++] = 51; m[o++] = 58; m[o++] = 59;
        m[o] = 255;
        Ipv4Address source = bound ? _config.Address : default;
        UdpDatagram.Emit(udp, source, destination, DhcpClientPort, DhcpServerPort, m.Length);
        FinishIpv4Frame(slot, source, destination, IpProtocol.Udp, UdpDatagram.HeaderLength + m.Length, now);
        _stats.DhcpMessagesSent++;
        return true;
    }

    /// <summary>A datagram from a server's port 67 to our 68: an OFFER while selecting, an ACK or
    /// NAK while requesting, renewing or rebinding; anything else (another client's exchange, a
    /// stale transaction, a malformed message) is dropped and counted.</summary>
    private void DhcpInput(ReadOnlySpan<byte> m, ulong now)
    {
        if (m.Length < DhcpFixedLength + 4 || m[0] != 2 || m[1] != 1 || m[2] != 6 ||
            NetworkOrder.ReadUInt32(m, 4) != _dhcpXid || NetworkOrder.ReadUInt32(m, DhcpFixedLength) != DhcpMagicCookie ||
            MacAddress.Read(m, 28).Value != _config.Mac.Value)
        {
            _stats.DhcpMessagesIgnored++;
            return;
        }

        byte type = 0;
        DhcpLease lease = default;
        lease.Address = Ipv4Address.Read(m, 16); // yiaddr
        bool hasMask = false;
        for (int i = DhcpFixedLength + 4; i < m.Length;)
        {
            byte code = m[i];
            if (code == 255) break;
            if (code == 0) { i++; continue; }
            if (i + 1 >= m.Length || i + 2 + m[i + 1] > m.Length)
            {
                _stats.DhcpMessagesIgnored++;
                return;
            }

            int length = m[i + 1];
            ReadOnlySpan<byte> value = m.Slice(i + 2, length);
            switch (code)
            {
                case 53 when length == 1: type = value[0]; break;
                case 1 when length == 4: lease.Netmask = Ipv4Address.Read(value, 0); hasMask = true; break;
                case 3 when length >= 4: lease.Gateway = Ipv4Address.Read(value, 0); break;
                case 54 when length == 4: lease.Server = Ipv4Address.Read(value, 0); break;
                case 51 when length == 4: lease.LeaseSeconds = NetworkOrder.ReadUInt32(value, 0); break;
                case 58 when length == 4: lease.RenewSeconds = NetworkOrder.ReadUInt32(value, 0); break;
                case 59 when length == 4: lease.RebindSeconds = NetworkOrder.ReadUInt32(value, 0); break;
                case 6 when length >= 4:
                    lease.DnsCount = Math.Min(length / 4, 3);
                    lease.Dns0 = Ipv4Address.Read(value, 0);
                    if (lease.DnsCount > 1) lease.Dns1 = Ipv4Address.Read(value, 4);
                    if (lease.DnsCount > 2) lease.Dns2 = Ipv4Address.Read(value, 8);
                    break;
            }

            i += 2 + length;
        }

        if (type == DhcpOffer && _dhcpState == DhcpState.Selecting)
        {
            if (lease.Address.IsUnspecified || lease.Address.IsBroadcast || lease.Address.IsMulticast || lease.Server.IsUnspecified)
            {
                _stats.DhcpMessagesIgnored++;
                return;
            }

            _dhcpOffered = lease.Address;
            _dhcpOfferServer = lease.Server;
            _dhcpState = DhcpState.Requesting;
            _dhcpTries = 0;
            _dhcpRetryMs = DhcpFirstRetryMs;
            _dhcpSendAt = now;
            return;
        }

        bool waiting = _dhcpState == DhcpState.Requesting || _dhcpState == DhcpState.Renewing || _dhcpState == DhcpState.Rebinding;
        if (type == DhcpNak && waiting)
        {
            // RFC 2131 §3.1 step 5 / §4.4.5: the server refused; start over without the address.
            _stats.DhcpNaks++;
            Unconfigure();
            Discover(now);
            return;
        }

        if (type != DhcpAck || !waiting || lease.Address.IsUnspecified || lease.Address.IsBroadcast || lease.Address.IsMulticast ||
            (_dhcpState == DhcpState.Requesting && lease.Address.Value != _dhcpOffered.Value))
        {
            _stats.DhcpMessagesIgnored++;
            return;
        }

        if (!hasMask)
        {
            // RFC 2131 §2.2 / RFC 1122: without option 1, the class's natural mask.
            uint first = lease.Address.Value >> 24;
            lease.Netmask = new Ipv4Address(first < 128 ? 0xFF00_0000u : first < 192 ? 0xFFFF_0000u : 0xFFFF_FF00u);
        }

        if (lease.Server.IsUnspecified) lease.Server = _dhcpState == DhcpState.Requesting ? _dhcpOfferServer : _lease.Server;
        if (lease.LeaseSeconds == 0) lease.LeaseSeconds = 3600;
        if (lease.RenewSeconds == 0 || lease.RenewSeconds >= lease.LeaseSeconds) lease.RenewSeconds = lease.LeaseSeconds / 2;
        if (lease.RebindSeconds == 0 || lease.RebindSeconds >= lease.LeaseSeconds || lease.RebindSeconds < lease.RenewSeconds)
        {
            lease.RebindSeconds = (uint)((ulong)lease.LeaseSeconds * 7 / 8);
        }

        _lease = lease;
        _config.Address = lease.Address;
        _config.Netmask = lease.Netmask;
        _config.Gateway = lease.Gateway;
        _leaseStart = now;
        _dhcpState = DhcpState.Bound;
        _dhcpSendAt = now + (ulong)lease.RenewSeconds * 1000;
        _dhcpLeases++;
    }
}
