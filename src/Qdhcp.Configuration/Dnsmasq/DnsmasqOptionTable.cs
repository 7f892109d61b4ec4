using System.Collections.Frozen;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>Whether a dnsmasq option takes a value.</summary>
public enum DnsmasqArgument
{
    /// <summary>A flag: <c>--no-hosts</c>. A value is an error.</summary>
    None,

    /// <summary><c>--name=value</c> or <c>--name value</c>; short form <c>-x value</c> or <c>-xvalue</c>.</summary>
    Required,

    /// <summary>
    /// <c>--name</c> alone, or <c>--name=value</c>. Unlike getopt, <c>--name value</c> also takes the next argument when
    /// it does not start with '-' (dnsmasq has no positional arguments, so nothing else could be meant). The short
    /// form is a flag (<c>-q</c>, <c>-K</c>) unless <see cref="DnsmasqOptionSpec.ShortTakesValue"/> (<c>-C file</c>, <c>-x file</c>),
    /// as in dnsmasq's getopt string.
    /// </summary>
    Optional,
}

/// <summary>What qdhcp does with a dnsmasq option.</summary>
public enum DnsmasqOptionStatus
{
    /// <summary>Read and acted on.</summary>
    Supported,

    /// <summary>Accepted so that existing command lines keep working; has no effect (the note says why).</summary>
    AcceptedIgnored,

    /// <summary>Known, but not implemented: using it is an error, so a configuration is never silently half-applied.</summary>
    NotYet,
}

/// <summary>One dnsmasq option.</summary>
/// <param name="LongName">The long name without dashes (<c>dhcp-range</c>); conf files use it as the key.</param>
/// <param name="ShortName">dnsmasq's one-letter form, or null.</param>
/// <param name="Argument">Whether it takes a value.</param>
/// <param name="Status">What qdhcp does with it.</param>
/// <param name="Note">One line: what it does, or why it is ignored or not there yet. Used for the README table.</param>
/// <param name="Repeatable">May be given several times, each adding a value (ranges, options, servers).</param>
/// <param name="ShortValue">Overrides whether the short form takes a value; by default only <see cref="DnsmasqArgument.Required"/> ones do.</param>
public sealed record DnsmasqOptionSpec(
    string LongName,
    char? ShortName,
    DnsmasqArgument Argument,
    DnsmasqOptionStatus Status,
    string Note,
    bool Repeatable = false,
    bool? ShortValue = null)
{
    /// <summary>Whether <c>-X</c> takes a value (<c>-X value</c> or <c>-Xvalue</c>), as in dnsmasq's getopt string.</summary>
    public bool ShortTakesValue => ShortValue ?? Argument == DnsmasqArgument.Required;
}

/// <summary>
/// Every dnsmasq option qdhcp knows, in one declarative table: the command-line parser, conf-file reader and the README's
/// "dnsmasq options" table all come from it. An option not listed here is an error.
/// </summary>
public static class DnsmasqOptionTable
{
    private const DnsmasqArgument No = DnsmasqArgument.None;
    private const DnsmasqArgument Req = DnsmasqArgument.Required;
    private const DnsmasqArgument Opt = DnsmasqArgument.Optional;
    private const DnsmasqOptionStatus Yes = DnsmasqOptionStatus.Supported;
    private const DnsmasqOptionStatus Ign = DnsmasqOptionStatus.AcceptedIgnored;
    private const DnsmasqOptionStatus Later = DnsmasqOptionStatus.NotYet;

    private const string DnsTuning = "DNS cache/forwarding tuning: qdhcp answers local names itself and relays other queries uncached, so it has no effect";

    /// <summary>All known options, grouped as in the README.</summary>
    public static IReadOnlyList<DnsmasqOptionSpec> All { get; } =
    [
        // Process and files.
        new("conf-file", 'C', Opt, Yes, "read more options from a file; empty or /dev/null means none (qdhcp never reads /etc/dnsmasq.conf by default)", Repeatable: true, ShortValue: true),
        new("pid-file", 'x', Opt, Yes, "write the server's pid here (Neutron's liveness check reads it)", ShortValue: true),
        new("test", null, No, Yes, "check the command line and the files it names, print \"dnsmasq: syntax check OK.\" and exit 0, or exit 1 naming the problems"),
        new("version", 'v', No, Yes, "print the version (\"qdhcp ..., dnsmasq version 2.90 compatible\", which Neutron's sanity check parses) and exit"),
        new("keep-in-foreground", 'k', No, Yes, "stay in the foreground; without it (or -d) qdhcp detaches like dnsmasq once it serves"),
        new("no-daemon", 'd', No, Yes, "stay in the foreground and log to stderr"),
        new("user", 'u', Req, Ign, "privileges are dropped by the service manager, not by qdhcp"),
        new("group", 'g', Req, Ign, "privileges are dropped by the service manager, not by qdhcp"),
        new("log-facility", '8', Req, Yes, "where a detached server logs: a file path, or '-' for stderr; syslog facility names are accepted and logs are then dropped (no syslog yet)"),
        new("log-queries", 'q', Opt, Yes, "log each DNS query with its outcome (and a forwarded one's upstream and answer code)"),
        new("log-dhcp", null, No, Yes, "log every DHCP request and what was done with it (off by default: nothing is logged per packet)"),
        new("log-async", null, Opt, Ign, "logging is always asynchronous"),
        new("quiet-dhcp", null, No, Yes, "do not log routine DHCP messages"),

        // Interfaces.
        new("interface", 'i', Req, Yes, "serve only this interface (comma-separated names allowed)", Repeatable: true),
        new("except-interface", 'I', Req, Yes, "never serve this interface", Repeatable: true),
        new("bridge-interface", null, Req, Ign, "for BSD-style tap bridges; on Linux each plugged interface is served directly", Repeatable: true),
        new("listen-address", 'a', Req, Later, "choosing interfaces by address is not implemented yet (use --interface)", Repeatable: true),
        new("interface-name", null, Req, Ign, "DNS records from an interface's address are not served (names come from the hosts and addn-hosts files)"),
        new("bind-interfaces", 'z', No, Yes, "bind to each interface's address instead of the wildcard"),
        new("bind-dynamic", null, No, Yes, "like bind-interfaces, following interfaces as they come and go"),
        new("local-service", null, Opt, Yes, "refuse DNS queries from clients outside the served interfaces' subnets (forwarding is only ever done for those clients)"),

        // DNS.
        new("port", 'p', Req, Yes, "DNS port (UDP and TCP) on every served address; 0 turns DNS off (and the server no longer offers itself as DNS server)"),
        new("no-hosts", 'h', No, Yes, "do not read /etc/hosts"),
        new("addn-hosts", 'H', Req, Yes, "extra hosts file: its names answer A, AAAA and PTR queries (re-read on SIGHUP)", Repeatable: true),
        new("no-resolv", 'R', No, Yes, "do not read /etc/resolv.conf for upstream servers (qdhcp never reads it: upstreams come from --server only)"),
        new("resolv-file", 'r', Req, Ign, "resolv.conf files are never read; give upstreams with --server"),
        new("strict-order", 'o', No, Yes, "try the --server upstreams one at a time, in the order given; without it all are asked at once and the first answer wins"),
        new("server", 'S', Req, Yes, "an upstream DNS server (ip or ip#port) for names that are not local; with none, those get REFUSED; /domain/ forms are logged and skipped", Repeatable: true),
        new("domain", 's', Req, Yes, "the local domain: option 15, the suffix cut from host names, and the DNS zone answered with authority (NXDOMAIN for unknown names)"),
        new("cache-size", 'c', Req, Ign, DnsTuning),
        new("dns-loop-detect", null, No, Ign, DnsTuning),
        new("all-servers", null, No, Ign, DnsTuning),
        new("no-negcache", 'N', No, Ign, DnsTuning),
        new("filterwin2k", 'f', No, Ign, DnsTuning),
        new("domain-needed", 'D', No, Ign, "names without a dot are never forwarded anyway (unknown ones get NXDOMAIN)"),
        new("bogus-priv", 'b', No, Ign, DnsTuning),
        new("no-poll", 'n', No, Ign, "resolv.conf is never read, so there is nothing to poll"),
        new("expand-hosts", 'E', No, Later, "adding --domain to plain names in hosts files is not implemented yet"),
        new("address", 'A', Req, Later, "local DNS address overrides are not implemented yet"),
        new("host-record", null, Req, Later, "DNS host records are not implemented yet"),
        new("cname", null, Req, Later, "DNS CNAME records are not implemented yet"),

        // DHCP.
        new("dhcp-range", 'F', Req, Yes, "a subnet to serve (static, or a dynamic pool); IPv6 ranges are accepted and ignored", Repeatable: true),
        new("dhcp-host", 'G', Req, Yes, "one static host, same syntax as a hosts-file line", Repeatable: true),
        new("dhcp-hostsfile", null, Req, Yes, "static hosts file (re-read on SIGHUP); a directory reads every file in it", Repeatable: true),
        new("dhcp-optsfile", null, Req, Yes, "DHCP options file (re-read on SIGHUP); a directory reads every file in it", Repeatable: true),
        new("dhcp-option", 'O', Req, Yes, "a DHCP option (option6:, encap:, vendor: are accepted and not sent)", Repeatable: true),
        new("dhcp-option-force", null, Req, Yes, "a DHCP option sent even when not requested", Repeatable: true),
        new("dhcp-match", null, Req, Yes, "set a tag when a request carries an option", Repeatable: true),
        new("dhcp-userclass", 'j', Req, Yes, "set a tag when a request's user class (option 77) contains a string", Repeatable: true),
        new("dhcp-leasefile", 'l', Req, Yes, "the lease file, in dnsmasq's format (created if missing)"),
        new("leasefile-ro", null, No, Yes, "never write the lease file"),
        new("dhcp-lease-max", 'X', Req, Yes, "the most leases held at once (default 1000)"),
        new("dhcp-client-rate-limit", null, Req, Yes, "qdhcp extension: requests per second one client MAC may make, burst twice that (default 10; 0 = off)"),
        new("dhcp-pool-rate-limit", null, Req, Yes, "qdhcp extension: new pool addresses per second per relay or interface, burst twice that (default 50; 0 = off)"),
        new("dhcp-receive-buffer", null, Req, Yes, "qdhcp extension: each DHCP socket's receive buffer, bytes or with K/M (default 4M; 0 = the kernel's): requests queued while the server is busy"),
        new("dhcp-offer-hold", null, Req, Yes, "qdhcp extension: how long an address offered from a pool is kept for its client (default 10s)"),
        new("dhcp-decline-time", null, Req, Yes, "qdhcp extension: how long a declined address is not offered (default 10m, as dnsmasq)"),
        new("dhcp-authoritative", 'K', Opt, Yes, "NAK requests for unknown addresses instead of ignoring them"),
        new("dhcp-broadcast", null, Opt, Yes, "always broadcast replies (with tag:x, only to clients with that tag)", Repeatable: true),
        new("no-ping", null, No, Yes, "do not ping an address before offering it (qdhcp never pings: static addresses are reserved)"),
        new("dhcp-sequential-ip", null, No, Ign, "allocation order is the engine's; Neutron's static reservations are not affected"),
        new("dhcp-client-update", null, No, Ign, "client FQDN updates (option 81) are not acted on; names come from the hosts file"),
        new("dhcp-ignore-names", null, Opt, Ign, "names sent by clients are never used for DNS"),
        new("dhcp-fqdn", null, No, Ign, "names are always answered within --domain"),
        new("dhcp-no-override", null, No, Ign, "the server never reuses sname/file for options (no option 52 overload)"),
        new("dhcp-script", null, Req, Ign, "lease-change scripts are not run; Neutron reads the lease file instead"),
        new("enable-ra", null, No, Ign, "IPv6 router advertisements are not sent yet (DHCPv4 only)"),
        new("ra-param", null, Req, Ign, "IPv6 router advertisements are not sent yet (DHCPv4 only)", Repeatable: true),
        new("dhcp-relay", null, Req, Later, "relaying to another DHCP server is not planned for a Neutron network's server"),
        new("dhcp-boot", 'M', Req, Later, "BOOTP file/server fields are not implemented yet (use option:bootfile-name)"),
        new("dhcp-ignore", null, Req, Later, "ignoring clients by tag is not implemented yet"),
        new("dhcp-vendorclass", 'U', Req, Later, "vendor-class tags are not implemented yet"),
        new("dhcp-mac", null, Req, Later, "MAC-pattern tags are not implemented yet"),
        new("dhcp-circuitid", null, Req, Later, "relay circuit-id tags are not implemented yet"),
        new("dhcp-remoteid", null, Req, Later, "relay remote-id tags are not implemented yet"),
        new("tag-if", null, Req, Later, "tag expressions are not implemented yet"),
        new("dhcp-hostsdir", null, Req, Later, "watched host directories are not implemented yet (use --dhcp-hostsfile and SIGHUP)"),
        new("dhcp-optsdir", null, Req, Later, "watched option directories are not implemented yet (use --dhcp-optsfile and SIGHUP)"),
        new("read-ethers", 'Z', No, Later, "/etc/ethers is not read yet"),
        new("conf-dir", '7', Req, Later, "conf directories are not implemented yet (use --conf-file)"),
        new("enable-tftp", null, Opt, Later, "the TFTP server is not implemented"),
        new("tftp-root", null, Req, Later, "the TFTP server is not implemented"),
    ];

    private static readonly FrozenDictionary<string, DnsmasqOptionSpec> ByLong = All.ToFrozenDictionary(s => s.LongName, StringComparer.Ordinal);

    private static readonly FrozenDictionary<char, DnsmasqOptionSpec> ByShort =
        All.Where(s => s.ShortName is not null).ToFrozenDictionary(s => s.ShortName!.Value);

    /// <summary>The README's "dnsmasq options" table: every option, its status and note, in table order.</summary>
    public static string ToMarkdown()
    {
        System.Text.StringBuilder table = new();
        table.Append("| option | short | status | what qdhcp does |\n|---|---|---|---|\n");
        foreach (DnsmasqOptionSpec spec in All)
        {
            string status = spec.Status switch
            {
                DnsmasqOptionStatus.Supported => "supported",
                DnsmasqOptionStatus.AcceptedIgnored => "accepted, ignored",
                _ => "not yet (error)",
            };
            string name = spec.Argument switch
            {
                DnsmasqArgument.None => $"--{spec.LongName}",
                DnsmasqArgument.Required => $"--{spec.LongName}=…",
                _ => $"--{spec.LongName}[=…]",
            };
            table.Append($"| `{name}` | {(spec.ShortName is { } c ? $"`-{c}`" : "")} | {status} | {spec.Note.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }

        return table.ToString();
    }

    /// <summary>Looks up a long name without its dashes (<c>dhcp-range</c>).</summary>
    public static bool TryGetLong(string name, out DnsmasqOptionSpec spec) => ByLong.TryGetValue(name, out spec!);

    /// <summary>Looks up a one-letter name (<c>k</c>).</summary>
    public static bool TryGetShort(char name, out DnsmasqOptionSpec spec) => ByShort.TryGetValue(name, out spec!);
}
