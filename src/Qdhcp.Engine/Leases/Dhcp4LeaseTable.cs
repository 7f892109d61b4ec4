using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Leases;

/// <summary>
/// The in-memory lease table of one network: authoritative, keyed by address (one address, one lease).
/// Persistence reads <see cref="Version"/> and <see cref="TryCopyLeases"/> from another thread and writes behind;
/// the engine never waits for a disk. A renewal updates the existing entry in place, so the warm path does not
/// allocate.
/// </summary>
public sealed class Dhcp4LeaseTable
{
    /// <summary>Holds a declined address out of service; never written to lease files.</summary>
    public static readonly MacAddress DeclinedMarker = MacAddress.Broadcast;

    private readonly Dictionary<uint, ActiveLease> _byAddress = [];

    // The address each client's newest lease is on: one lease per client and subnet, as dnsmasq keeps.
    private readonly Dictionary<MacAddress, uint> _addressByMac = [];

    // Addresses offered from a pool and not yet requested: held for one client briefly, so two clients racing
    // through DISCOVER never get the same address (RFC 2131 §4.3.1 lets a server reserve the offered address).
    // Not leases: not journaled, not counted against lease-max. One per address and one per client, so bounded.
    private readonly Dictionary<uint, HeldOffer> _offers = [];
    private readonly Dictionary<MacAddress, uint> _offerByMac = [];
    private readonly Lock _lock = new();
    private long _version;

    /// <summary>Where every change is recorded, under the table's lock; null when leases are not persisted.</summary>
    public ILeaseJournal? Journal { get; set; }

    /// <summary>Bumped on every change, so a writer can tell whether there is anything to write.</summary>
    public long Version => Interlocked.Read(ref _version);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byAddress.Count;
            }
        }
    }

    /// <summary>Finds the lease on <paramref name="address"/>, expired or not.</summary>
    public bool TryGet(IPv4Address address, out LeaseRecord lease)
    {
        lock (_lock)
        {
            if (_byAddress.TryGetValue(address.Value, out ActiveLease? active))
            {
                lease = active.ToRecord();
                return true;
            }
        }

        lease = null!;
        return false;
    }

    /// <summary>
    /// True when <paramref name="address"/> is leased, unexpired at <paramref name="now"/>, to a client other
    /// than <paramref name="mac"/>.
    /// </summary>
    public bool IsHeldByAnother(IPv4Address address, MacAddress mac, long now)
    {
        lock (_lock)
        {
            return _byAddress.TryGetValue(address.Value, out ActiveLease? active) && active.Mac != mac && !active.IsExpired(now);
        }
    }

    /// <summary>
    /// True when a lease for <paramref name="address"/> can be granted to <paramref name="mac"/> without going past
    /// <paramref name="leaseMax"/>: the client holds it already, or there is a free slot, or expired leases make one.
    /// </summary>
    public bool HasRoomFor(IPv4Address address, MacAddress mac, int leaseMax, long now)
    {
        lock (_lock)
        {
            if (_byAddress.TryGetValue(address.Value, out ActiveLease? active) && active.Mac == mac)
            {
                return true;
            }

            if (_byAddress.Count < leaseMax)
            {
                return true;
            }

            // Only scan for expired leases when full, so the common case stays O(1).
            RemoveExpiredLocked(now);
            return _byAddress.Count < leaseMax;
        }
    }

    /// <summary>True when the client already holds (or held) the lease on this address, so renewing it needs no new slot.</summary>
    public bool Holds(IPv4Address address, MacAddress mac)
    {
        lock (_lock)
        {
            return _byAddress.TryGetValue(address.Value, out ActiveLease? active) && active.Mac == mac;
        }
    }

    /// <summary>
    /// Records (or renews) the lease of <paramref name="address"/> for a client. A lease the same client holds on
    /// another address of <paramref name="subnet"/> ends: its reservation moved, and it has the new one now.
    /// True when this is a new binding, false when the client's lease on this address was renewed.
    /// </summary>
    public bool Grant(IPv4Address address, MacAddress mac, ReadOnlySpan<byte> clientId, string? hostName, long expiresUnixSeconds, IPv4Subnet subnet)
    {
        lock (_lock)
        {
            if (_addressByMac.TryGetValue(mac, out uint previous) && previous != address.Value && subnet.Contains(new IPv4Address(previous))
                && _byAddress.TryGetValue(previous, out ActiveLease? old) && old.Mac == mac)
            {
                _byAddress.Remove(previous);
                Journal?.Released(old.Address, mac);
            }

            bool bound;
            if (_byAddress.TryGetValue(address.Value, out ActiveLease? active) && active.Mac == mac)
            {
                bound = false;
                active.ExpiresUnixSeconds = expiresUnixSeconds;

                // An equal name keeps the table's instance: after a reload the host's name is a new string, which then
                // dies young instead of the table's old one dying in gen2 (only a full GC collects that).
                if (!string.Equals(active.HostName, hostName, StringComparison.Ordinal))
                {
                    active.HostName = hostName;
                }

                // A new array, never written into: TryCopyLeases hands the current one to the compactor, which may be
                // formatting it while this runs. An unchanged client-id (every renewal) allocates nothing.
                if (!clientId.SequenceEqual(active.ClientId))
                {
                    active.ClientId = clientId.IsEmpty ? null : clientId.ToArray();
                }
            }
            else
            {
                bound = true;
                if (active is not null)
                {
                    ForgetMacLocked(active);
                }

                _byAddress[address.Value] = new ActiveLease(address, mac)
                {
                    ClientId = clientId.IsEmpty ? null : clientId.ToArray(),
                    HostName = hostName,
                    ExpiresUnixSeconds = expiresUnixSeconds,
                };
            }

            _addressByMac[mac] = address.Value;
            DropOfferOnLocked(address.Value);
            DropOfferOfLocked(mac);
            _version++;
            Journal?.Granted(address, mac, clientId, hostName, expiresUnixSeconds);
            return bound;
        }
    }

    /// <summary>Takes <paramref name="address"/> out of service until <paramref name="untilUnixSeconds"/> (a DECLINE), ending any lease on it.</summary>
    public void Quarantine(IPv4Address address, long untilUnixSeconds)
    {
        lock (_lock)
        {
            if (_byAddress.TryGetValue(address.Value, out ActiveLease? active))
            {
                ForgetMacLocked(active);
                if (active.Mac != DeclinedMarker)
                {
                    Journal?.Released(address, active.Mac);

                    // The declining client starts over with DISCOVER: an offer it held elsewhere goes too.
                    DropOfferOfLocked(active.Mac);
                }
            }

            DropOfferOnLocked(address.Value);

            _byAddress[address.Value] = new ActiveLease(address, DeclinedMarker) { ExpiresUnixSeconds = untilUnixSeconds };
            _version++;
        }
    }

    /// <summary>Removes the lease of <paramref name="address"/> if <paramref name="mac"/> holds it. True when one was removed.</summary>
    public bool Release(IPv4Address address, MacAddress mac)
    {
        lock (_lock)
        {
            if (_byAddress.TryGetValue(address.Value, out ActiveLease? active) && active.Mac == mac)
            {
                _byAddress.Remove(address.Value);
                ForgetMacLocked(active);

                // The client gave the address up; an offer it was holding goes with it.
                DropOfferOfLocked(mac);

                _version++;
                Journal?.Released(address, mac);
                return true;
            }

            return false;
        }
    }

    /// <summary>
    /// True when a pool may give <paramref name="address"/> to <paramref name="mac"/> at <paramref name="now"/>: no
    /// unexpired lease or quarantine of another client on it, and no unexpired offer to another client.
    /// </summary>
    public bool IsFreeFor(IPv4Address address, MacAddress mac, long now)
    {
        lock (_lock)
        {
            return IsFreeForLocked(address.Value, mac, now);
        }
    }

    /// <summary>
    /// The address this client has: its lease (even expired, which is still its own until another client takes
    /// it), else an address offered to it. False when it has neither.
    /// </summary>
    public bool TryGetClientAddress(MacAddress mac, out IPv4Address address)
    {
        lock (_lock)
        {
            if (_addressByMac.TryGetValue(mac, out uint leased))
            {
                address = new IPv4Address(leased);
                return true;
            }

            if (_offerByMac.TryGetValue(mac, out uint offered))
            {
                address = new IPv4Address(offered);
                return true;
            }
        }

        address = default;
        return false;
    }

    /// <summary>
    /// Holds <paramref name="address"/> for <paramref name="mac"/> until <paramref name="untilUnixSeconds"/>, replacing
    /// any other offer to that client. Also when the client leases it already: that lease may have expired, and
    /// another client must not take the address between this OFFER and the REQUEST.
    /// </summary>
    public void HoldOffer(IPv4Address address, MacAddress mac, long untilUnixSeconds)
    {
        lock (_lock)
        {
            DropOfferOfLocked(mac);
            DropOfferOnLocked(address.Value);
            _offers[address.Value] = new HeldOffer(mac, untilUnixSeconds);
            _offerByMac[mac] = address.Value;
        }
    }

    /// <summary>True when <paramref name="mac"/> leases <paramref name="address"/> (even expired) or was offered it.</summary>
    public bool HasClaimOn(IPv4Address address, MacAddress mac)
    {
        lock (_lock)
        {
            return (_byAddress.TryGetValue(address.Value, out ActiveLease? active) && active.Mac == mac)
                || (_offers.TryGetValue(address.Value, out HeldOffer offer) && offer.Mac == mac);
        }
    }

    /// <summary>The number of offers held (metrics and tests).</summary>
    public int OfferCount
    {
        get
        {
            lock (_lock)
            {
                return _offers.Count;
            }
        }
    }

    private bool IsFreeForLocked(uint address, MacAddress mac, long now)
    {
        if (_byAddress.TryGetValue(address, out ActiveLease? active) && active.Mac != mac && !active.IsExpired(now))
        {
            return false;
        }

        return !_offers.TryGetValue(address, out HeldOffer offer) || offer.Mac == mac || offer.UntilUnixSeconds <= now;
    }

    /// <summary>Ends the offer held on <paramref name="address"/>, whoever it was for.</summary>
    private void DropOfferOnLocked(uint address)
    {
        if (_offers.Remove(address, out HeldOffer offer))
        {
            _offerByMac.Remove(offer.Mac);
        }
    }

    /// <summary>Ends the offer held for <paramref name="mac"/>, wherever it is.</summary>
    private void DropOfferOfLocked(MacAddress mac)
    {
        if (_offerByMac.Remove(mac, out uint address))
        {
            _offers.Remove(address);
        }
    }

    /// <summary>Replaces the whole table, e.g. with a lease file read at start. Not journaled.</summary>
    public void Load(IEnumerable<LeaseRecord> records)
    {
        lock (_lock)
        {
            _byAddress.Clear();
            _addressByMac.Clear();
            _offers.Clear();
            _offerByMac.Clear();
            foreach (LeaseRecord record in records)
            {
                _addressByMac[record.Mac] = record.Address.Value;
                _byAddress[record.Address.Value] = new ActiveLease(record.Address, record.Mac)
                {
                    ClientId = record.ClientId,
                    HostName = record.HostName,
                    ExpiresUnixSeconds = record.ExpiresUnixSeconds,
                };
            }

            _version++;
        }
    }

    /// <summary>
    /// Copies every lease (not the quarantined addresses) into <paramref name="destination"/>, as one consistent state,
    /// for writing out without an object per lease: under the lock only structs are copied (no formatting, no
    /// allocation). The host names and client-ids are shared, not copied: the table replaces them, never changes them
    /// in place. False when <paramref name="destination"/> may be too small: <paramref name="count"/> is then the
    /// length that is enough, for the caller to grow its buffer (outside the lock) and call again.
    /// </summary>
    public bool TryCopyLeases(Span<LeaseEntry> destination, out int count)
    {
        lock (_lock)
        {
            if (destination.Length < _byAddress.Count)
            {
                count = _byAddress.Count;
                return false;
            }

            count = 0;
            foreach (ActiveLease lease in _byAddress.Values)
            {
                if (lease.Mac != DeclinedMarker)
                {
                    destination[count++] = new LeaseEntry(lease.ExpiresUnixSeconds, lease.Mac, lease.Address, lease.HostName, lease.ClientId);
                }
            }

            return true;
        }
    }

    /// <summary>A consistent copy of every lease as records (the agent's API; compaction uses <see cref="TryCopyLeases"/>).</summary>
    public List<LeaseRecord> ToRecords()
    {
        lock (_lock)
        {
            List<LeaseRecord> records = new(_byAddress.Count);
            foreach (ActiveLease lease in _byAddress.Values)
            {
                if (lease.Mac != DeclinedMarker)
                {
                    records.Add(lease.ToRecord());
                }
            }

            return records;
        }
    }

    private void RemoveExpiredLocked(long now)
    {
        List<uint>? expired = null;
        foreach (ActiveLease lease in _byAddress.Values)
        {
            if (lease.IsExpired(now))
            {
                (expired ??= []).Add(lease.Address.Value);
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach (uint address in expired)
        {
            if (_byAddress.Remove(address, out ActiveLease? lease))
            {
                ForgetMacLocked(lease);
            }
        }

        _version++;
    }

    private void ForgetMacLocked(ActiveLease lease)
    {
        if (_addressByMac.TryGetValue(lease.Mac, out uint current) && current == lease.Address.Value)
        {
            _addressByMac.Remove(lease.Mac);
        }
    }

    private readonly record struct HeldOffer(MacAddress Mac, long UntilUnixSeconds);

    private sealed class ActiveLease(IPv4Address address, MacAddress mac)
    {
        public IPv4Address Address { get; } = address;

        public MacAddress Mac { get; } = mac;

        public byte[]? ClientId { get; set; }

        public string? HostName { get; set; }

        /// <summary>0 is infinite, as in dnsmasq's lease file.</summary>
        public long ExpiresUnixSeconds { get; set; }

        public bool IsExpired(long now) => ExpiresUnixSeconds != 0 && ExpiresUnixSeconds <= now;

        public LeaseRecord ToRecord() => new(ExpiresUnixSeconds, Mac, Address, HostName, ClientId);
    }
}
