using System.Collections.Frozen;
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

/// <summary>The addresses of one name: A and AAAA RDATA ready to copy.</summary>
internal sealed class DnsHostRecords(byte[][] v4, byte[][] v6)
{
    public byte[][] V4 { get; } = v4;

    public byte[][] V6 { get; } = v6;
}

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
    private readonly FrozenDictionary<byte[], DnsHostRecords> _names;
    private readonly FrozenDictionary<byte[], DnsHostRecords>.AlternateLookup<ReadOnlySpan<byte>> _namesBySpan;
    private readonly FrozenDictionary<uint, byte[]> _reverse4;
    private readonly FrozenDictionary<UInt128, byte[]> _reverse6;

    private DnsZone(byte[]? domain, FrozenDictionary<byte[], DnsHostRecords> names, FrozenDictionary<uint, byte[]> reverse4, FrozenDictionary<UInt128, byte[]> reverse6, uint serial)
    {
        DomainKey = domain;
        _names = names;
        _namesBySpan = names.GetAlternateLookup<ReadOnlySpan<byte>>();
        _reverse4 = reverse4;
        _reverse6 = reverse6;
        Serial = serial;
    }

    /// <summary>A zone with no names and no domain.</summary>
    public static DnsZone Empty { get; } = Build(null, [], 0);

    /// <summary><c>--domain</c> in lower-cased wire form, or null.</summary>
    public byte[]? DomainKey { get; }

    /// <summary>The SOA serial: when the snapshot was built (Unix seconds), so it grows with each reload.</summary>
    public uint Serial { get; }

    /// <summary>How many distinct names answer.</summary>
    public int NameCount => _names.Count;

    /// <summary>How many addresses answer a reverse (PTR) query.</summary>
    public int ReverseCount => _reverse4.Count + _reverse6.Count;

    /// <summary>
    /// Builds a snapshot. Names that are not valid DNS names are skipped (the hosts parsers already reject them).
    /// </summary>
    /// <param name="domain"><c>--domain</c>, or null.</param>
    /// <param name="hosts">Every (name, address) pair, in priority order for PTR.</param>
    /// <param name="serial">The SOA serial.</param>
    public static DnsZone Build(string? domain, IEnumerable<DnsHostName> hosts, uint serial)
    {
        byte[]? domainKey = string.IsNullOrEmpty(domain) ? null : DnsName.Encode(domain.TrimEnd('.'), lowerCase: true);
        var v4 = new Dictionary<byte[], List<byte[]>>(DnsNameKeyComparer.Instance);
        var v6 = new Dictionary<byte[], List<byte[]>>(DnsNameKeyComparer.Instance);
        var reverse4 = new Dictionary<uint, byte[]>();
        var reverse6 = new Dictionary<UInt128, byte[]>();
        foreach (DnsHostName host in hosts)
        {
            string name = host.Name.TrimEnd('.');
            byte[]? wire = DnsName.Encode(name);
            if (wire is null)
            {
                continue;
            }

            byte[]? fqdn = wire;
            bool bare = !name.Contains('.');
            if (bare && domain is { Length: > 0 })
            {
                fqdn = DnsName.Encode(name + "." + domain.TrimEnd('.'));
            }

            byte[] address = host.Address.GetAddressBytes();
            bool isV4 = host.Address.AddressFamily == AddressFamily.InterNetwork;
            if (!isV4 && host.Address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                continue;
            }

            Dictionary<byte[], List<byte[]>> table = isV4 ? v4 : v6;
            Add(table, Lower(wire), address);
            if (fqdn is not null && !ReferenceEquals(fqdn, wire))
            {
                Add(table, Lower(fqdn), address);
            }

            if (host.Canonical)
            {
                byte[] target = fqdn ?? wire;
                if (isV4)
                {
                    reverse4.TryAdd(IPv4Address.Read(address).Value, target);
                }
                else
                {
                    reverse6.TryAdd(ReadUInt128(address), target);
                }
            }
        }

        var names = new Dictionary<byte[], DnsHostRecords>(DnsNameKeyComparer.Instance);
        foreach (byte[] key in v4.Keys.Concat(v6.Keys).Distinct(DnsNameKeyComparer.Instance))
        {
            names[key] = new DnsHostRecords(
                v4.TryGetValue(key, out List<byte[]>? a) ? [.. a] : [],
                v6.TryGetValue(key, out List<byte[]>? aaaa) ? [.. aaaa] : []);
        }

        return new DnsZone(domainKey, names.ToFrozenDictionary(DnsNameKeyComparer.Instance), reverse4.ToFrozenDictionary(), reverse6.ToFrozenDictionary(), serial);

        static void Add(Dictionary<byte[], List<byte[]>> table, byte[] key, byte[] address)
        {
            if (!table.TryGetValue(key, out List<byte[]>? list))
            {
                table[key] = list = [];
            }

            if (!list.Any(existing => existing.AsSpan().SequenceEqual(address)))
            {
                list.Add(address);
            }
        }

        static byte[] Lower(byte[] wire)
        {
            byte[] copy = (byte[])wire.Clone();
            DnsName.ToLower(copy, copy);
            return copy;
        }
    }

    /// <summary>The addresses of a lower-cased wire-form name.</summary>
    internal bool TryGetHost(ReadOnlySpan<byte> lowerName, out DnsHostRecords records) => _namesBySpan.TryGetValue(lowerName, out records!);

    /// <summary>The PTR target of an IPv4 address.</summary>
    public bool TryGetReverse(IPv4Address address, out byte[] target) => _reverse4.TryGetValue(address.Value, out target!);

    /// <summary>The PTR target of an IPv6 address (its 16 bytes as a big-endian <see cref="UInt128"/>).</summary>
    public bool TryGetReverse(UInt128 address, out byte[] target) => _reverse6.TryGetValue(address, out target!);

    internal static UInt128 ReadUInt128(ReadOnlySpan<byte> bytes) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
}
