using System.Runtime.CompilerServices;
using System.Net;
using System.Net.Sockets;
using Qdhcp.Wire.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Dns;

/// <summary>One name and one address for the zone: a hosts-file host, or a name on an addn-hosts line.</summary>
/// <param name="Name">As written: a bare host name (<c>host-10-10-10-2</c>) or a FQDN (<c>host-10-10-10-2.openstacklocal</c>).</param>
/// <param name="Address">IPv4 (A, in-addr.arpa PTR) or IPv6 (AAAA, ip6.arpa PTR).</param>
/// <param name="Canonical">True for the name the address maps back to (PTR); the first canonical name of an address wins.</param>
public readonly record struct DnsHostName(string Name, IPAddress Address, bool Canonical);

/// <summary>
/// The local names of one network as a frozen snapshot, built when the configuration loads (start and SIGHUP) and
/// swapped by reference, so the query path never locks and never sees half a reload.
/// <list type="bullet">
/// <item>Forward names are keyed by their lower-cased wire form (RFC 4343: case-insensitive), and probed with the
/// query's name as a span: no allocation per query. A name without a dot under <c>--domain</c> is registered twice,
/// bare and with the domain, as dnsmasq does for hosts-file names (so <c>host-10-10-10-2</c> and
/// <c>host-10-10-10-2.openstacklocal</c> both resolve); names with a dot are registered as written.</item>
/// <item>Reverse names map an address (a <see cref="uint"/>, or a <see cref="UInt128"/> for IPv6) to the name its PTR
/// gives: a host's FQDN (bare name without <c>--domain</c>), or the first name of an addn-hosts line.</item>
/// <item>The same name with several addresses answers all of them; duplicates are dropped.</item>
/// </list>
/// </summary>
public sealed class DnsZone
{
    private readonly byte[] _names;
    private readonly NameEntry[] _entries;
    private readonly int[] _buckets;
    private readonly byte[] _v4;
    private readonly byte[] _v6;
    private readonly uint[] _reverse4Keys;
    private readonly int[] _reverse4Targets;
    private readonly UInt128[] _reverse6Keys;
    private readonly int[] _reverse6Targets;
    private readonly byte[] _targets;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
    private DnsZone(byte[]? domain, Builder b, uint serial)
    {
        DomainKey = domain;
        Serial = serial;
        _names = b.Names[..b.NamesLength];
        _targets = b.Targets[..b.TargetsLength];

        // Flatten each name's address chain into one contiguous run, in the order the addresses were added.
        int count = b.EntryCount;
        _entries = new NameEntry[count];
        _v4 = new byte[b.V4Count * 4];
        _v6 = new byte[b.V6Count * 16];
        int v4 = 0;
        int v6 = 0;
        for (int e = 0; e < count; e++)
        {
            Builder.BuildEntry source = b.Entries[e];
            int v4Start = v4;
            int v6Start = v6;
            for (int node = source.FirstAddress; node >= 0; node = b.Addresses[node].Next)
            {
                Builder.AddressNode address = b.Addresses[node];
                if (address.IsV6)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(_v6.AsSpan(v6 * 16), address.Value);
                    v6++;
                }
                else
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(_v4.AsSpan(v4 * 4), (uint)address.Value);
                    v4++;
                }
            }

            _entries[e] = new NameEntry(source.NameStart, source.NameLength, v4Start, v4 - v4Start, v6Start, v6 - v6Start);
        }

        _buckets = new int[BucketCount(count)];
        for (int e = 0; e < count; e++)
        {
            ReadOnlySpan<byte> name = _names.AsSpan(_entries[e].NameStart, _entries[e].NameLength);
            int mask = _buckets.Length - 1;
            int slot = Hash(name) & mask;
            while (_buckets[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _buckets[slot] = e + 1;
        }

        (_reverse4Keys, _reverse4Targets) = Sorted(b.Reverse4);
        (_reverse6Keys, _reverse6Targets) = Sorted(b.Reverse6);
    }

    /// <summary>A zone with no names and no domain.</summary>
    public static DnsZone Empty { get; } = Build(null, [], 0);

    /// <summary><c>--domain</c> in lower-cased wire form, or null.</summary>
    public byte[]? DomainKey { get; }

    /// <summary>The SOA serial: when the snapshot was built (Unix seconds), so it grows with each reload.</summary>
    public uint Serial { get; }

    /// <summary>How many distinct names answer.</summary>
    public int NameCount => _entries.Length;

    /// <summary>How many addresses answer a reverse (PTR) query.</summary>
    public int ReverseCount => _reverse4Keys.Length + _reverse6Keys.Length;

    /// <summary>
    /// Builds a snapshot. Names that are not valid DNS names are skipped (the hosts parsers already reject them).
    /// </summary>
    /// <param name="domain"><c>--domain</c>, or null.</param>
    /// <param name="hosts">Every (name, address) pair, in priority order for PTR.</param>
    /// <param name="serial">The SOA serial.</param>
    public static DnsZone Build(string? domain, IEnumerable<DnsHostName> hosts, uint serial)
    {
        var builder = new Builder(domain, 16);
        foreach (DnsHostName host in hosts)
        {
            builder.Add(host.Name, host.Address, host.Canonical);
        }

        return builder.Build(serial);
    }

    /// <summary>The entry of a lower-cased wire-form name, or -1.</summary>
    internal int FindName(ReadOnlySpan<byte> lowerName)
    {
        int mask = _buckets.Length - 1;
        int slot = Hash(lowerName) & mask;
        while (true)
        {
            int e = _buckets[slot] - 1;
            if (e < 0)
            {
                return -1;
            }

            NameEntry entry = _entries[e];
            if (_names.AsSpan(entry.NameStart, entry.NameLength).SequenceEqual(lowerName))
            {
                return e;
            }

            slot = (slot + 1) & mask;
        }
    }

    /// <summary>The A RDATA of a name entry: 4 bytes per address.</summary>
    internal ReadOnlySpan<byte> GetV4(int entry) => _v4.AsSpan(_entries[entry].V4Start * 4, _entries[entry].V4Count * 4);

    /// <summary>The AAAA RDATA of a name entry: 16 bytes per address.</summary>
    internal ReadOnlySpan<byte> GetV6(int entry) => _v6.AsSpan(_entries[entry].V6Start * 16, _entries[entry].V6Count * 16);

    /// <summary>The PTR target of an IPv4 address.</summary>
    public bool TryGetReverse(IPv4Address address, out ReadOnlyMemory<byte> target)
    {
        int i = Array.BinarySearch(_reverse4Keys, address.Value);
        target = i >= 0 ? Target(_reverse4Targets[i]) : default;
        return i >= 0;
    }

    /// <summary>The PTR target of an IPv6 address (its 16 bytes as a big-endian <see cref="UInt128"/>).</summary>
    public bool TryGetReverse(UInt128 address, out ReadOnlyMemory<byte> target)
    {
        int i = Array.BinarySearch(_reverse6Keys, address);
        target = i >= 0 ? Target(_reverse6Targets[i]) : default;
        return i >= 0;
    }

    internal static UInt128 ReadUInt128(ReadOnlySpan<byte> bytes) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);

    /// <summary>A wire-form name stored at <paramref name="start"/>: its length is the name's own (labels up to the root).</summary>
    private ReadOnlyMemory<byte> Target(int start)
    {
        int end = start;
        while (_targets[end] != 0)
        {
            end += 1 + _targets[end];
        }

        return _targets.AsMemory(start, end + 1 - start);
    }

    private static int BucketCount(int entries) => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, entries * 2));

    /// <summary><see cref="HashCode"/>'s hash, randomised per process, so tenants cannot aim collisions at the table.</summary>
    private static int Hash(ReadOnlySpan<byte> name)
    {
        HashCode hash = default;
        hash.AddBytes(name);
        return hash.ToHashCode() & int.MaxValue;
    }

    private static (TKey[] Keys, int[] Targets) Sorted<TKey>(Dictionary<TKey, int> map)
        where TKey : notnull
    {
        var keys = new TKey[map.Count];
        var targets = new int[map.Count];
        map.Keys.CopyTo(keys, 0);
        map.Values.CopyTo(targets, 0);
        Array.Sort(keys, targets);
        return (keys, targets);
    }

    private readonly record struct NameEntry(int NameStart, int NameLength, int V4Start, int V4Count, int V6Start, int V6Count);

    /// <summary>
    /// Collects (name, address) pairs into a zone without an object per name: names go into one byte blob, found
    /// again through an open-addressing index, addresses into one array of chained nodes.
    /// </summary>
    public sealed class Builder
    {
        private readonly string? _domain;
        private readonly byte[]? _domainKey;
        private readonly byte[]? _domainWire;
        private int[] _buckets;

        /// <param name="domain"><c>--domain</c>, or null.</param>
        /// <param name="capacity">How many names to expect.</param>
        public Builder(string? domain, int capacity)
        {
            _domain = string.IsNullOrEmpty(domain) ? null : domain.TrimEnd('.');
            _domainKey = _domain is null ? null : DnsName.Encode(_domain, lowerCase: true);
            _domainWire = _domain is null ? null : DnsName.Encode(_domain);
            capacity = Math.Max(capacity, 8);
            Entries = new BuildEntry[capacity];
            Addresses = new AddressNode[capacity];
            Names = new byte[capacity * 24];
            Targets = new byte[capacity * 16];
            _buckets = new int[BucketCount(capacity)];
        }

        internal byte[] Names { get; private set; }

        internal int NamesLength { get; private set; }

        internal byte[] Targets { get; private set; }

        internal int TargetsLength { get; private set; }

        internal BuildEntry[] Entries { get; private set; }

        internal int EntryCount { get; private set; }

        internal AddressNode[] Addresses { get; private set; }

        internal int AddressCount { get; private set; }

        internal int V4Count { get; private set; }

        internal int V6Count { get; private set; }

        internal Dictionary<uint, int> Reverse4 { get; } = [];

        internal Dictionary<UInt128, int> Reverse6 { get; } = [];

        /// <summary>Adds a name (as <see cref="DnsHostName"/> describes it) with an IPv4 or IPv6 address.</summary>
        public void Add(ReadOnlySpan<char> name, IPAddress address, bool canonical)
        {
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                Span<byte> v4 = stackalloc byte[4];
                address.TryWriteBytes(v4, out _);
                Add(name, IPv4Address.Read(v4).Value, isV6: false, canonical);
            }
            else if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                Span<byte> v6 = stackalloc byte[16];
                address.TryWriteBytes(v6, out _);
                Add(name, ReadUInt128(v6), isV6: true, canonical);
            }
        }

        /// <summary>Adds a name with an IPv4 address.</summary>
        public void Add(ReadOnlySpan<char> name, IPv4Address address, bool canonical) => Add(name, address.Value, isV6: false, canonical);

        /// <summary>
        /// Adds a name given as ASCII bytes (a host table's name blob) with an IPv4 address, without making a string.
        /// Non-ASCII bytes make the name invalid, as they do in text.
        /// </summary>
        public void AddAscii(ReadOnlySpan<byte> name, IPv4Address address, bool canonical)
        {
            Span<char> text = stackalloc char[DnsHeader.MaximumNameLength + 1];
            if (name.Length > text.Length)
            {
                return;
            }

            for (int i = 0; i < name.Length; i++)
            {
                text[i] = (char)name[i];
            }

            Add(text[..name.Length], address.Value, isV6: false, canonical);
        }

        /// <summary>The zone; the builder is not to be used after.</summary>
        public DnsZone Build(uint serial) => new(_domainKey, this, serial);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
        private void Add(ReadOnlySpan<char> name, UInt128 address, bool isV6, bool canonical)
        {
            name = name.TrimEnd('.');
            Span<byte> wire = stackalloc byte[DnsHeader.MaximumNameLength];
            if (!DnsName.TryEncode(name, wire, out int wireLength))
            {
                return;
            }

            // A name without a dot under --domain also answers as name.domain (dnsmasq does this for hosts-file names).
            Span<byte> fqdn = stackalloc byte[DnsHeader.MaximumNameLength];
            int fqdnLength = 0;
            bool withDomain = _domainWire is not null && !name.Contains('.');
            if (withDomain && wireLength - 1 + _domainWire!.Length <= DnsHeader.MaximumNameLength)
            {
                wire[..(wireLength - 1)].CopyTo(fqdn);
                _domainWire.CopyTo(fqdn[(wireLength - 1)..]);
                fqdnLength = wireLength - 1 + _domainWire.Length;
            }
            else
            {
                withDomain = false;
            }

            AddAddress(wire[..wireLength], address, isV6);
            if (withDomain)
            {
                AddAddress(fqdn[..fqdnLength], address, isV6);
            }

            if (canonical)
            {
                ReadOnlySpan<byte> target = withDomain ? fqdn[..fqdnLength] : wire[..wireLength];
                bool added = isV6 ? Reverse6.TryAdd(address, TargetsLength) : Reverse4.TryAdd((uint)address, TargetsLength);
                if (added)
                {
                    Targets = Ensure(Targets, TargetsLength + target.Length);
                    target.CopyTo(Targets.AsSpan(TargetsLength));
                    TargetsLength += target.Length;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
        private void AddAddress(ReadOnlySpan<byte> wire, UInt128 address, bool isV6)
        {
            Span<byte> key = stackalloc byte[wire.Length];
            DnsName.ToLower(wire, key);
            int entry = FindOrAdd(key);

            // The same name with the same address twice answers once.
            int last = -1;
            for (int node = Entries[entry].FirstAddress; node >= 0; node = Addresses[node].Next)
            {
                if (Addresses[node].IsV6 == isV6 && Addresses[node].Value == address)
                {
                    return;
                }

                last = node;
            }

            if (AddressCount == Addresses.Length)
            {
                Addresses = Grow(Addresses);
            }

            int added = AddressCount++;
            Addresses[added] = new AddressNode(address, isV6, -1);
            if (last < 0)
            {
                Entries[entry].FirstAddress = added;
            }
            else
            {
                Addresses[last].Next = added;
            }

            if (isV6)
            {
                V6Count++;
            }
            else
            {
                V4Count++;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
        private int FindOrAdd(ReadOnlySpan<byte> key)
        {
            int mask = _buckets.Length - 1;
            int slot = Hash(key) & mask;
            while (_buckets[slot] != 0)
            {
                int existing = _buckets[slot] - 1;
                if (Names.AsSpan(Entries[existing].NameStart, Entries[existing].NameLength).SequenceEqual(key))
                {
                    return existing;
                }

                slot = (slot + 1) & mask;
            }

            if (EntryCount == Entries.Length)
            {
                Entries = Grow(Entries);
            }

            Names = Ensure(Names, NamesLength + key.Length);
            key.CopyTo(Names.AsSpan(NamesLength));
            int entry = EntryCount++;
            Entries[entry] = new BuildEntry { NameStart = NamesLength, NameLength = key.Length, FirstAddress = -1 };
            NamesLength += key.Length;
            _buckets[slot] = entry + 1;
            if (EntryCount * 2 > _buckets.Length)
            {
                Rehash();
            }

            return entry;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
        private void Rehash()
        {
            _buckets = new int[_buckets.Length * 2];
            int mask = _buckets.Length - 1;
            for (int e = 0; e < EntryCount; e++)
            {
                int slot = Hash(Names.AsSpan(Entries[e].NameStart, Entries[e].NameLength)) & mask;
                while (_buckets[slot] != 0)
                {
                    slot = (slot + 1) & mask;
                }

                _buckets[slot] = e + 1;
            }
        }

        private static T[] Grow<T>(T[] array)
        {
            Array.Resize(ref array, array.Length * 2);
            return array;
        }

        private static byte[] Ensure(byte[] array, int needed)
        {
            if (needed > array.Length)
            {
                Array.Resize(ref array, Math.Max(needed, array.Length * 2));
            }

            return array;
        }

        internal struct BuildEntry
        {
            public int NameStart;
            public int NameLength;
            public int FirstAddress;
        }

        internal struct AddressNode(UInt128 value, bool isV6, int next)
        {
            public UInt128 Value = value;
            public bool IsV6 = isV6;
            public int Next = next;
        }
    }
}
