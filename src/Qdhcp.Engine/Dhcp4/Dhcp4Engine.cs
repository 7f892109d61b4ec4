using System.Buffers.Binary;
using System.Text;
using Qdhcp.Engine.Leases;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Dhcp4;

/// <summary>
/// The DHCPv4 server of one network, per RFC 2131: a request's bytes in, a decision, a reply's bytes out.
/// Synchronous and free of I/O, so every rule can be tested without sockets. One receive loop calls
/// <see cref="Process"/> at a time; <see cref="Reload"/> may be called from any thread and swaps the snapshot.
/// </summary>
/// <remarks>
/// Static mode (Neutron's <c>--dhcp-range=...,static</c>): only clients with a host entry get an address, and
/// the host entry is the truth. That is why a renewing client whose address is still its reservation is ACKed
/// even when no lease is on record (after a restart with <c>--leasefile-ro</c>): Neutron's NAK-after-restart
/// problems come from servers that trust their lease table over the reservation.
/// </remarks>
public sealed class Dhcp4Engine
{
    private const int MaxClientIdLength = 255 * 2;

    // Bounded whatever arrives: a random-MAC flood evicts old buckets instead of growing the table.
    private readonly TokenBuckets _clientBuckets = new(8192);
    private readonly TokenBuckets _poolBuckets = new(1024);
    private Dhcp4NetworkSnapshot _snapshot;

    // Per pool range of the current snapshot: the table version and second at which a full scan found nothing
    // free, so an exhausted pool costs one check per DISCOVER, not a scan, until something changes.
    private PoolMiss[] _poolMisses = [];
    private Dhcp4NetworkSnapshot? _poolMissesFor;

    public Dhcp4Engine(Dhcp4NetworkSnapshot snapshot, Dhcp4LeaseTable? leases = null)
    {
        _snapshot = snapshot;
        Leases = leases ?? new Dhcp4LeaseTable();
    }

    public Dhcp4LeaseTable Leases { get; }

    public Dhcp4Counters Counters { get; } = new();

    public Dhcp4NetworkSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>
    /// Swaps in a new configuration; requests in flight finish with the old one. Leases are kept, and so are the
    /// host-name strings the leases hold (<see cref="Dhcp4NetworkSnapshot.AdoptHostNames"/>).
    /// </summary>
    public void Reload(Dhcp4NetworkSnapshot snapshot)
    {
        snapshot.AdoptHostNames(Snapshot);
        Volatile.Write(ref _snapshot, snapshot);
    }

    /// <summary>
    /// Handles one datagram received on <paramref name="context"/>'s interface, writing any reply into
    /// <paramref name="reply"/> (at least 300 bytes; 1500 covers every client). Never throws on any input.
    /// </summary>
    public Dhcp4EngineResult Process(in Dhcp4RequestContext context, ReadOnlySpan<byte> request, Span<byte> reply)
    {
        Dhcp4EngineResult result = Decide(context, request, reply);
        Counters.Record(result);
        return result;
    }

    private Dhcp4EngineResult Decide(in Dhcp4RequestContext context, ReadOnlySpan<byte> datagram, Span<byte> reply)
    {
        if (Dhcp4Reader.TryRead(datagram, out Dhcp4Reader request) != Dhcp4ParseStatus.Ok)
        {
            return Dhcp4EngineResult.Drop(Dhcp4MessageType.None, Dhcp4DropReason.Malformed);
        }

        if (request.Op != BootpOperation.BootRequest)
        {
            return Dhcp4EngineResult.Drop(Dhcp4MessageType.None, Dhcp4DropReason.NotARequest);
        }

        Dhcp4MessageType type = request.MessageType;
        if (type == Dhcp4MessageType.None)
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.NotDhcp);
        }

        Span<byte> clientIdScratch = stackalloc byte[MaxClientIdLength];
        if (!request.TryGetConcatenatedOption(Dhcp4OptionCode.ClientIdentifier, clientIdScratch, out ReadOnlySpan<byte> clientId))
        {
            clientId = default;
        }

        Dhcp4NetworkSnapshot snapshot = Snapshot;
        int clientRate = snapshot.Configuration.ClientRateLimit;
        if (clientRate > 0 && !_clientBuckets.TryTake(request.ClientMac.Value, context.NowUnixSeconds, clientRate, clientRate * 2))
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.RateLimited);
        }

        Transaction tx = new(context, snapshot, request.ClientMac, snapshot.FindHost(request.ClientMac, request.HasEthernetAddress, clientId));
        if (tx.Host?.Ignore == true)
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.IgnoredClient);
        }

        return type switch
        {
            Dhcp4MessageType.Discover => Discover(tx, request, clientId, reply),
            Dhcp4MessageType.Request => Request(tx, request, clientId, reply),
            Dhcp4MessageType.Decline => Decline(tx, request),
            Dhcp4MessageType.Release => Release(tx, request),
            Dhcp4MessageType.Inform => Inform(tx, request, clientId, reply),
            _ => Dhcp4EngineResult.Drop(type, Dhcp4DropReason.NotARequest),
        };
    }

    /// <summary>
    /// DHCPDISCOVER (RFC 2131 §4.3.1):
    /// <list type="bullet">
    /// <item>no host entry with an address: no answer (static mode serves listed hosts only);</item>
    /// <item>the address in no range of this interface or relay: no answer;</item>
    /// <item>the address leased to another, unexpired client: no answer (never an address twice);</item>
    /// <item>lease-max reached and the client holds no lease: no answer;</item>
    /// <item>else OFFER the reserved address. A requested address (option 50) is only a hint and is ignored.</item>
    /// </list>
    /// </summary>
    private Dhcp4EngineResult Discover(in Transaction tx, in Dhcp4Reader request, ReadOnlySpan<byte> clientId, Span<byte> reply)
    {
        if (tx.Host is not { Address: { } address } host)
        {
            return tx.Snapshot.HasDynamicRanges
                ? DiscoverFromPool(tx, request, clientId, reply)
                : Dhcp4EngineResult.Drop(Dhcp4MessageType.Discover, Dhcp4DropReason.UnknownClient);
        }

        if (!tx.Snapshot.TryFindRange(tx.Context.Interface, request.Giaddr, address, reserved: true, host.SetTags, out RangeMatch range))
        {
            return Dhcp4EngineResult.Drop(Dhcp4MessageType.Discover, Dhcp4DropReason.NoRange);
        }

        if (Leases.IsHeldByAnother(address, tx.Mac, tx.Context.NowUnixSeconds))
        {
            return Dhcp4EngineResult.Drop(Dhcp4MessageType.Discover, Dhcp4DropReason.AddressInUse);
        }

        if (!Leases.HasRoomFor(address, tx.Mac, tx.Snapshot.Configuration.LeaseMax, tx.Context.NowUnixSeconds))
        {
            return Dhcp4EngineResult.Drop(Dhcp4MessageType.Discover, Dhcp4DropReason.LeaseMaxReached);
        }

        return WriteReply(tx, request, clientId, Dhcp4MessageType.Offer, address, range, LeaseSecondsFor(tx.Host, range), reply);
    }

    /// <summary>
    /// DHCPDISCOVER from a client with no reserved address, on a network with pools (RFC 2131 §4.3.1, in its order
    /// of preference):
    /// <list type="number">
    /// <item>the address the client has: its lease (current, or expired and not taken since), or what it was offered;</item>
    /// <item>the address it asks for (option 50), when free in one of its pools;</item>
    /// <item>a free address of its pools, scanning from a point derived from its MAC, so a returning client whose
    /// lease was reclaimed most likely gets the same address again (as dnsmasq does).</item>
    /// </list>
    /// Free means: inside the pool, not the subnet's network or broadcast address, not this server's own, not
    /// reserved for another host, not leased (unexpired) or offered to another client, not declined. The offered
    /// address is held for the client for <see cref="Dhcp4Configuration.OfferHoldSeconds"/>. A new address counts
    /// against the relay's (or interface's) <see cref="Dhcp4Configuration.PoolRateLimit"/>.
    /// </summary>
    private Dhcp4EngineResult DiscoverFromPool(in Transaction tx, in Dhcp4Reader request, ReadOnlySpan<byte> clientId, Span<byte> reply)
    {
        const Dhcp4MessageType type = Dhcp4MessageType.Discover;
        long now = tx.Context.NowUnixSeconds;
        IPv4Address relay = request.Giaddr;
        RangeMatch range;
        IPv4Address address;
        if (Leases.TryGetClientAddress(tx.Mac, out IPv4Address own) && TryFindPool(tx, relay, own, out range) && IsAllocatable(tx, own, range, now))
        {
            address = own;
        }
        else
        {
            if (!TakePoolToken(tx, relay, now))
            {
                return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.RateLimited);
            }

            if (TryGetAddressOption(request, Dhcp4OptionCode.RequestedIPAddress, out IPv4Address requested)
                && TryFindPool(tx, relay, requested, out range) && IsAllocatable(tx, requested, range, now))
            {
                address = requested;
            }
            else if (!TryScanPools(tx, relay, now, out address, out range))
            {
                return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.PoolExhausted);
            }
        }

        if (!Leases.HasRoomFor(address, tx.Mac, tx.Snapshot.Configuration.LeaseMax, now))
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.LeaseMaxReached);
        }

        Leases.HoldOffer(address, tx.Mac, now + tx.Snapshot.Configuration.OfferHoldSeconds);
        return WriteReply(tx, request, clientId, Dhcp4MessageType.Offer, address, range, LeaseSecondsFor(tx.Host, range), reply);
    }

    /// <summary>
    /// DHCPREQUEST from a client with no reserved address, for <paramref name="target"/> (option 50, else ciaddr):
    /// <list type="bullet">
    /// <item>not in one of the client's pools here: NAK when the client chose us (option 54) or we are
    /// authoritative, else silence (RFC 2131 §4.3.2: another server may know it);</item>
    /// <item>reserved for another host, leased or offered to another client, or declined: NAK;</item>
    /// <item>lease-max reached: NAK;</item>
    /// <item>else ACK and record the lease. A client with no lease on record (after a restart that lost it) keeps
    /// its address when it is free, as dnsmasq does; if it is new to the client (no lease, no offer), it counts
    /// against the pool rate limit like a DISCOVER, so REQUESTs cannot drain a pool around the limit.</item>
    /// </list>
    /// </summary>
    private Dhcp4EngineResult RequestFromPool(in Transaction tx, in Dhcp4Reader request, ReadOnlySpan<byte> clientId, IPv4Address target, bool hasServerId, Span<byte> reply)
    {
        const Dhcp4MessageType type = Dhcp4MessageType.Request;
        long now = tx.Context.NowUnixSeconds;
        IPv4Address relay = request.Giaddr;
        if (!TryFindPool(tx, relay, target, out RangeMatch range))
        {
            if (Leases.Release(target, tx.Mac))
            {
                Dhcp4EngineResult nak = WriteNak(tx, request, clientId, "address not in a pool on this network", reply);
                return nak with { LeaseChange = Dhcp4LeaseChange.Released };
            }

            return hasServerId || tx.Snapshot.Configuration.Authoritative
                ? WriteNak(tx, request, clientId, "address not in a pool on this network", reply)
                : Dhcp4EngineResult.Drop(type, Dhcp4DropReason.NoRange);
        }

        if (!IsAllocatable(tx, target, range, now))
        {
            bool released = Leases.Release(target, tx.Mac);
            Dhcp4EngineResult nak = WriteNak(tx, request, clientId, "address in use", reply);
            return nak with { LeaseChange = released ? Dhcp4LeaseChange.Released : Dhcp4LeaseChange.None };
        }

        if (!Leases.HasClaimOn(target, tx.Mac) && !TakePoolToken(tx, relay, now))
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.RateLimited);
        }

        if (!Leases.HasRoomFor(target, tx.Mac, tx.Snapshot.Configuration.LeaseMax, now))
        {
            return WriteNak(tx, request, clientId, "no leases left", reply);
        }

        uint leaseSeconds = LeaseSecondsFor(tx.Host, range);
        long expires = leaseSeconds == LeaseTime.Infinite ? 0 : now + leaseSeconds;
        bool bound = Leases.Grant(target, tx.Mac, clientId, tx.Host?.HostName, expires, range.Subnet);
        Dhcp4EngineResult ack = WriteReply(tx, request, clientId, Dhcp4MessageType.Ack, target, range, leaseSeconds, reply);
        return ack with { LeaseChange = bound ? Dhcp4LeaseChange.Bound : Dhcp4LeaseChange.Renewed };
    }

    /// <summary>The first pool (start..end) of this interface or relay, with the client's tags, that holds <paramref name="address"/>.</summary>
    private static bool TryFindPool(in Transaction tx, IPv4Address relay, IPv4Address address, out RangeMatch match)
    {
        IReadOnlyList<DhcpRange> ranges = tx.Snapshot.Configuration.Ranges;
        for (int i = 0; i < ranges.Count; i++)
        {
            DhcpRange range = ranges[i];
            if (!range.IsStatic && address >= range.Start && address <= range.End
                && tx.Snapshot.TryMatchRange(i, tx.Context.Interface, relay, tx.Host?.SetTags, out match))
            {
                return true;
            }
        }

        match = default;
        return false;
    }

    /// <summary>True when the pool of <paramref name="range"/> may give <paramref name="address"/> to this client now.</summary>
    private bool IsAllocatable(in Transaction tx, IPv4Address address, in RangeMatch range, long now)
    {
        IPv4Subnet subnet = range.Subnet;
        return address >= range.Range.Start && address <= range.Range.End
            && address != subnet.Network && address != subnet.BroadcastAddress
            && !Dhcp4NetworkSnapshot.IsOurAddress(tx.Context.Interface, address)
            && !tx.Snapshot.IsReservedForAnother(address, tx.Host)
            && Leases.IsFreeFor(address, tx.Mac, now);
    }

    /// <summary>Scans the client's pools for a free address, each from the point the client's MAC hashes to.</summary>
    private bool TryScanPools(in Transaction tx, IPv4Address relay, long now, out IPv4Address address, out RangeMatch match)
    {
        Dhcp4NetworkSnapshot snapshot = tx.Snapshot;
        IReadOnlyList<DhcpRange> ranges = snapshot.Configuration.Ranges;
        if (!ReferenceEquals(_poolMissesFor, snapshot))
        {
            _poolMisses = new PoolMiss[ranges.Count];
            _poolMissesFor = snapshot;
        }

        long version = Leases.Version;
        for (int i = 0; i < ranges.Count; i++)
        {
            DhcpRange range = ranges[i];
            if (range.IsStatic || !snapshot.TryMatchRange(i, tx.Context.Interface, relay, tx.Host?.SetTags, out match))
            {
                continue;
            }

            PoolMiss miss = _poolMisses[i];
            if (miss.Second == now && miss.Version == version)
            {
                continue;
            }

            uint size = range.End.Value - range.Start.Value + 1;
            uint offset = (uint)(HashMac(tx.Mac) % size);
            for (uint probe = 0; probe < size; probe++)
            {
                IPv4Address candidate = new(range.Start.Value + ((offset + probe) % size));
                if (IsAllocatable(tx, candidate, match, now))
                {
                    address = candidate;
                    return true;
                }
            }

            _poolMisses[i] = new PoolMiss(version, now);
        }

        address = default;
        match = default;
        return false;
    }

    /// <summary>One token of the pool rate limit of the request's source: its relay, or the receiving interface.</summary>
    private bool TakePoolToken(in Transaction tx, IPv4Address relay, long now)
    {
        int rate = tx.Snapshot.Configuration.PoolRateLimit;
        ulong source = relay.IsAny ? (1UL << 32) | (uint)tx.Context.Interface.Index : relay.Value;
        return _poolBuckets.TryTake(source, now, rate, rate * 2);
    }

    private static ulong HashMac(MacAddress mac)
    {
        ulong value = mac.Value * 0x9E3779B97F4A7C15UL;
        return value ^ (value >> 29);
    }

    /// <summary>
    /// DHCPREQUEST (RFC 2131 §4.3.2), by client state:
    /// <list type="bullet">
    /// <item>SELECTING (option 54 set): another server's id -> ignore (the client chose it; Neutron runs several
    /// servers per network, so a NAK here would undo their work); ours -> the requested address (50) is checked.</item>
    /// <item>INIT-REBOOT (no 54, option 50, ciaddr 0): option 50 is checked.</item>
    /// <item>RENEWING / REBINDING (no 54, ciaddr set): ciaddr is checked.</item>
    /// <item>Checked address = the host's reservation -> ACK and record the lease, with or without a lease on
    /// record; another address -> NAK; the address held by another client, or no lease left -> NAK.</item>
    /// <item>Unknown client: silent (RFC 2131 §4.3.2 "MUST remain silent"), unless authoritative, then NAK.</item>
    /// </list>
    /// </summary>
    private Dhcp4EngineResult Request(in Transaction tx, in Dhcp4Reader request, ReadOnlySpan<byte> clientId, Span<byte> reply)
    {
        const Dhcp4MessageType type = Dhcp4MessageType.Request;
        bool hasServerId = TryGetAddressOption(request, Dhcp4OptionCode.ServerIdentifier, out IPv4Address serverId);
        bool hasRequested = TryGetAddressOption(request, Dhcp4OptionCode.RequestedIPAddress, out IPv4Address requested);
        if (hasServerId && !Dhcp4NetworkSnapshot.IsOurAddress(tx.Context.Interface, serverId))
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.OtherServer);
        }

        IPv4Address ciaddr = request.Ciaddr;
        IPv4Address target = hasRequested && !requested.IsAny ? requested : ciaddr;
        if (target.IsAny)
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.MissingField);
        }

        if (tx.Host is not { Address: { } address } host)
        {
            if (tx.Snapshot.HasDynamicRanges)
            {
                return RequestFromPool(tx, request, clientId, target, hasServerId, reply);
            }

            return tx.Snapshot.Configuration.Authoritative
                ? WriteNak(tx, request, clientId, "no address reserved for this client", reply)
                : Dhcp4EngineResult.Drop(type, Dhcp4DropReason.UnknownClient);
        }

        if (target != address)
        {
            // The host's address changed (or the client remembers an old one): free what it held, and NAK so it
            // starts over with DISCOVER and gets the new address (RFC 2131 §4.3.2).
            bool released = Leases.Release(target, tx.Mac);
            Dhcp4EngineResult nak = WriteNak(tx, request, clientId, "wrong address", reply);
            return nak with { LeaseChange = released ? Dhcp4LeaseChange.Released : Dhcp4LeaseChange.None };
        }

        if (!tx.Snapshot.TryFindRange(tx.Context.Interface, request.Giaddr, address, reserved: true, host.SetTags, out RangeMatch range))
        {
            // RFC 2131 §4.3.2: a client on the wrong network gets a NAK, but only when it asked us.
            return hasServerId
                ? WriteNak(tx, request, clientId, "address not available on this network", reply)
                : Dhcp4EngineResult.Drop(type, Dhcp4DropReason.NoRange);
        }

        long now = tx.Context.NowUnixSeconds;
        if (Leases.IsHeldByAnother(address, tx.Mac, now))
        {
            return WriteNak(tx, request, clientId, "address in use", reply);
        }

        if (!Leases.HasRoomFor(address, tx.Mac, tx.Snapshot.Configuration.LeaseMax, now))
        {
            return WriteNak(tx, request, clientId, "no leases left", reply);
        }

        uint leaseSeconds = LeaseSecondsFor(tx.Host, range);
        long expires = leaseSeconds == LeaseTime.Infinite ? 0 : now + leaseSeconds;
        bool bound = Leases.Grant(address, tx.Mac, clientId, host.HostName, expires, range.Subnet);
        Dhcp4EngineResult ack = WriteReply(tx, request, clientId, Dhcp4MessageType.Ack, address, range, leaseSeconds, reply);
        return ack with { LeaseChange = bound ? Dhcp4LeaseChange.Bound : Dhcp4LeaseChange.Renewed };
    }

    /// <summary>
    /// DHCPDECLINE (RFC 2131 §4.3.3): the client found the address in use. Only for us (option 54); the lease is
    /// dropped. Never answered.
    /// </summary>
    private Dhcp4EngineResult Decline(in Transaction tx, in Dhcp4Reader request)
    {
        const Dhcp4MessageType type = Dhcp4MessageType.Decline;
        if (TryGetAddressOption(request, Dhcp4OptionCode.ServerIdentifier, out IPv4Address serverId) && !Dhcp4NetworkSnapshot.IsOurAddress(tx.Context.Interface, serverId))
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.OtherServer);
        }

        if (!TryGetAddressOption(request, Dhcp4OptionCode.RequestedIPAddress, out IPv4Address declined))
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.MissingField);
        }

        // Only the client's own address can be declined, or any client could take addresses out of service.
        bool own = tx.Host?.Address == declined || Leases.Holds(declined, tx.Mac);
        if (!own)
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.NoReplyExpected);
        }

        // As dnsmasq does for a declined static address: not offered again for a while (the configured quarantine),
        // so a client that finds it in use does not loop DISCOVER/DECLINE.
        Leases.Quarantine(declined, tx.Context.NowUnixSeconds + tx.Snapshot.Configuration.DeclineQuarantineSeconds);
        return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.NoReplyExpected, Dhcp4LeaseChange.Released);
    }

    /// <summary>
    /// DHCPRELEASE (RFC 2131 §4.3.4): ciaddr is given up. Neutron's <c>dhcp_release</c> sends it twice, with and
    /// without a client-id, so the lease is matched by MAC, and the second one finds nothing and changes nothing.
    /// </summary>
    private Dhcp4EngineResult Release(in Transaction tx, in Dhcp4Reader request)
    {
        const Dhcp4MessageType type = Dhcp4MessageType.Release;
        if (TryGetAddressOption(request, Dhcp4OptionCode.ServerIdentifier, out IPv4Address serverId) && !Dhcp4NetworkSnapshot.IsOurAddress(tx.Context.Interface, serverId))
        {
            return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.OtherServer);
        }

        return Dhcp4EngineResult.Drop(type, Dhcp4DropReason.NoReplyExpected, Leases.Release(request.Ciaddr, tx.Mac) ? Dhcp4LeaseChange.Released : Dhcp4LeaseChange.None);
    }

    /// <summary>
    /// DHCPINFORM (RFC 2131 §4.3.5): a client with an address configured by other means asks for options. Any
    /// client in a served subnet gets an ACK with options, no yiaddr and no lease time, sent to ciaddr.
    /// </summary>
    private Dhcp4EngineResult Inform(in Transaction tx, in Dhcp4Reader request, ReadOnlySpan<byte> clientId, Span<byte> reply)
    {
        IPv4Address ciaddr = request.Ciaddr;
        if (ciaddr.IsAny)
        {
            return Dhcp4EngineResult.Drop(Dhcp4MessageType.Inform, Dhcp4DropReason.MissingField);
        }

        if (!tx.Snapshot.TryFindRange(tx.Context.Interface, request.Giaddr, ciaddr, reserved: true, tx.Host?.SetTags, out RangeMatch range))
        {
            return Dhcp4EngineResult.Drop(Dhcp4MessageType.Inform, Dhcp4DropReason.NoRange);
        }

        return WriteReply(tx, request, clientId, Dhcp4MessageType.Ack, IPv4Address.Any, range, leaseSeconds: null, reply);
    }

    private static uint LeaseSecondsFor(HostEntry? host, RangeMatch range) => host?.LeaseSeconds ?? range.Range.LeaseSeconds;

    /// <summary>
    /// Writes an OFFER or ACK. Options, in dnsmasq's order so that replies look like the ones clients know:
    /// 53, 54, 51/58/59 (T1 = 50 %, T2 = 87.5 % of the lease, RFC 2131 §4.4.5; none for infinite leases or INFORM),
    /// 1, 28, 15, 12 (ACK only, as dnsmasq), the configured options, router and DNS server defaults (this server)
    /// when not configured, then 61 (RFC 6842 §3) and 82 (RFC 3046 §2.2) echoed back. Only options the client
    /// asked for in option 55 are sent, unless forced or the client sent no list; what does not fit option 57's
    /// size is left out.
    /// </summary>
    private static Dhcp4EngineResult WriteReply(
        in Transaction tx,
        in Dhcp4Reader request,
        ReadOnlySpan<byte> clientId,
        Dhcp4MessageType replyType,
        IPv4Address yiaddr,
        RangeMatch range,
        uint? leaseSeconds,
        Span<byte> reply)
    {
        Span<ulong> wanted = stackalloc ulong[4];
        if (!ReadParameterRequestList(request, wanted))
        {
            wanted.Fill(ulong.MaxValue);
        }

        request.TryGetOption(Dhcp4OptionCode.RelayAgentInformation, out ReadOnlySpan<byte> relayInfo);
        int tailLength = (clientId.IsEmpty ? 0 : 2 + clientId.Length) + (relayInfo.IsEmpty ? 0 : 2 + relayInfo.Length);

        Dhcp4Writer writer = new(reply, Math.Min(reply.Length, request.MaximumReplyLength));
        bool isInform = request.MessageType == Dhcp4MessageType.Inform;
        writer.WriteHeader(
            BootpOperation.BootReply,
            request.Htype,
            request.Hlen,
            hops: 0,
            request.Xid,
            secs: 0,
            request.Flags,
            ciaddr: isInform || replyType == Dhcp4MessageType.Ack ? request.Ciaddr : IPv4Address.Any,
            yiaddr,
            siaddr: range.ServerId,
            request.Giaddr,
            request.Chaddr);

        writer.TryWriteByte(Dhcp4OptionCode.DhcpMessageType, (byte)replyType);
        writer.TryWriteAddress(Dhcp4OptionCode.ServerIdentifier, range.ServerId);
        if (leaseSeconds is { } lease)
        {
            writer.TryWriteUInt32(Dhcp4OptionCode.IPAddressLeaseTime, lease);
            if (lease != LeaseTime.Infinite)
            {
                writer.TryWriteUInt32(Dhcp4OptionCode.RenewalTime, lease / 2);
                writer.TryWriteUInt32(Dhcp4OptionCode.RebindingTime, (uint)(lease * 7UL / 8));
            }
        }

        Dhcp4NetworkSnapshot snapshot = tx.Snapshot;
        List<string>? requestTags = snapshot.MatchRequestTags(request);
        OptionBlock block = snapshot.GetOptionBlock(tx.Host, range, requestTags);

        // Room for the echoed 61 and 82 is kept first: RFC 6842 makes echoing the client-id a MUST.
        int room = writer.RemainingForOptions - tailLength;
        if (!block.Configures(Dhcp4OptionCode.SubnetMask) && room >= 6)
        {
            writer.TryWriteAddress(Dhcp4OptionCode.SubnetMask, range.Subnet.Mask);
        }

        if (Wants(wanted, (byte)Dhcp4OptionCode.BroadcastAddress) && !block.Configures(Dhcp4OptionCode.BroadcastAddress) && writer.RemainingForOptions - tailLength >= 6)
        {
            writer.TryWriteAddress(Dhcp4OptionCode.BroadcastAddress, range.Subnet.BroadcastAddress);
        }

        if (snapshot.DomainBytes is { } domain && Wants(wanted, (byte)Dhcp4OptionCode.DomainName) && !block.Configures(Dhcp4OptionCode.DomainName) && writer.RemainingForOptions - tailLength >= 2 + domain.Length)
        {
            writer.TryWriteOption(Dhcp4OptionCode.DomainName, domain);
        }

        ReadOnlySpan<byte> hostName = tx.Host is { } host ? host.HostNameBytes : default;
        if (replyType == Dhcp4MessageType.Ack && !isInform && !hostName.IsEmpty && Wants(wanted, (byte)Dhcp4OptionCode.HostName) && writer.RemainingForOptions - tailLength >= 2 + hostName.Length)
        {
            writer.TryWriteOption(Dhcp4OptionCode.HostName, hostName);
        }

        ReadOnlySpan<byte> blockData = block.Data;
        foreach (OptionBlock.Entry entry in block.Entries)
        {
            if (entry.Length > 0 && (entry.Force || Wants(wanted, entry.Code)) && entry.Length <= writer.RemainingForOptions - tailLength)
            {
                writer.TryWriteEncodedOptions(blockData.Slice(entry.Offset, entry.Length));
            }
        }

        // dnsmasq's defaults: on a directly attached subnet this server is the router and, with DNS on, the DNS
        // server, unless configured otherwise (an empty setting in the opts file announces none).
        if (request.Giaddr.IsAny && !block.HasRouter && Wants(wanted, (byte)Dhcp4OptionCode.Router) && writer.RemainingForOptions - tailLength >= 6)
        {
            writer.TryWriteAddress(Dhcp4OptionCode.Router, range.ServerId);
        }

        if (snapshot.Configuration.DnsEnabled && !block.HasDnsServer && Wants(wanted, (byte)Dhcp4OptionCode.DomainNameServer) && writer.RemainingForOptions - tailLength >= 6)
        {
            writer.TryWriteAddress(Dhcp4OptionCode.DomainNameServer, range.ServerId);
        }

        WriteEchoedOptions(ref writer, clientId, relayInfo);
        int length = writer.WriteEnd();
        ReplyDestination destination = ReplyRouting.Choose(
            replyType,
            request.Giaddr,
            request.Ciaddr,
            yiaddr,
            request.BroadcastRequested,
            request.HasEthernetAddress,
            tx.Mac,
            snapshot.Configuration.AlwaysBroadcast);
        return new Dhcp4EngineResult(request.MessageType, replyType, length, destination, Dhcp4DropReason.None, Dhcp4LeaseChange.None);
    }

    /// <summary>A DHCPNAK (RFC 2131 §4.3.2, Table 3): no yiaddr, no lease, option 54 and a message (56) saying why.</summary>
    private static Dhcp4EngineResult WriteNak(in Transaction tx, in Dhcp4Reader request, ReadOnlySpan<byte> clientId, string why, Span<byte> reply)
    {
        request.TryGetOption(Dhcp4OptionCode.RelayAgentInformation, out ReadOnlySpan<byte> relayInfo);
        IPv4Address serverId = NakServerId(tx.Context.Interface, request);
        Dhcp4Writer writer = new(reply, Math.Min(reply.Length, request.MaximumReplyLength));
        writer.WriteHeader(
            BootpOperation.BootReply,
            request.Htype,
            request.Hlen,
            hops: 0,
            request.Xid,
            secs: 0,
            (ushort)(request.Flags | (request.Giaddr.IsAny ? 0 : Dhcp4Header.BroadcastFlag)),
            IPv4Address.Any,
            IPv4Address.Any,
            IPv4Address.Any,
            request.Giaddr,
            request.Chaddr);
        writer.TryWriteByte(Dhcp4OptionCode.DhcpMessageType, (byte)Dhcp4MessageType.Nak);
        writer.TryWriteAddress(Dhcp4OptionCode.ServerIdentifier, serverId);
        Span<byte> message = stackalloc byte[64];
        int messageLength = Encoding.ASCII.GetBytes(why, message);
        writer.TryWriteOption(Dhcp4OptionCode.Message, message[..messageLength]);
        WriteEchoedOptions(ref writer, clientId, relayInfo);
        int length = writer.WriteEnd();
        ReplyDestination destination = ReplyRouting.Choose(Dhcp4MessageType.Nak, request.Giaddr, request.Ciaddr, IPv4Address.Any, true, request.HasEthernetAddress, tx.Mac);
        return new Dhcp4EngineResult(request.MessageType, Dhcp4MessageType.Nak, length, destination, Dhcp4DropReason.None, Dhcp4LeaseChange.None);
    }

    private static void WriteEchoedOptions(ref Dhcp4Writer writer, ReadOnlySpan<byte> clientId, ReadOnlySpan<byte> relayInfo)
    {
        if (!clientId.IsEmpty)
        {
            // RFC 6842 §3: a server MUST return the client identifier it was sent.
            writer.TryWriteOption(Dhcp4OptionCode.ClientIdentifier, clientId);
        }

        if (!relayInfo.IsEmpty)
        {
            // RFC 3046 §2.2: the relay agent information is echoed unchanged, last, for the relay to strip.
            writer.TryWriteOption(Dhcp4OptionCode.RelayAgentInformation, relayInfo);
        }
    }

    /// <summary>Fills a 256-bit set from option 55. False when the client sent none (then every option is sent, as to a BOOTP client).</summary>
    private static bool ReadParameterRequestList(in Dhcp4Reader request, Span<ulong> wanted)
    {
        Span<byte> scratch = stackalloc byte[512];
        if (!request.TryGetConcatenatedOption(Dhcp4OptionCode.ParameterRequestList, scratch, out ReadOnlySpan<byte> list))
        {
            return false;
        }

        foreach (byte code in list)
        {
            wanted[code >> 6] |= 1UL << (code & 63);
        }

        return true;
    }

    private static bool Wants(ReadOnlySpan<ulong> wanted, byte code) => (wanted[code >> 6] & (1UL << (code & 63))) != 0;

    private static bool TryGetAddressOption(in Dhcp4Reader request, Dhcp4OptionCode code, out IPv4Address address)
    {
        if (request.TryGetOption(code, out ReadOnlySpan<byte> data) && data.Length == 4)
        {
            address = new IPv4Address(BinaryPrimitives.ReadUInt32BigEndian(data));
            return true;
        }

        address = default;
        return false;
    }

    /// <summary>
    /// The server identifier of a NAK (a MUST, RFC 2131 Table 3): the one the client knows from our OFFER/ACK, as
    /// dnsmasq does, so a client comparing it with the server it talks to takes the NAK. On an interface with an
    /// address per subnet (a Neutron network with several subnets), that is:
    /// <list type="bullet">
    /// <item>the request's option 54 when it names one of our addresses (SELECTING);</item>
    /// <item>direct: our address on the subnet of the checked address (option 50, else ciaddr);</item>
    /// <item>relayed, or an address on none of our subnets: the interface's first address, as for relayed OFFERs.</item>
    /// </list>
    /// </summary>
    private static IPv4Address NakServerId(ServerInterface serverInterface, in Dhcp4Reader request)
    {
        if (TryGetAddressOption(request, Dhcp4OptionCode.ServerIdentifier, out IPv4Address named) && Dhcp4NetworkSnapshot.IsOurAddress(serverInterface, named))
        {
            return named;
        }

        IPv4Address checkedAddress = TryGetAddressOption(request, Dhcp4OptionCode.RequestedIPAddress, out IPv4Address requested) && !requested.IsAny
            ? requested
            : request.Ciaddr;
        if (request.Giaddr.IsAny && !checkedAddress.IsAny)
        {
            IReadOnlyList<InterfaceAddress> addresses = serverInterface.Addresses;
            for (int i = 0; i < addresses.Count; i++)
            {
                if (addresses[i].Subnet.Contains(checkedAddress))
                {
                    return addresses[i].Address;
                }
            }
        }

        return FirstAddress(serverInterface);
    }

    private static IPv4Address FirstAddress(ServerInterface serverInterface) =>
        serverInterface.Addresses.Count > 0 ? serverInterface.Addresses[0].Address : IPv4Address.Any;

    private readonly record struct PoolMiss(long Version, long Second);

    /// <summary>The parts of a request every step needs: its context, the snapshot it is decided on, the client.</summary>
    private readonly record struct Transaction(Dhcp4RequestContext Context, Dhcp4NetworkSnapshot Snapshot, MacAddress Mac, HostEntry? Host);
}
