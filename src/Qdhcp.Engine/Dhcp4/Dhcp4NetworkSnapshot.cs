using System.Collections.Frozen;
using System.Text;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Dhcp4;

/// <summary>
/// One network's configuration compiled for the packet path: an index of the hosts by MAC, client-id and reserved
/// address (<see cref="HostIndex"/>), ranges, and pre-encoded option blocks. Immutable after
/// <see cref="Compile(Dhcp4Configuration)"/> (but for caches filled on first use); a reload builds a new snapshot and
/// the engine swaps the reference, so requests never see half a configuration.
/// </summary>
/// <remarks>
/// The packet path walks <see cref="IReadOnlyList{T}"/>s with indexed loops: <c>foreach</c> over the interface
/// boxes the enumerator, an allocation per request.
/// </remarks>
public sealed class Dhcp4NetworkSnapshot
{
    private readonly HostIndex _index;
    private readonly string?[] _hostNames;
    private readonly FrozenDictionary<string, byte> _matchTagsReferenced;
    private readonly OptionBlock?[] _rangeBlocks;
    private readonly OptionBlock?[] _tagSetBlocks;

    private Dhcp4NetworkSnapshot(Dhcp4Configuration configuration, HostTable hosts, HostIndex index)
    {
        Configuration = configuration;
        Hosts = hosts;
        _rangeBlocks = new OptionBlock?[configuration.Ranges.Count];
        _tagSetBlocks = new OptionBlock?[hosts.TagSetCount * configuration.Ranges.Count];
        _index = index;
        _hostNames = new string?[hosts.Count];
        HasDynamicRanges = configuration.Ranges.Any(r => !r.IsStatic);
        DomainBytes = string.IsNullOrEmpty(configuration.Domain) ? null : Encoding.ASCII.GetBytes(configuration.Domain);

        // Request-derived tags (dhcp-match, dhcp-userclass) matter only when some option asks for them; when none
        // does, every host's option block can be cached.
        HashSet<string> optionTags = configuration.Options.SelectMany(o => o.RequiredTags).Select(t => t.TrimStart('!')).ToHashSet(StringComparer.Ordinal);
        _matchTagsReferenced = configuration.Matches.Where(m => optionTags.Contains(m.SetTag)).Select(m => m.SetTag).Distinct().ToFrozenDictionary(t => t, _ => (byte)0, StringComparer.Ordinal);
    }

    public Dhcp4Configuration Configuration { get; }

    /// <summary>The static hosts, shared with whatever else reads the same load (the DNS zone).</summary>
    public HostTable Hosts { get; }

    /// <summary>Option 15's bytes, or null.</summary>
    internal byte[]? DomainBytes { get; }

    /// <summary>The number of host entries with a MAC (distinct MACs: a later duplicate loses to the first).</summary>
    public int HostCount => _index.MacCount;

    internal bool RequestTagsMatter => _matchTagsReferenced.Count > 0;

    /// <summary>True when some range is a pool (<c>start,end</c>) rather than <c>static</c>: unknown clients may get an address.</summary>
    public bool HasDynamicRanges { get; }

    /// <summary>
    /// Compiles a configuration. Later duplicates of a MAC lose to the first, as the configuration sources report.
    /// Reservations given as a <see cref="HostTable"/> (the dnsmasq loader's) are used as they are; others are packed
    /// into one first.
    /// </summary>
    public static Dhcp4NetworkSnapshot Compile(Dhcp4Configuration configuration) =>
        Compile(configuration, ulong.MaxValue);

    /// <summary><see cref="Compile(Dhcp4Configuration)"/>, with the index's key mask (see <see cref="HostIndex"/>; tests make keys collide).</summary>
    internal static Dhcp4NetworkSnapshot Compile(Dhcp4Configuration configuration, ulong indexKeyMask)
    {
        HostTable hosts = HostTable.From(configuration.Reservations);
        return new Dhcp4NetworkSnapshot(configuration, hosts, new HostIndex(hosts, indexKeyMask));
    }

    /// <summary>
    /// True when <paramref name="address"/> is reserved by a host entry other than <paramref name="client"/>'s:
    /// a pool never hands it out, whether or not that host is online.
    /// </summary>
    internal bool IsReservedForAnother(IPv4Address address, HostEntry? client)
    {
        int owner = _index.FindByAddress(address.Value);
        return owner >= 0 && owner != (client?.Row ?? -1);
    }

    /// <summary>
    /// Finds the host entry of a client, as dnsmasq does: a line whose client-id equals the request's option 61
    /// first, else a line with the request's MAC.
    /// </summary>
    internal HostEntry? FindHost(MacAddress mac, bool hasMac, ReadOnlySpan<byte> clientId)
    {
        int row = _index.FindByClientId(clientId);
        if (row < 0 && hasMac)
        {
            row = _index.FindByMac(mac.Value);
        }

        return row < 0 ? null : new HostEntry(this, row);
    }

    /// <summary>
    /// The host name of a row as the lease table keeps it, or null. The string is made the first time a row is
    /// ACKed (once per host and snapshot) and kept here, so every later ACK hands the lease table the same string.
    /// </summary>
    /// <remarks>
    /// The lease table keeps a <see cref="string"/> per lease (for the lease file); making it from the host's bytes
    /// at each ACK would allocate per packet. Made once and kept here, a name exists once: the lease holds this very
    /// string, and the cost is a reference per host (hosts never ACKed have no string). A reload compiles a new
    /// snapshot, which would make every name again at the host's next ACK (an allocation per host on the packet path
    /// after each SIGHUP, and a second copy of each name); instead <see cref="AdoptHostNames"/> hands the new snapshot
    /// the old one's strings whose bytes are unchanged, before it serves. (The other way, the lease table comparing
    /// the name's bytes with the string it has, would keep no cache but change the lease table's API.)
    /// </remarks>
    internal string? GetHostName(int row)
    {
        if (!Hosts.HasHostName(row))
        {
            return null;
        }

        if (_hostNames[row] is { } name)
        {
            return name;
        }

        // Two packet threads may ACK the same host at once: the first string stored is the one both return.
        name = Hosts.GetHostName(row)!;
        return Interlocked.CompareExchange(ref _hostNames[row], name, null) ?? name;
    }

    /// <summary>
    /// Takes over the host-name strings <paramref name="previous"/> has made (<see cref="GetHostName"/>) for the
    /// hosts this snapshot has too, with the same name: found by MAC (or by client-id for a host without one).
    /// Called by <see cref="Dhcp4Engine.Reload"/> before this snapshot serves; costs a lookup per name made.
    /// </summary>
    internal void AdoptHostNames(Dhcp4NetworkSnapshot previous)
    {
        if (ReferenceEquals(previous, this))
        {
            return;
        }

        HostTable old = previous.Hosts;
        string?[] names = previous._hostNames;
        for (int oldRow = 0; oldRow < names.Length; oldRow++)
        {
            if (Volatile.Read(ref names[oldRow]) is not { } name)
            {
                continue;
            }

            int row = old.HasMac(oldRow) ? _index.FindByMac(old.GetMacValue(oldRow)) : _index.FindByClientId(old.GetClientId(oldRow));
            if (row >= 0 && Hosts.HasHostName(row) && _hostNames[row] is null && Hosts.GetHostNameUtf8(row).SequenceEqual(old.GetHostNameUtf8(oldRow)))
            {
                _hostNames[row] = name;
            }
        }
    }

    /// <summary>
    /// Finds the range that serves <paramref name="address"/> for a request received on <paramref name="serverInterface"/>
    /// (directly, or through the relay at <paramref name="relay"/>), and the server identifier to answer with.
    /// <list type="bullet">
    /// <item>A range's subnet is its netmask applied to its start, or, with no netmask, the subnet of the interface address that contains its start (dnsmasq's <c>tag0,10.10.10.0,static,120s</c>).</item>
    /// <item>Direct: the interface must have an address in that subnet; it is the server identifier.</item>
    /// <item>Relayed: the subnet must contain giaddr; the interface's first address is the server identifier.</item>
    /// <item>A static range serves any address of its subnet; a dynamic one its start..end, or a reserved address anywhere in its subnet.</item>
    /// </list>
    /// </summary>
    internal bool TryFindRange(ServerInterface serverInterface, IPv4Address relay, IPv4Address address, bool reserved, IReadOnlyList<string>? hostTags, out RangeMatch match)
    {
        IReadOnlyList<DhcpRange> ranges = Configuration.Ranges;
        for (int i = 0; i < ranges.Count; i++)
        {
            if (!TryMatchRange(i, serverInterface, relay, hostTags, out match))
            {
                continue;
            }

            DhcpRange range = match.Range;
            IPv4Subnet subnet = match.Subnet;
            bool inRange = range.IsStatic || reserved
                ? subnet.Contains(address)
                : address >= range.Start && address <= range.End;
            if (inRange && address != subnet.Network && address != subnet.BroadcastAddress)
            {
                return true;
            }
        }

        match = default;
        return false;
    }

    /// <summary>
    /// Whether range <paramref name="index"/> serves a request received on <paramref name="serverInterface"/>
    /// (directly, or through the relay at <paramref name="relay"/>) for a client with <paramref name="hostTags"/>,
    /// whatever the address; and if so its subnet and the server identifier to answer with.
    /// </summary>
    internal bool TryMatchRange(int index, ServerInterface serverInterface, IPv4Address relay, IReadOnlyList<string>? hostTags, out RangeMatch match)
    {
        DhcpRange range = Configuration.Ranges[index];
        match = default;
        if (!TagsSatisfied(range.RequiredTags, hostTags, null) || !TryGetSubnet(serverInterface, range, out IPv4Subnet subnet))
        {
            return false;
        }

        IPv4Address serverId;
        if (relay.IsAny)
        {
            if (!TryFindAddressIn(serverInterface, subnet, out serverId))
            {
                return false;
            }
        }
        else
        {
            if (!subnet.Contains(relay) || serverInterface.Addresses.Count == 0)
            {
                return false;
            }

            serverId = serverInterface.Addresses[0].Address;
        }

        match = new RangeMatch(index, range, subnet, serverId);
        return true;
    }

    /// <summary>True when <paramref name="address"/> is one of the interface's own: a REQUEST naming it in option 54 is for us.</summary>
    internal static bool IsOurAddress(ServerInterface serverInterface, IPv4Address address)
    {
        IReadOnlyList<InterfaceAddress> addresses = serverInterface.Addresses;
        for (int i = 0; i < addresses.Count; i++)
        {
            if (addresses[i].Address == address)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The option block for a host in a range with extra request-derived tags; cached per host when it can be.</summary>
    internal OptionBlock GetOptionBlock(HostEntry? host, RangeMatch range, IReadOnlyList<string>? requestTags)
    {
        if (requestTags is null || requestTags.Count == 0)
        {
            if (host is not { } entry)
            {
                return _rangeBlocks[range.Index] ??= BuildBlock(range.Range.SetTags, null, null);
            }

            // Hosts with the same tags get the same options: one block per (tag set, range), not one per host.
            int slot = (entry.TagSetId * _rangeBlocks.Length) + range.Index;
            return _tagSetBlocks[slot] ??= BuildBlock(range.Range.SetTags, entry.SetTags, null);
        }

        return BuildBlock(range.Range.SetTags, host?.SetTags, requestTags);
    }

    /// <summary>Tags a request sets through <c>--dhcp-match</c> / <c>--dhcp-userclass</c>; null when none fires or none matters.</summary>
    internal List<string>? MatchRequestTags(in Dhcp4Reader request)
    {
        if (!RequestTagsMatter)
        {
            return null;
        }

        List<string>? tags = null;
        IReadOnlyList<RequestMatch> matches = Configuration.Matches;
        for (int i = 0; i < matches.Count; i++)
        {
            RequestMatch match = matches[i];
            if (!_matchTagsReferenced.ContainsKey(match.SetTag))
            {
                continue;
            }

            foreach (Dhcp4Option option in request.Options)
            {
                if (option.Code == match.Code && (match.Value is null || option.Data.IndexOf(match.Value) >= 0))
                {
                    (tags ??= []).Add(match.SetTag);
                    break;
                }
            }
        }

        return tags;
    }

    internal OptionBlock BuildBlock(IReadOnlyList<string> rangeTags, IReadOnlyList<string>? hostTags, IReadOnlyList<string>? requestTags)
    {
        // For each code, the applicable setting with the most tags wins (dnsmasq: tagged options override untagged
        // ones); on a tie the first one configured wins. A forced setting for a code forces the winner.
        Dictionary<byte, (OptionSetting Setting, int Specificity, bool Force)> winners = [];
        List<byte> order = [];
        foreach (OptionSetting setting in Configuration.Options)
        {
            if (!TagsSatisfied(setting.RequiredTags, rangeTags, hostTags, requestTags))
            {
                continue;
            }

            int specificity = setting.RequiredTags.Count(t => !t.StartsWith('!'));
            if (winners.TryGetValue(setting.Code, out var current))
            {
                bool force = current.Force || setting.Force;
                winners[setting.Code] = specificity > current.Specificity ? (setting, specificity, force) : (current.Setting, current.Specificity, force);
            }
            else
            {
                winners[setting.Code] = (setting, specificity, setting.Force);
                order.Add(setting.Code);
            }
        }

        return OptionBlock.Encode(order.Select(code => (code, winners[code].Setting.Value, winners[code].Force)));
    }

    private static bool TagsSatisfied(IReadOnlyList<string> required, IReadOnlyList<string>? tagsA, IReadOnlyList<string>? tagsB, IReadOnlyList<string>? tagsC = null)
    {
        for (int i = 0; i < required.Count; i++)
        {
            string tag = required[i];
            bool negated = tag.StartsWith('!');
            ReadOnlySpan<char> name = negated ? tag.AsSpan(1) : tag; // a span: tag[1..] would allocate per request
            bool present = Contains(tagsA, name) || Contains(tagsB, name) || Contains(tagsC, name);
            if (present == negated)
            {
                return false;
            }
        }

        return true;

        static bool Contains(IReadOnlyList<string>? tags, ReadOnlySpan<char> name)
        {
            if (tags is null)
            {
                return false;
            }

            for (int i = 0; i < tags.Count; i++)
            {
                if (name.SequenceEqual(tags[i]))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private static bool TryGetSubnet(ServerInterface serverInterface, DhcpRange range, out IPv4Subnet subnet)
    {
        if (range.Netmask is { } netmask)
        {
            int prefix = netmask.PrefixLengthOfMask();
            subnet = new IPv4Subnet(range.Start, prefix < 0 ? 32 : prefix);
            return prefix >= 0;
        }

        IReadOnlyList<InterfaceAddress> addresses = serverInterface.Addresses;
        for (int i = 0; i < addresses.Count; i++)
        {
            IPv4Subnet own = addresses[i].Subnet;
            if (own.Contains(range.Start))
            {
                subnet = own;
                return true;
            }
        }

        subnet = default;
        return false;
    }

    private static bool TryFindAddressIn(ServerInterface serverInterface, IPv4Subnet subnet, out IPv4Address address)
    {
        IReadOnlyList<InterfaceAddress> addresses = serverInterface.Addresses;
        for (int i = 0; i < addresses.Count; i++)
        {
            IPv4Address own = addresses[i].Address;
            if (subnet.Contains(own))
            {
                address = own;
                return true;
            }
        }

        address = default;
        return false;
    }
}

/// <summary>
/// A host as the packet path sees it: a row of the snapshot's <see cref="HostTable"/>. A value (the snapshot and the
/// row number), so finding a host allocates nothing and a snapshot keeps no object per host; two entries of one
/// snapshot are the same host when their <see cref="Row"/>s are equal.
/// </summary>
internal readonly struct HostEntry(Dhcp4NetworkSnapshot snapshot, int row)
{
    public int Row => row;

    public IPv4Address? Address => snapshot.Hosts.GetAddress(row);

    public uint? LeaseSeconds => snapshot.Hosts.GetLeaseSeconds(row);

    public bool Ignore => snapshot.Hosts.IsIgnored(row);

    public IReadOnlyList<string> SetTags => snapshot.Hosts.GetTagSet(row);

    public int TagSetId => snapshot.Hosts.GetTagSetId(row);

    /// <summary>The short host name for the lease, or null: one string per host, made at its first ACK (<see cref="Dhcp4NetworkSnapshot.GetHostName"/>).</summary>
    public string? HostName => snapshot.GetHostName(row);

    /// <summary>Option 12's bytes (empty when the host has no name, or a name that is not ASCII).</summary>
    public ReadOnlySpan<byte> HostNameBytes => snapshot.Hosts.IsHostNameAscii(row) ? snapshot.Hosts.GetHostNameUtf8(row) : default;
}

/// <summary>The range that serves a request: its index and subnet, and our server identifier on it.</summary>
internal readonly record struct RangeMatch(int Index, DhcpRange Range, IPv4Subnet Subnet, IPv4Address ServerId);

/// <summary>
/// Pre-encoded configured options for one combination of tags: the options as wire bytes (code, length, data,
/// split per RFC 3396 when long), and an index so a reply copies only the ones the client asked for.
/// </summary>
internal sealed class OptionBlock
{
    private OptionBlock(byte[] data, Entry[] entries)
    {
        Data = data;
        Entries = entries;
        foreach (Entry entry in entries)
        {
            HasRouter |= entry.Code == (byte)Dhcp4OptionCode.Router;
            HasDnsServer |= entry.Code == (byte)Dhcp4OptionCode.DomainNameServer;
        }
    }

    public byte[] Data { get; }

    public Entry[] Entries { get; }

    /// <summary>Option 3 is configured (possibly empty, which means "announce none").</summary>
    public bool HasRouter { get; }

    /// <summary>Option 6 is configured (possibly empty, which means "announce none").</summary>
    public bool HasDnsServer { get; }

    /// <summary>True when <paramref name="code"/> is configured, so the server's built-in value for it is not sent.</summary>
    public bool Configures(Dhcp4OptionCode code)
    {
        foreach (Entry entry in Entries)
        {
            if (entry.Code == (byte)code)
            {
                return true;
            }
        }

        return false;
    }

    public static OptionBlock Encode(IEnumerable<(byte Code, byte[] Value, bool Force)> options)
    {
        List<byte> data = [];
        List<Entry> entries = [];
        foreach ((byte code, byte[] value, bool force) in options)
        {
            int offset = data.Count;
            if (value.Length > 0)
            {
                for (int at = 0; at < value.Length; at += byte.MaxValue)
                {
                    int chunk = Math.Min(byte.MaxValue, value.Length - at);
                    data.Add(code);
                    data.Add((byte)chunk);
                    data.AddRange(value.AsSpan(at, chunk));
                }
            }

            entries.Add(new Entry(code, offset, data.Count - offset, force));
        }

        return new OptionBlock([.. data], [.. entries]);
    }

    /// <summary>One option in <see cref="Data"/>; <see cref="Length"/> 0 for an empty ("announce none") setting.</summary>
    public readonly record struct Entry(byte Code, int Offset, int Length, bool Force);
}
