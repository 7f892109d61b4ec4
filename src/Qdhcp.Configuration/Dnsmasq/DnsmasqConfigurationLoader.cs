using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>What one load produced.</summary>
/// <param name="Configuration">The DHCPv4 configuration: usable unless <see cref="Errors"/> is non-empty.</param>
/// <param name="AddnHosts">Every <c>--addn-hosts</c> entry, for the DNS responder.</param>
/// <param name="Ipv6Hosts">Host lines that carry only IPv6 addresses, kept for DHCPv6.</param>
/// <param name="Ipv6OptionLines"><c>option6:</c> values from the command line and the opts files, as written.</param>
/// <param name="Diagnostics">Everything found, with file:line.</param>
public sealed record DnsmasqLoadResult(
    Dhcp4Configuration Configuration,
    IReadOnlyList<HostsFileEntry> AddnHosts,
    IReadOnlyList<DnsmasqHostEntry> Ipv6Hosts,
    IReadOnlyList<string> Ipv6OptionLines,
    IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    /// <summary>Fatal findings (a file named on the command line cannot be read): do not use <see cref="Configuration"/>.</summary>
    public IReadOnlyList<ConfigDiagnostic> Errors => [.. Diagnostics.Where(d => d.Severity == ConfigSeverity.Fatal)];

    public bool Success => !Diagnostics.Any(d => d.Severity == ConfigSeverity.Fatal);
}

/// <summary>
/// Turns parsed dnsmasq options plus the files they name into a <see cref="Dhcp4Configuration"/>.
/// <list type="bullet">
/// <item>The command-line part (ranges, <c>--dhcp-option</c>, matches, <c>--dhcp-host</c>) is fixed at construction;
/// <see cref="Load()"/> re-reads only the files (hosts, opts, addn-hosts), so it is also what SIGHUP calls, as dnsmasq
/// re-reads exactly those on SIGHUP.</item>
/// <item>Each file is read once, whole, then parsed from the string: Neutron replaces the files by rename at any
/// moment, and a reader must see one version. A path naming a directory reads every file in it, in name order
/// (man dnsmasq, --dhcp-hostsfile).</item>
/// <item>A file that cannot be read is <see cref="ConfigSeverity.Fatal"/>: Neutron always writes host, opts and
/// addn_hosts before starting the server, so a missing one is a wrong path. On a reload, the caller should log the
/// errors and keep the previous configuration. The lease file is not read here (missing is normal; see
/// <see cref="DnsmasqLeaseFile.Read"/>).</item>
/// <item>Order: <c>--dhcp-host</c> before hosts-file lines, <c>--dhcp-option</c> before opts-file lines; among conflicting
/// reservations the first wins (<see cref="DnsmasqHostsFile.RemoveConflicts"/>).</item>
/// <item>Host lines that carry only IPv6 addresses give no DHCPv4 reservation (see <see cref="DnsmasqHostEntry.IsIpv6Only"/>).
/// <c>tag:</c> filters on host lines are not modelled by <see cref="Reservation"/>: the line is used without the filter, with a warning.</item>
/// </list>
/// </summary>
public sealed class DnsmasqConfigurationLoader
{
    private readonly IReadOnlyList<IPv4Subnet> _subnets;

    public DnsmasqConfigurationLoader(DnsmasqOptions options)
    {
        Options = options;
        _subnets = [.. options.DhcpRanges.Select(SubnetOf)];
    }

    public DnsmasqOptions Options { get; }

    /// <summary>Reads all hosts, opts and addn-hosts files and builds the configuration; call again on SIGHUP.</summary>
    public DnsmasqLoadResult Load()
    {
        var diagnostics = new List<ConfigDiagnostic>();
        List<(string Path, string Text)> hostsFiles = ReadAll(Options.DhcpHostsFiles, "--dhcp-hostsfile", diagnostics);
        var hosts = new DnsmasqHostTableLoader(_subnets, Options.Domain, Options.DhcpHosts.Count + hostsFiles.Sum(f => f.Text.Length / 48));
        foreach (DnsmasqHostEntry entry in Options.DhcpHosts)
        {
            hosts.Add(entry);
        }

        foreach ((string path, string text) in hostsFiles)
        {
            hosts.AddFile(text, path, diagnostics);
        }

        hostsFiles.Clear();
        HostTable reservations = hosts.Finish(diagnostics);
        List<DnsmasqHostEntry> ipv6Hosts = hosts.Ipv6Hosts;

        var options = new List<OptionSetting>(Options.DhcpOptions);
        var ipv6Options = new List<string>(Options.Ipv6DhcpOptions);
        foreach ((string path, string text) in ReadAll(Options.DhcpOptsFiles, "--dhcp-optsfile", diagnostics))
        {
            DnsmasqOptsFile file = DnsmasqOptsFile.Parse(text, path);
            options.AddRange(file.Options);
            ipv6Options.AddRange(file.Ipv6Lines);
            diagnostics.AddRange(file.Diagnostics);
        }

        var addnHosts = new AddnHostsTable();
        foreach ((string path, string text) in ReadAll(Options.AddnHostsFiles, "--addn-hosts", diagnostics))
        {
            addnHosts.AddFile(text, path, diagnostics);
        }

        var configuration = new Dhcp4Configuration
        {
            Ranges = Options.DhcpRanges,
            Reservations = reservations,
            Options = options,
            Matches = Options.DhcpMatches,
            Domain = Options.Domain,
            LeaseMax = Options.DhcpLeaseMax,
            ClientRateLimit = Options.ClientRateLimit,
            PoolRateLimit = Options.PoolRateLimit,
            OfferHoldSeconds = Options.OfferHoldSeconds,
            DeclineQuarantineSeconds = Options.DeclineSeconds,
            Authoritative = Options.DhcpAuthoritative,
            AlwaysBroadcast = Options.DhcpBroadcast,
            DnsEnabled = Options.DnsEnabled,
        };
        return new DnsmasqLoadResult(configuration, addnHosts, ipv6Hosts, ipv6Options, diagnostics);
    }

    /// <summary>Convenience: one load from fresh options.</summary>
    public static DnsmasqLoadResult Load(DnsmasqOptions options) => new DnsmasqConfigurationLoader(options).Load();

    private static List<(string Path, string Text)> ReadAll(IReadOnlyList<string> paths, string option, List<ConfigDiagnostic> diagnostics)
    {
        var result = new List<(string, string)>();
        foreach (string path in paths)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    foreach (string file in Directory.GetFiles(path).Order(StringComparer.Ordinal))
                    {
                        result.Add((file, File.ReadAllText(file)));
                    }
                }
                else
                {
                    result.Add((path, File.ReadAllText(path)));
                }
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Fatal, path, 0,
                    $"cannot read {option} file: it does not exist (Neutron writes it before starting the server; check the path)"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Fatal, path, 0, $"cannot read {option} file: {e.Message}"));
            }
        }

        return result;
    }

    /// <summary>
    /// The subnet a range serves, for telling a host's per-subnet reservations apart. Without a netmask dnsmasq takes the
    /// interface's, which is unknown here; the classful mask is the guess man dnsmasq itself uses for relayed networks.
    /// </summary>
    private static IPv4Subnet SubnetOf(DhcpRange range)
    {
        int prefix = range.Netmask?.PrefixLengthOfMask() ?? -1;
        if (prefix < 0)
        {
            uint first = range.Start.Value >> 24;
            prefix = first < 128 ? 8 : first < 192 ? 16 : 24;
        }

        return new IPv4Subnet(range.Start, prefix);
    }
}
