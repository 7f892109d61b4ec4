using System.Net;
using System.Net.Sockets;
using System.Text;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>
/// One <c>--dhcp-host</c> value or <c>--dhcp-hostsfile</c> line, with everything dnsmasq allows on it; it becomes
/// one <see cref="Reservation"/> per MAC address (see <see cref="ToReservations"/>).
/// </summary>
/// <param name="Macs">Hardware addresses; several on one line share the rest ("allows an IP address to be associated with multiple hardware addresses").</param>
/// <param name="ClientId">Option 61 bytes from <c>id:</c>, or null.</param>
/// <param name="IgnoreClientId"><c>id:*</c>: "ignore any client-id and use MAC addresses only".</param>
/// <param name="HostName">The short host name (the domain part removed), or null.</param>
/// <param name="Address">The reserved IPv4 address, or null.</param>
/// <param name="Ipv6Addresses">Bracketed IPv6 addresses, kept as written without brackets, for DHCPv6 later.</param>
/// <param name="LeaseSeconds">A per-host lease time, or null.</param>
/// <param name="SetTags"><c>set:x</c> (and the old <c>net:x</c>) tags this host sets.</param>
/// <param name="RequiredTags"><c>tag:x</c> filters: the line applies only to requests carrying the tag. Not in <see cref="Reservation"/> yet.</param>
/// <param name="Ignore">The <c>ignore</c> keyword: never answer this client.</param>
/// <param name="File">Where the line came from.</param>
/// <param name="Line">Its 1-based line number, or 0.</param>
public sealed record DnsmasqHostEntry(
    IReadOnlyList<MacAddress> Macs,
    byte[]? ClientId,
    bool IgnoreClientId,
    string? HostName,
    IPv4Address? Address,
    IReadOnlyList<string> Ipv6Addresses,
    uint? LeaseSeconds,
    IReadOnlyList<string> SetTags,
    IReadOnlyList<string> RequiredTags,
    bool Ignore,
    string File = "",
    int Line = 0)
{
    /// <summary>
    /// True for a line that only carries IPv6 addresses (Neutron writes <c>mac,fqdn,[2001:db8::5]</c> for each IPv6
    /// fixed IP). It is DHCPv6 configuration, so it yields no DHCPv4 reservation.
    /// </summary>
    public bool IsIpv6Only => Address is null && Ipv6Addresses.Count > 0;

    /// <summary>One reservation per MAC (one without MAC for an <c>id:</c> or name-only line).</summary>
    public IEnumerable<Reservation> ToReservations()
    {
        if (Macs.Count == 0)
        {
            yield return new Reservation(null, ClientId, HostName, Address, LeaseSeconds, SetTags, Ignore);
            yield break;
        }

        foreach (MacAddress mac in Macs)
        {
            yield return new Reservation(mac, ClientId, HostName, Address, LeaseSeconds, SetTags, Ignore);
        }
    }

    /// <summary>Where the line came from, for messages: <c>/path/host:3</c>.</summary>
    public string Location => Line > 0 ? $"{File}:{Line}" : File;
}

/// <summary>
/// Reads dnsmasq's <c>--dhcp-hostsfile</c> format (one <c>--dhcp-host</c> value per line) as Neutron writes it:
/// <c>mac,fqdn,ip</c>, <c>mac,id:client-id,fqdn,ip</c>, <c>mac,fqdn,ip,set:port-&lt;id&gt;</c>, <c>mac,set:port-&lt;id&gt;</c>,
/// <c>mac,fqdn,[2001:db8::5]</c>. Fields may come in any order; each is recognised by its form, as dnsmasq does.
/// Blank lines and '#' comments are skipped. A bad line becomes an <see cref="ConfigSeverity.Error"/> diagnostic
/// and is skipped; the other lines are used (dnsmasq also keeps serving when a re-read file has a bad line).
/// </summary>
public sealed record DnsmasqHostsFile(IReadOnlyList<DnsmasqHostEntry> Entries, IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    /// <summary>The DHCPv4 reservations: one per MAC of every entry that is not IPv6-only.</summary>
    public IReadOnlyList<Reservation> Reservations => [.. Entries.Where(e => !e.IsIpv6Only).SelectMany(e => e.ToReservations())];

    /// <summary>Parses a whole hosts file.</summary>
    /// <param name="text">The file's content (read once, whole: the file may be replaced by rename at any time).</param>
    /// <param name="file">The path, for diagnostics.</param>
    /// <param name="domain"><c>--domain</c>: FQDNs in this domain are cut to the short name.</param>
    /// <param name="removeConflicts">Drop later lines that conflict with earlier ones (see <see cref="RemoveConflicts"/>).</param>
    /// <param name="subnets">The served subnets, used to tell a MAC with addresses in two subnets from a conflict.</param>
    public static DnsmasqHostsFile Parse(string text, string file, string? domain, bool removeConflicts = true, IReadOnlyList<IPv4Subnet>? subnets = null)
    {
        var entries = new List<DnsmasqHostEntry>();
        var diagnostics = new List<ConfigDiagnostic>();
        string[] lines = DnsmasqText.SplitLines(text);
        for (int n = 0; n < lines.Length; n++)
        {
            string line = DnsmasqText.StripComment(lines[n]);
            if (line.Length == 0)
            {
                continue;
            }

            LineResult<DnsmasqHostEntry> result = ParseLine(line, domain);
            foreach (string warning in result.Warnings)
            {
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Warning, file, n + 1, warning));
            }

            if (result.Value is { } entry)
            {
                entries.Add(entry with { File = file, Line = n + 1 });
            }
            else
            {
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, file, n + 1, result.Message + "; line skipped"));
            }
        }

        IReadOnlyList<DnsmasqHostEntry> kept = removeConflicts ? RemoveConflicts(entries, subnets ?? [], diagnostics) : entries;
        return new DnsmasqHostsFile(kept, diagnostics);
    }

    /// <summary>Parses one <c>--dhcp-host</c> value; never throws. Warnings: a host name in another domain.</summary>
    public static LineResult<DnsmasqHostEntry> ParseLine(string line, string? domain)
    {
        var macs = new List<MacAddress>();
        var ipv6 = new List<string>();
        var setTags = new List<string>();
        var requiredTags = new List<string>();
        var warnings = new List<string>();
        byte[]? clientId = null;
        bool ignoreClientId = false;
        string? hostName = null;
        IPv4Address? address = null;
        uint? lease = null;
        bool ignore = false;

        foreach (DnsmasqField f in DnsmasqText.SplitFields(line))
        {
            string field = f.Text;
            if (field.Length == 0)
            {
                continue;
            }

            if (field.StartsWith("id:", StringComparison.Ordinal))
            {
                string id = field[3..];
                if (clientId is not null || ignoreClientId)
                {
                    // Found by fuzzing: `id:707,id:*` kept both and could not be written back as one line.
                    return Fail($"two client-ids ('{field}' and an earlier id:): a host line gives one");
                }

                if (id == "*")
                {
                    ignoreClientId = true;
                }
                else if (id.Length == 0)
                {
                    return Fail("'id:' has no client-id after it (write id:01:fa:16:3e:.., id:text or id:*)");
                }
                else
                {
                    // Like dnsmasq: hex bytes when it reads as hex, else the text's bytes (id:clientidastext).
                    clientId = DnsmasqText.TryParseHexBytes(id, allowSingle: true, out byte[] hex) ? hex : Encoding.UTF8.GetBytes(id);
                }

                continue;
            }

            if (DnsmasqText.TryReadTag(field, netMeansSet: true, out string tag, out bool isSet))
            {
                if (!DnsmasqText.IsValidTag(tag, allowNegation: !isSet))
                {
                    return Fail($"'{field}' is not a valid tag");
                }

                (isSet ? setTags : requiredTags).Add(tag);
                continue;
            }

            if (field == "ignore")
            {
                ignore = true;
                continue;
            }

            if (field.StartsWith('['))
            {
                if (!TryParseIpv6(field, out string v6))
                {
                    return Fail($"'{field}' is not a bracketed IPv6 address (e.g. [2001:db8::5])");
                }

                ipv6.Add(v6);
                continue;
            }

            if (IPv4Address.TryParse(field, out IPv4Address v4))
            {
                if (address is not null)
                {
                    return Fail($"two IPv4 addresses ({address} and {field}): a host line reserves one");
                }

                address = v4;
                continue;
            }

            if (field.Contains('*') && field.Contains(':'))
            {
                return Fail($"'{field}': wildcard MAC addresses are not supported; list each MAC address on its own line");
            }

            if (TryParseMac(field, out MacAddress mac, out string? macError))
            {
                macs.Add(mac);
                continue;
            }

            if (macError is not null)
            {
                return Fail(macError);
            }

            if (DnsmasqText.TryParseLeaseTime(field, out uint seconds, out _))
            {
                if (lease is not null)
                {
                    return Fail($"two lease times ('{field}' and an earlier one)");
                }

                lease = seconds;
                continue;
            }

            if (!field.Contains(':') && !field.All(c => char.IsAsciiDigit(c) || c == '.') && DnsmasqText.IsLegalHostName(field))
            {
                if (hostName is not null)
                {
                    return Fail($"two host names ('{hostName}' and '{field}'): a host line gives one");
                }

                string shortName = ShortName(field, domain, warnings);
                if (DnsmasqText.TryParseLeaseTime(shortName, out _, out _) || shortName.All(char.IsAsciiDigit))
                {
                    // Found by fuzzing: `10.example` would be written back as `10`, which reads as a lease time.
                    return Fail($"'{field}': its host name '{shortName}' would read as a lease time; use a name with a letter in its first label");
                }

                hostName = shortName;
                continue;
            }

            return Fail($"'{field}' is not a MAC address, an IPv4 address, a lease time or a host name");
        }

        if (macs.Count == 0 && clientId is null && hostName is null && (setTags.Count > 0 || requiredTags.Count > 0) && address is null)
        {
            // `--dhcp-host=tag:foo` is what Neutron's agent probes dnsmasq with (`dnsmasq --test --dhcp-host=tag:foo`);
            // a line of tags only names no client, so it has no effect here.
            return LineResult<DnsmasqHostEntry>.Ignored("a host line with only tags names no client; ignored");
        }

        if (macs.Count == 0 && clientId is null && hostName is null)
        {
            return Fail("the line names no client: give a MAC address, id:<client-id> or a host name");
        }

        var entry = new DnsmasqHostEntry(macs, clientId, ignoreClientId, hostName, address, ipv6, lease, setTags, requiredTags, ignore);
        return LineResult<DnsmasqHostEntry>.Ok(entry, warnings);

        static LineResult<DnsmasqHostEntry> Fail(string message) => LineResult<DnsmasqHostEntry>.Invalid(message);
    }

    /// <summary>Formats an entry so that <see cref="ParseLine"/> reads it back (host names are written short).</summary>
    public static string FormatLine(DnsmasqHostEntry entry)
    {
        var parts = new List<string>();
        parts.AddRange(entry.Macs.Select(m => m.ToString()));
        if (entry.IgnoreClientId)
        {
            parts.Add("id:*");
        }
        else if (entry.ClientId is { Length: > 0 } id)
        {
            parts.Add("id:" + DnsmasqText.FormatHex(id));
        }

        parts.AddRange(entry.SetTags.Select(t => "set:" + t));
        parts.AddRange(entry.RequiredTags.Select(t => "tag:" + t));
        if (entry.HostName is not null)
        {
            parts.Add(entry.HostName);
        }

        if (entry.Address is { } a)
        {
            parts.Add(a.ToString());
        }

        parts.AddRange(entry.Ipv6Addresses.Select(v6 => "[" + v6 + "]"));
        if (entry.LeaseSeconds is { } lease)
        {
            parts.Add(DnsmasqText.FormatLeaseTime(lease));
        }

        if (entry.Ignore)
        {
            parts.Add("ignore");
        }

        return string.Join(',', parts);
    }

    /// <summary>
    /// Drops entries that contradict an earlier one, keeping the first (the order dnsmasq reads them), with a warning:
    /// <list type="bullet">
    /// <item>an IPv4 address already reserved for a different client;</item>
    /// <item>a MAC that already has an IPv4 reservation in the same subnet. A MAC with addresses in two different
    /// <paramref name="subnets"/> is not a conflict: man dnsmasq lets one host have a --dhcp-host per subnet and uses
    /// the one in the subnet the request comes from. Addresses outside every known subnet count as one subnet.</item>
    /// </list>
    /// Entries without an IPv4 address (tags only, IPv6 only) never conflict.
    /// </summary>
    public static IReadOnlyList<DnsmasqHostEntry> RemoveConflicts(IEnumerable<DnsmasqHostEntry> entries, IReadOnlyList<IPv4Subnet> subnets, List<ConfigDiagnostic> diagnostics)
    {
        var kept = new List<DnsmasqHostEntry>();
        var byAddress = new Dictionary<IPv4Address, DnsmasqHostEntry>();
        var byMac = new Dictionary<MacAddress, List<DnsmasqHostEntry>>();
        foreach (DnsmasqHostEntry entry in entries)
        {
            if (entry.Address is { } address)
            {
                if (byAddress.TryGetValue(address, out DnsmasqHostEntry? owner) && !owner.Macs.Intersect(entry.Macs).Any())
                {
                    diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Warning, entry.File, entry.Line,
                        $"{address} is already reserved for {Describe(owner)} at {owner.Location}; this line is ignored (the first one wins)"));
                    continue;
                }

                DnsmasqHostEntry? sameSubnet = entry.Macs
                    .SelectMany(m => byMac.TryGetValue(m, out List<DnsmasqHostEntry>? list) ? list : [])
                    .FirstOrDefault(e => SameSubnet(e.Address!.Value, address, subnets));
                if (sameSubnet is not null)
                {
                    MacAddress mac = entry.Macs.First(sameSubnet.Macs.Contains);
                    diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Warning, entry.File, entry.Line,
                        $"{mac} already has {sameSubnet.Address} reserved at {sameSubnet.Location}; this line is ignored (the first one wins)"));
                    continue;
                }

                byAddress.TryAdd(address, entry);
                foreach (MacAddress mac in entry.Macs)
                {
                    if (!byMac.TryGetValue(mac, out List<DnsmasqHostEntry>? list))
                    {
                        byMac[mac] = list = [];
                    }

                    list.Add(entry);
                }
            }

            kept.Add(entry);
        }

        return kept;
    }

    private static bool SameSubnet(IPv4Address a, IPv4Address b, IReadOnlyList<IPv4Subnet> subnets)
    {
        if (a == b)
        {
            return true;
        }

        int sa = IndexOf(a);
        int sb = IndexOf(b);
        return sa < 0 || sb < 0 || sa == sb;

        int IndexOf(IPv4Address x)
        {
            for (int i = 0; i < subnets.Count; i++)
            {
                if (subnets[i].Contains(x))
                {
                    return i;
                }
            }

            return -1;
        }
    }

    private static string Describe(DnsmasqHostEntry e) =>
        e.Macs.Count > 0 ? string.Join(",", e.Macs) : e.ClientId is { } id ? "id:" + DnsmasqText.FormatHex(id) : e.HostName ?? "another host";

    /// <summary>
    /// dnsmasq keeps only names in its own domain: "illegal domain ... in dhcp-config directive" otherwise. Neutron writes
    /// <c>host-10-10-10-2.openstacklocal</c> with <c>--domain=openstacklocal</c>, which gives <c>host-10-10-10-2</c>.
    /// A name in another domain keeps its first label, with a warning.
    /// </summary>
    private static string ShortName(string name, string? domain, List<string> warnings)
    {
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        int dot = name.IndexOf('.');
        if (dot < 0)
        {
            return name;
        }

        string shortName = name[..dot];
        string rest = name[(dot + 1)..];
        if (domain is null)
        {
            warnings.Add($"host name '{name}' has domain '{rest}' but no --domain is set; using '{shortName}'");
        }
        else if (!string.Equals(rest, domain.TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
        {
            warnings.Add($"illegal domain '{rest}' in host name '{name}' (--domain is '{domain}'); using '{shortName}'");
        }

        return shortName;
    }

    /// <summary>
    /// A MAC, optionally with dnsmasq's ARP-type prefix (<c>01-aa:bb:..</c>; only 1, Ethernet, is served). Returns an
    /// error instead of false when the field is clearly meant as a hardware address but is not a 6-byte one.
    /// </summary>
    private static bool TryParseMac(string field, out MacAddress mac, out string? error)
    {
        mac = default;
        error = null;
        string text = field;
        if (text.Length == 20 && text[2] == '-' && text.Contains(':'))
        {
            if (!text.StartsWith("01-", StringComparison.Ordinal))
            {
                error = $"'{field}': only Ethernet (ARP type 01) hardware addresses are supported";
                return false;
            }

            text = text[3..];
        }

        if (text.Length == 17 && MacAddress.TryParse(text, out mac))
        {
            return true;
        }

        return false;
    }

    private static bool TryParseIpv6(string field, out string address)
    {
        address = string.Empty;
        if (!field.EndsWith(']') || field.Length < 3)
        {
            return false;
        }

        string inner = field[1..^1];
        int slash = inner.IndexOf('/');
        string host = slash >= 0 ? inner[..slash] : inner;
        if (!host.Contains(':') || !IPAddress.TryParse(host, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        if (slash >= 0 && !(int.TryParse(inner.AsSpan(slash + 1), out int prefix) && prefix is >= 0 and <= 128))
        {
            return false;
        }

        address = inner;
        return true;
    }
}
