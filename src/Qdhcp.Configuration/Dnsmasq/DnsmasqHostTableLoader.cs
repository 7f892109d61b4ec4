using System.Runtime.CompilerServices;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>
/// Reads <c>--dhcp-host</c> values and hosts files straight into a <see cref="HostTable"/>, dropping conflicting lines
/// as <see cref="DnsmasqHostsFile.RemoveConflicts"/> does, with the same diagnostics in the same order.
/// </summary>
/// <remarks>
/// A hosts file of 65,535 Neutron lines used to become 65,535 strings, field lists, <see cref="DnsmasqHostEntry"/>
/// records and then <see cref="Reservation"/>s (~180 MB allocated, ~0.5 s). Here the common Neutron line shapes
/// (<c>mac,name,ip</c>, <c>mac,name,ip,set:tag</c>, <c>mac,set:tag</c>) are read from spans of the file's text without
/// allocating per line; any line with something else in it (<c>id:</c>, <c>tag:</c>, IPv6, a lease time, quotes, a
/// second MAC, a name outside <c>--domain</c>) goes through <see cref="DnsmasqHostsFile.ParseLine"/>, the one reference
/// parser, so every rule and message stays where it is.
/// </remarks>
internal sealed class DnsmasqHostTableLoader
{
    private readonly IReadOnlyList<IPv4Subnet> _subnets;
    private readonly string? _domain;
    private readonly string? _domainTrimmed;
    private readonly HostTable.Builder _rows;
    private readonly List<LineRecord> _lines;
    private readonly Dictionary<uint, int> _lineByAddress;
    private readonly Dictionary<ulong, int> _lineByMac;
    private readonly Dictionary<ulong, List<int>> _moreLinesByMac = [];
    private readonly List<ConfigDiagnostic> _conflicts = [];
    private readonly List<ConfigDiagnostic> _tagWarnings = [];

    public DnsmasqHostTableLoader(IReadOnlyList<IPv4Subnet> subnets, string? domain, int capacity)
    {
        _subnets = subnets;
        _domain = domain;
        _domainTrimmed = domain?.TrimEnd('.');
        _rows = new HostTable.Builder(capacity);

        // Sized up front: growing three 65,535-entry tables doubles what a reload allocates.
        _lines = new List<LineRecord>(capacity);
        _lineByAddress = new Dictionary<uint, int>(capacity);
        _lineByMac = new Dictionary<ulong, int>(capacity);
    }

    /// <summary>Host lines that carry only IPv6 addresses (kept for DHCPv6; no DHCPv4 row).</summary>
    public List<DnsmasqHostEntry> Ipv6Hosts { get; } = [];

    /// <summary>Adds one parsed entry (a <c>--dhcp-host</c> value, or a hosts-file line the fast path left alone).</summary>
    public void Add(DnsmasqHostEntry entry)
    {
        ReadOnlySpan<MacAddress> macs = entry.Macs is MacAddress[] array ? array : [.. entry.Macs];
        if (entry.Address is { } address && !TryClaim(address, macs, entry.File, entry.Line))
        {
            return;
        }

        if (entry.IsIpv6Only)
        {
            Ipv6Hosts.Add(entry);
            return;
        }

        if (entry.RequiredTags.Count > 0)
        {
            _tagWarnings.Add(new ConfigDiagnostic(ConfigSeverity.Warning, entry.File, entry.Line,
                $"tag: filters on host lines ({string.Join(",", entry.RequiredTags.Select(t => "tag:" + t))}) are not supported yet; the line applies to every request"));
        }

        int tagSet = _rows.TagSetId(entry.SetTags);
        int first = _rows.Count;
        if (macs.Length == 0)
        {
            _rows.Add(null, entry.ClientId, entry.ClientId is not null, entry.HostName, entry.HostName is not null, entry.Address, entry.LeaseSeconds, tagSet, entry.Ignore);
        }

        foreach (MacAddress mac in macs)
        {
            _rows.Add(mac, entry.ClientId, entry.ClientId is not null, entry.HostName, entry.HostName is not null, entry.Address, entry.LeaseSeconds, tagSet, entry.Ignore);
        }

        Record(entry.Address, first, entry.File, entry.Line);
    }

    /// <summary>Adds every line of a hosts file; bad lines become diagnostics in <paramref name="diagnostics"/>, as <see cref="DnsmasqHostsFile.Parse"/> reports them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
    public void AddFile(string text, string file, List<ConfigDiagnostic> diagnostics)
    {
        ReadOnlySpan<char> rest = text;
        int number = 0;
        while (true)
        {
            number++;
            int newline = rest.IndexOf('\n');
            ReadOnlySpan<char> raw = newline >= 0 ? rest[..newline] : rest;
            ReadOnlySpan<char> line = raw.TrimEnd('\r').Trim();
            if (line.Length > 0 && line[0] != '#' && !TryAddNeutronLine(line, file, number))
            {
                AddSlowLine(line.ToString(), file, number, diagnostics);
            }

            if (newline < 0)
            {
                break;
            }

            rest = rest[(newline + 1)..];
        }
    }

    /// <summary>Appends the conflict warnings, then the tag-filter warnings (the order the loader always gave them), and returns the table.</summary>
    public HostTable Finish(List<ConfigDiagnostic> diagnostics)
    {
        diagnostics.AddRange(_conflicts);
        diagnostics.AddRange(_tagWarnings);
        return _rows.Build();
    }

    private void AddSlowLine(string line, string file, int number, List<ConfigDiagnostic> diagnostics)
    {
        LineResult<DnsmasqHostEntry> result = DnsmasqHostsFile.ParseLine(line, _domain);
        foreach (string warning in result.Warnings)
        {
            diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Warning, file, number, warning));
        }

        if (result.Value is { } entry)
        {
            Add(entry with { File = file, Line = number });
        }
        else
        {
            diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, file, number, result.Message + "; line skipped"));
        }
    }

    /// <summary>
    /// The fast path: a line of one MAC, at most one host name in <c>--domain</c>, at most one IPv4 address and at most
    /// one <c>set:</c> tag. False (nothing added) for anything else, which then goes the reference parser's way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
    private bool TryAddNeutronLine(ReadOnlySpan<char> line, string file, int number)
    {
        if (line.ContainsAny('"', '\\'))
        {
            return false;
        }

        MacAddress? mac = null;
        IPv4Address? address = null;
        ReadOnlySpan<char> hostName = default;
        bool hasHostName = false;
        ReadOnlySpan<char> tag = default;
        bool hasTag = false;
        foreach (Range range in line.Split(','))
        {
            ReadOnlySpan<char> field = line[range].Trim();
            if (field.IsEmpty)
            {
                continue;
            }

            if (field.StartsWith("set:", StringComparison.Ordinal))
            {
                ReadOnlySpan<char> name = field[4..];
                if (hasTag || !DnsmasqText.IsValidTag(name, allowNegation: false))
                {
                    return false;
                }

                tag = name;
                hasTag = true;
                continue;
            }

            if (field.StartsWith("id:", StringComparison.Ordinal) || field.StartsWith("tag:", StringComparison.Ordinal)
                || field.StartsWith("net:", StringComparison.Ordinal) || field.StartsWith('[') || field is "ignore")
            {
                return false;
            }

            if (IPv4Address.TryParse(field, out IPv4Address v4))
            {
                if (address is not null)
                {
                    return false;
                }

                address = v4;
                continue;
            }

            if (field.Contains('*'))
            {
                return false;
            }

            if (field.Length == 17 && MacAddress.TryParse(field, out MacAddress parsed))
            {
                if (mac is not null)
                {
                    return false;
                }

                mac = parsed;
                continue;
            }

            // What remains must be a plain host name: anything that could read as a lease time, a MAC with an ARP
            // type, or a name needing a warning is for the reference parser.
            if (hasHostName || field.Length == 20 || char.IsAsciiDigit(field[0]) || field.Equals("infinite", StringComparison.OrdinalIgnoreCase)
                || field.Contains(':') || !DnsmasqText.IsLegalHostName(field) || !TryShortName(field, out ReadOnlySpan<char> shortName))
            {
                return false;
            }

            hostName = shortName;
            hasHostName = true;
        }

        if (mac is not { } hostMac)
        {
            return false;
        }

        ReadOnlySpan<MacAddress> macs = [hostMac];
        if (address is { } claimed && !TryClaim(claimed, macs, file, number))
        {
            return true;
        }

        int first = _rows.Count;
        _rows.Add(hostMac, default, false, hostName, hasHostName, address, null, hasTag ? _rows.TagSetId(tag) : 0, ignore: false);
        Record(address, first, file, number);
        return true;
    }

    /// <summary>The name without <c>--domain</c>; false when it has another domain (the reference parser warns about it).</summary>
    private bool TryShortName(ReadOnlySpan<char> name, out ReadOnlySpan<char> shortName)
    {
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        int dot = name.IndexOf('.');
        shortName = dot < 0 ? name : name[..dot];
        if (dot < 0)
        {
            return !shortName.Equals("infinite", StringComparison.OrdinalIgnoreCase);
        }

        return _domainTrimmed is not null && name[(dot + 1)..].Equals(_domainTrimmed, StringComparison.OrdinalIgnoreCase)
            && !char.IsAsciiDigit(shortName[0]) && !shortName.Equals("infinite", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// <see cref="DnsmasqHostsFile.RemoveConflicts"/>'s rules for one line with an IPv4 address: false (with a warning)
    /// when the address is another client's or one of the MACs already has an address in the same subnet.
    /// </summary>
    private bool TryClaim(IPv4Address address, ReadOnlySpan<MacAddress> macs, string file, int number)
    {
        if (_lineByAddress.TryGetValue(address.Value, out int ownerLine) && !SharesMac(ownerLine, macs))
        {
            LineRecord owner = _lines[ownerLine];
            _conflicts.Add(new ConfigDiagnostic(ConfigSeverity.Warning, file, number,
                $"{address} is already reserved for {Describe(owner)} at {owner.Location}; this line is ignored (the first one wins)"));
            return false;
        }

        foreach (MacAddress mac in macs)
        {
            if (!_lineByMac.TryGetValue(mac.Value, out int firstLine))
            {
                continue;
            }

            int found = SameSubnet(_lines[firstLine].Address, address) ? firstLine
                : _moreLinesByMac.TryGetValue(mac.Value, out List<int>? more) ? FirstSameSubnet(more, address) : -1;

            if (found >= 0)
            {
                LineRecord sameSubnet = _lines[found];
                MacAddress shared = FirstShared(macs, found);
                _conflicts.Add(new ConfigDiagnostic(ConfigSeverity.Warning, file, number,
                    $"{shared} already has {new IPv4Address(sameSubnet.Address)} reserved at {sameSubnet.Location}; this line is ignored (the first one wins)"));
                return false;
            }
        }

        return true;
    }

    private int FirstSameSubnet(List<int> lines, IPv4Address address)
    {
        foreach (int line in lines)
        {
            if (SameSubnet(_lines[line].Address, address))
            {
                return line;
            }
        }

        return -1;
    }

    /// <summary>Remembers a kept line; one with an address is registered for the conflict checks of later lines.</summary>
    private void Record(IPv4Address? address, int firstRow, string file, int number)
    {
        int index = _lines.Count;
        _lines.Add(new LineRecord(file, number, firstRow, _rows.Count - firstRow, address?.Value ?? 0));
        if (address is not { } a)
        {
            return;
        }

        _lineByAddress.TryAdd(a.Value, index);
        for (int row = firstRow; row < _rows.Count; row++)
        {
            if (_rows.GetMac(row) is not { } mac)
            {
                continue;
            }

            if (_lineByMac.TryAdd(mac.Value, index))
            {
                continue;
            }

            if (!_moreLinesByMac.TryGetValue(mac.Value, out List<int>? more))
            {
                _moreLinesByMac[mac.Value] = more = [];
            }

            more.Add(index);
        }
    }

    private bool SharesMac(int line, ReadOnlySpan<MacAddress> macs)
    {
        LineRecord record = _lines[line];
        for (int row = record.FirstRow; row < record.FirstRow + record.RowCount; row++)
        {
            if (_rows.GetMac(row) is { } mac && macs.Contains(mac))
            {
                return true;
            }
        }

        return false;
    }

    private MacAddress FirstShared(ReadOnlySpan<MacAddress> macs, int line)
    {
        LineRecord record = _lines[line];
        foreach (MacAddress mac in macs)
        {
            for (int row = record.FirstRow; row < record.FirstRow + record.RowCount; row++)
            {
                if (_rows.GetMac(row) == mac)
                {
                    return mac;
                }
            }
        }

        return macs[0];
    }

    /// <summary>As <see cref="DnsmasqHostsFile"/> names a line in messages: its MACs, else its client-id, else its name.</summary>
    private string Describe(LineRecord line)
    {
        var macs = new List<string>();
        for (int row = line.FirstRow; row < line.FirstRow + line.RowCount; row++)
        {
            if (_rows.GetMac(row) is { } mac)
            {
                macs.Add(mac.ToString());
            }
        }

        if (macs.Count > 0)
        {
            return string.Join(",", macs);
        }

        return _rows.HasClientId(line.FirstRow) ? "id:" + DnsmasqText.FormatHex(_rows.GetClientId(line.FirstRow)) : _rows.GetHostName(line.FirstRow) ?? "another host";
    }

    private bool SameSubnet(uint a, IPv4Address b)
    {
        if (a == b.Value)
        {
            return true;
        }

        int sa = IndexOf(a);
        int sb = IndexOf(b.Value);
        return sa < 0 || sb < 0 || sa == sb;

        int IndexOf(uint x)
        {
            for (int i = 0; i < _subnets.Count; i++)
            {
                if (_subnets[i].Contains(new IPv4Address(x)))
                {
                    return i;
                }
            }

            return -1;
        }
    }

    /// <summary>A kept line: where it is, its rows in the table, and its address (0 when it has none: never consulted then).</summary>
    private readonly record struct LineRecord(string File, int Number, int FirstRow, int RowCount, uint Address)
    {
        public string Location => Number > 0 ? $"{File}:{Number}" : File;
    }
}
