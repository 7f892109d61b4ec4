using Qdhcp.Engine.Model;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>An option that was accepted and has no effect, kept for logging.</summary>
/// <param name="Name">The long name.</param>
/// <param name="Value">Its value, or null for a flag.</param>
public sealed record IgnoredOption(string Name, string? Value);

/// <summary>
/// Everything a dnsmasq command line (plus <c>--conf-file</c>) said, parsed. Values that refer to files are paths;
/// the files themselves are read by <see cref="DnsmasqConfigurationLoader"/> (and re-read on SIGHUP).
/// Defaults are dnsmasq's.
/// </summary>
public sealed record DnsmasqOptions
{
    public bool NoHosts { get; init; }

    public bool NoResolv { get; init; }

    public bool StrictOrder { get; init; }

    public bool BindInterfaces { get; init; }

    public bool BindDynamic { get; init; }

    public bool LocalService { get; init; }

    public IReadOnlyList<string> Interfaces { get; init; } = [];

    public IReadOnlyList<string> ExceptInterfaces { get; init; } = [];

    /// <summary><c>--bridge-interface</c> values as written (<c>iface,alias[,alias]</c>).</summary>
    public IReadOnlyList<string> BridgeInterfaces { get; init; } = [];

    public IReadOnlyList<string> ListenAddresses { get; init; } = [];

    /// <summary><c>--pid-file</c>; null when not given or given without a value.</summary>
    public string? PidFile { get; init; }

    public IReadOnlyList<string> DhcpHostsFiles { get; init; } = [];

    public IReadOnlyList<string> AddnHostsFiles { get; init; } = [];

    public IReadOnlyList<string> DhcpOptsFiles { get; init; } = [];

    public string? DhcpLeaseFile { get; init; }

    /// <summary><c>--leasefile-ro</c>: never write the lease file.</summary>
    public bool LeaseFileReadOnly { get; init; }

    public IReadOnlyList<DhcpRange> DhcpRanges { get; init; } = [];

    /// <summary>IPv6 <c>--dhcp-range</c> values, as written; no effect yet.</summary>
    public IReadOnlyList<string> Ipv6DhcpRanges { get; init; } = [];

    /// <summary><c>--dhcp-lease-max</c>; dnsmasq's default is 1000.</summary>
    public int DhcpLeaseMax { get; init; } = 1000;

    /// <summary><c>--dhcp-client-rate-limit</c> (qdhcp): requests per second per client MAC; 0 is off.</summary>
    public int ClientRateLimit { get; init; } = 10;

    /// <summary><c>--dhcp-pool-rate-limit</c> (qdhcp): new pool addresses per second per relay or interface; 0 is off.</summary>
    public int PoolRateLimit { get; init; } = 50;

    /// <summary><c>--dhcp-receive-buffer</c> (qdhcp): each DHCP socket's receive buffer in bytes; null: qdhcp's default (4 MiB), 0: the kernel's.</summary>
    public int? ReceiveBufferBytes { get; init; }

    /// <summary><c>--dhcp-offer-hold</c> (qdhcp): seconds an offered pool address stays the client's.</summary>
    public uint OfferHoldSeconds { get; init; } = 10;

    /// <summary><c>--dhcp-decline-time</c> (qdhcp): seconds a declined address is kept out of service.</summary>
    public uint DeclineSeconds { get; init; } = 600;

    /// <summary><c>--dhcp-option</c> and <c>--dhcp-option-force</c> values in command-line order.</summary>
    public IReadOnlyList<OptionSetting> DhcpOptions { get; init; } = [];

    /// <summary><c>option6:</c> values of <c>--dhcp-option</c>, as written; no effect yet.</summary>
    public IReadOnlyList<string> Ipv6DhcpOptions { get; init; } = [];

    /// <summary><c>--dhcp-match</c> and <c>--dhcp-userclass</c>.</summary>
    public IReadOnlyList<RequestMatch> DhcpMatches { get; init; } = [];

    /// <summary><c>--dhcp-host</c> values (parsed with <see cref="Domain"/>, wherever it appeared).</summary>
    public IReadOnlyList<DnsmasqHostEntry> DhcpHosts { get; init; } = [];

    /// <summary><c>--dhcp-broadcast</c> with no tag: broadcast every reply.</summary>
    public bool DhcpBroadcast { get; init; }

    /// <summary>Tags of <c>--dhcp-broadcast=tag:x</c>: broadcast only to clients with all of them.</summary>
    public IReadOnlyList<IReadOnlyList<string>> DhcpBroadcastTags { get; init; } = [];

    public bool DhcpAuthoritative { get; init; }

    public bool NoPing { get; init; }

    public bool QuietDhcp { get; init; }

    /// <summary>Conf files that were read, in order.</summary>
    public IReadOnlyList<string> ConfFiles { get; init; } = [];

    /// <summary><c>--domain</c>: the first comma-separated part; null when not given.</summary>
    public string? Domain { get; init; }

    /// <summary><c>--server</c> values as written: upstream DNS servers (<c>ip</c> or <c>ip#port</c>).</summary>
    public IReadOnlyList<string> Servers { get; init; } = [];

    /// <summary><c>--port</c>: the DNS port; 0 turns DNS off.</summary>
    public int Port { get; init; } = 53;

    public bool LogQueries { get; init; }

    public bool LogDhcp { get; init; }

    public string? LogFacility { get; init; }

    public bool KeepInForeground { get; init; }

    public bool NoDaemon { get; init; }

    /// <summary><c>--test</c>: check the configuration and exit.</summary>
    public bool TestOnly { get; init; }

    /// <summary><c>--version</c>: print the version and exit.</summary>
    public bool ShowVersion { get; init; }

    /// <summary>Options given that have no effect (<see cref="DnsmasqOptionStatus.AcceptedIgnored"/>).</summary>
    public IReadOnlyList<IgnoredOption> Ignored { get; init; } = [];

    /// <summary>True unless <c>--port=0</c>.</summary>
    public bool DnsEnabled => Port != 0;
}
