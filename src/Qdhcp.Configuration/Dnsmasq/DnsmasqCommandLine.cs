using System.Globalization;
using Qdhcp.Engine.Model;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>The parsed command line and everything found wrong with it.</summary>
/// <param name="Options">Every value; defaults where an option was absent or bad.</param>
/// <param name="Diagnostics">All findings; <see cref="ConfigSeverity.Fatal"/> ones mean the server must not start.</param>
public sealed record DnsmasqCommandLineResult(DnsmasqOptions Options, IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    /// <summary>The fatal findings: unknown or not-yet-supported options, bad values, unreadable conf files.</summary>
    public IReadOnlyList<ConfigDiagnostic> Errors => [.. Diagnostics.Where(d => d.Severity == ConfigSeverity.Fatal)];

    public bool Success => !Diagnostics.Any(d => d.Severity == ConfigSeverity.Fatal);
}

/// <summary>
/// Parses a dnsmasq command line, as Neutron's DHCP agent builds it, into <see cref="DnsmasqOptions"/>.
/// <list type="bullet">
/// <item>Long options as <c>--name=value</c> or <c>--name value</c>, flags as <c>--name</c>; short options as
/// <c>-p 53</c>, <c>-p53</c>, and clustered flags <c>-kd</c>. Names come from <see cref="DnsmasqOptionTable"/>;
/// abbreviations (getopt's <c>--no-h</c>) are not accepted.</item>
/// <item><c>--conf-file=</c> and <c>--conf-file=/dev/null</c> mean no file. Unlike dnsmasq, qdhcp never reads
/// /etc/dnsmasq.conf when no --conf-file is given: a DHCP agent's server must not pick up the host's config.</item>
/// <item>A conf file holds <c>name=value</c> or <c>name</c> lines with the same names, '#' comments; it is read after the
/// command line, and a single-valued option set on the command line is not overridden by a conf file.</item>
/// <item>Anything wrong is a <see cref="ConfigSeverity.Fatal"/> diagnostic (dnsmasq refuses to start on a bad option);
/// ignored options and IPv6-only values are <see cref="ConfigSeverity.Info"/>.</item>
/// </list>
/// </summary>
public static class DnsmasqCommandLine
{
    /// <summary>Appended to unknown-option errors.</summary>
    public const string UnknownOptionHint = "qdhcp serve accepts dnsmasq's options; see README \"dnsmasq options\"";

    private const int MaxConfDepth = 8;

    /// <summary>Parses the arguments (without the program name); never throws, file errors included.</summary>
    public static DnsmasqCommandLineResult Parse(IReadOnlyList<string> args)
    {
        var diagnostics = new List<ConfigDiagnostic>();
        var occurrences = new List<Occurrence>();
        CollectArguments(args, occurrences, diagnostics);

        var confFiles = new List<string>();
        int commandLineCount = occurrences.Count;
        for (int i = 0; i < commandLineCount; i++)
        {
            if (occurrences[i].Spec.LongName == "conf-file")
            {
                ReadConfFile(occurrences[i], occurrences, diagnostics, confFiles, depth: 0);
            }
        }

        DnsmasqOptions options = Apply(occurrences, diagnostics) with { ConfFiles = confFiles };
        return new DnsmasqCommandLineResult(options, diagnostics);
    }

    private sealed record Occurrence(DnsmasqOptionSpec Spec, string? Value, string File, int Line, bool FromCommandLine)
    {
        public string Display => Value is null ? "--" + Spec.LongName : $"--{Spec.LongName}={Value}";
    }

    private static void CollectArguments(IReadOnlyList<string> args, List<Occurrence> occurrences, List<ConfigDiagnostic> diagnostics)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i] ?? string.Empty;
            if (arg == "--")
            {
                for (i++; i < args.Count; i++)
                {
                    Fatal(diagnostics, ConfigDiagnostic.CommandLine, 0, $"unexpected argument '{args[i]}': dnsmasq takes no positional arguments");
                }

                break;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                int eq = arg.IndexOf('=');
                string name = eq < 0 ? arg[2..] : arg[2..eq];
                string? value = eq < 0 ? null : arg[(eq + 1)..];
                if (!DnsmasqOptionTable.TryGetLong(name, out DnsmasqOptionSpec spec))
                {
                    Fatal(diagnostics, ConfigDiagnostic.CommandLine, 0, $"unknown option '--{name}': {UnknownOptionHint}");
                    continue;
                }

                if (value is null && spec.Argument != DnsmasqArgument.None && i + 1 < args.Count
                    && (spec.Argument == DnsmasqArgument.Required || !(args[i + 1] ?? "-").StartsWith('-')))
                {
                    value = args[++i] ?? string.Empty;
                }

                if (!CheckArity(spec, value, $"--{name}", ConfigDiagnostic.CommandLine, 0, diagnostics))
                {
                    continue;
                }

                occurrences.Add(new Occurrence(spec, value, ConfigDiagnostic.CommandLine, 0, FromCommandLine: true));
                continue;
            }

            if (arg.Length > 1 && arg[0] == '-')
            {
                for (int j = 1; j < arg.Length; j++)
                {
                    if (!DnsmasqOptionTable.TryGetShort(arg[j], out DnsmasqOptionSpec spec))
                    {
                        Fatal(diagnostics, ConfigDiagnostic.CommandLine, 0, $"unknown option '-{arg[j]}': {UnknownOptionHint}");
                        break;
                    }

                    if (!spec.ShortTakesValue)
                    {
                        occurrences.Add(new Occurrence(spec, null, ConfigDiagnostic.CommandLine, 0, FromCommandLine: true));
                        continue;
                    }

                    string? value = j + 1 < arg.Length ? arg[(j + 1)..] : i + 1 < args.Count ? args[++i] ?? string.Empty : null;
                    if (value is null)
                    {
                        Fatal(diagnostics, ConfigDiagnostic.CommandLine, 0, $"option '-{arg[j]}' (--{spec.LongName}) needs a value");
                    }
                    else
                    {
                        occurrences.Add(new Occurrence(spec, value, ConfigDiagnostic.CommandLine, 0, FromCommandLine: true));
                    }

                    break;
                }

                continue;
            }

            Fatal(diagnostics, ConfigDiagnostic.CommandLine, 0,
                $"unexpected argument '{arg}': dnsmasq takes no positional arguments (options start with --)");
        }
    }

    private static bool CheckArity(DnsmasqOptionSpec spec, string? value, string written, string file, int line, List<ConfigDiagnostic> diagnostics)
    {
        if (spec.Argument == DnsmasqArgument.None && value is not null)
        {
            Fatal(diagnostics, file, line, $"option '{written}' takes no value, got '{value}'");
            return false;
        }

        if (spec.Argument == DnsmasqArgument.Required && value is null)
        {
            Fatal(diagnostics, file, line, $"option '{written}' needs a value ({written}=<value>)");
            return false;
        }

        return true;
    }

    /// <summary>Reads a conf file named by <paramref name="from"/> and appends its options (nested conf-files inline).</summary>
    private static void ReadConfFile(Occurrence from, List<Occurrence> occurrences, List<ConfigDiagnostic> diagnostics, List<string> confFiles, int depth)
    {
        string path = DnsmasqText.Unquote(from.Value ?? string.Empty).Trim();
        if (path.Length == 0 || path == "/dev/null")
        {
            return;
        }

        if (depth >= MaxConfDepth || confFiles.Contains(path))
        {
            Fatal(diagnostics, from.File, from.Line, $"conf-file '{path}' is included from itself (or nested more than {MaxConfDepth} deep)");
            return;
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Fatal(diagnostics, from.File, from.Line, $"cannot read conf-file '{path}': {e.Message}");
            return;
        }

        confFiles.Add(path);
        string[] lines = DnsmasqText.SplitLines(text);
        for (int n = 0; n < lines.Length; n++)
        {
            string line = DnsmasqText.StripComment(lines[n]);
            if (line.Length == 0)
            {
                continue;
            }

            int eq = line.IndexOf('=');
            string name = (eq < 0 ? line : line[..eq]).Trim();
            string? value = eq < 0 ? null : line[(eq + 1)..].Trim();
            if (!DnsmasqOptionTable.TryGetLong(name, out DnsmasqOptionSpec spec))
            {
                Fatal(diagnostics, path, n + 1, $"unknown option '{name}': {UnknownOptionHint}");
                continue;
            }

            if (!CheckArity(spec, value, name, path, n + 1, diagnostics))
            {
                continue;
            }

            var occurrence = new Occurrence(spec, value, path, n + 1, FromCommandLine: false);
            occurrences.Add(occurrence);
            if (spec.LongName == "conf-file")
            {
                ReadConfFile(occurrence, occurrences, diagnostics, confFiles, depth + 1);
            }
        }
    }

    private static DnsmasqOptions Apply(List<Occurrence> occurrences, List<ConfigDiagnostic> diagnostics)
    {
        // --dhcp-host lines need the domain to cut FQDNs, wherever --domain appears.
        Occurrence? domainOccurrence = occurrences.LastOrDefault(o => o.Spec.LongName == "domain" && o.FromCommandLine)
            ?? occurrences.LastOrDefault(o => o.Spec.LongName == "domain");
        string? domain = null;
        if (domainOccurrence is not null)
        {
            domain = ParseDomain(domainOccurrence, diagnostics);
        }

        var o = new DnsmasqOptions { Domain = domain };
        var interfaces = new List<string>();
        var exceptInterfaces = new List<string>();
        var bridgeInterfaces = new List<string>();
        var listenAddresses = new List<string>();
        var hostsFiles = new List<string>();
        var addnHosts = new List<string>();
        var optsFiles = new List<string>();
        var ranges = new List<DhcpRange>();
        var ipv6Ranges = new List<string>();
        var dhcpOptions = new List<OptionSetting>();
        var ipv6Options = new List<string>();
        var matches = new List<RequestMatch>();
        var hosts = new List<DnsmasqHostEntry>();
        var broadcastTags = new List<IReadOnlyList<string>>();
        var servers = new List<string>();
        var ignored = new List<IgnoredOption>();
        var setOnCommandLine = new HashSet<string>(StringComparer.Ordinal);

        foreach (Occurrence occ in occurrences)
        {
            DnsmasqOptionSpec spec = occ.Spec;
            string raw = occ.Value ?? string.Empty;
            string text = DnsmasqText.Unquote(raw).Trim();
            if (spec.Status == DnsmasqOptionStatus.NotYet)
            {
                Fatal(diagnostics, occ.File, occ.Line, $"option '--{spec.LongName}' is not supported yet: {spec.Note}; see README \"dnsmasq options\"");
                continue;
            }

            if (spec.Status == DnsmasqOptionStatus.AcceptedIgnored)
            {
                ignored.Add(new IgnoredOption(spec.LongName, occ.Value));
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Info, occ.File, occ.Line, $"'--{spec.LongName}' accepted and ignored: {spec.Note}"));

                // --bridge-interface is still recorded (as written) for the agent, though it has no effect on Linux.
                if (spec.LongName is not "bridge-interface")
                {
                    continue;
                }
            }

            if (!spec.Repeatable)
            {
                if (occ.FromCommandLine)
                {
                    setOnCommandLine.Add(spec.LongName);
                }
                else if (setOnCommandLine.Contains(spec.LongName))
                {
                    diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Info, occ.File, occ.Line, $"'{spec.LongName}' is also given on the command line, which wins"));
                    continue;
                }
            }

            switch (spec.LongName)
            {
                case "no-hosts": o = o with { NoHosts = true }; break;
                case "no-resolv": o = o with { NoResolv = true }; break;
                case "strict-order": o = o with { StrictOrder = true }; break;
                case "bind-interfaces": o = o with { BindInterfaces = true }; break;
                case "bind-dynamic": o = o with { BindDynamic = true }; break;
                case "local-service": o = o with { LocalService = true }; break;
                case "leasefile-ro": o = o with { LeaseFileReadOnly = true }; break;
                case "dhcp-authoritative": o = o with { DhcpAuthoritative = true }; break;
                case "no-ping": o = o with { NoPing = true }; break;
                case "quiet-dhcp": o = o with { QuietDhcp = true }; break;
                case "log-queries": o = o with { LogQueries = true }; break;
                case "log-dhcp": o = o with { LogDhcp = true }; break;
                case "test": o = o with { TestOnly = true }; break;
                case "version": o = o with { ShowVersion = true }; break;
                case "keep-in-foreground": o = o with { KeepInForeground = true }; break;
                case "no-daemon": o = o with { NoDaemon = true }; break;
                case "conf-file": break;
                case "domain": break;
                case "interface": AddList(interfaces, text); break;
                case "except-interface": AddList(exceptInterfaces, text); break;
                case "listen-address": AddList(listenAddresses, text); break;
                case "bridge-interface": bridgeInterfaces.Add(text); break;
                case "pid-file": o = o with { PidFile = text.Length == 0 ? null : text }; break;
                case "dhcp-leasefile": o = o with { DhcpLeaseFile = text }; break;
                case "log-facility": o = o with { LogFacility = text }; break;
                case "dhcp-hostsfile": AddPath(hostsFiles, text, occ, diagnostics); break;
                case "addn-hosts": AddPath(addnHosts, text, occ, diagnostics); break;
                case "dhcp-optsfile": AddPath(optsFiles, text, occ, diagnostics); break;
                case "server": servers.Add(text); break;
                case "port":
                    if (TryParseInt(text, 0, 65535, out int port))
                    {
                        o = o with { Port = port };
                    }
                    else
                    {
                        Fatal(diagnostics, occ.File, occ.Line, $"'{occ.Display}': the port must be a number 0..65535 (0 turns DNS off)");
                    }

                    break;
                case "dhcp-lease-max":
                    if (TryParseInt(text, 0, int.MaxValue, out int max))
                    {
                        o = o with { DhcpLeaseMax = max };
                    }
                    else
                    {
                        Fatal(diagnostics, occ.File, occ.Line, $"'{occ.Display}': the lease maximum must be a non-negative number");
                    }

                    break;
                case "dhcp-client-rate-limit":
                    if (TryParseInt(text, 0, 1_000_000, out int clientRate))
                    {
                        o = o with { ClientRateLimit = clientRate };
                    }
                    else
                    {
                        Fatal(diagnostics, occ.File, occ.Line, $"'{occ.Display}': the client rate limit must be requests per second, 0..1000000 (0 turns it off)");
                    }

                    break;
                case "dhcp-pool-rate-limit":
                    if (TryParseInt(text, 0, 1_000_000, out int poolRate))
                    {
                        o = o with { PoolRateLimit = poolRate };
                    }
                    else
                    {
                        Fatal(diagnostics, occ.File, occ.Line, $"'{occ.Display}': the pool rate limit must be new addresses per second, 0..1000000 (0 turns it off)");
                    }

                    break;
                case "dhcp-receive-buffer":
                    if (TryParseByteSize(text, out int receiveBuffer))
                    {
                        o = o with { ReceiveBufferBytes = receiveBuffer };
                    }
                    else
                    {
                        Fatal(diagnostics, occ.File, occ.Line, $"'{occ.Display}': the receive buffer must be 0 (the kernel's default) or 64K..256M, in bytes or with K or M");
                    }

                    break;
                case "dhcp-offer-hold" or "dhcp-decline-time":
                    if (DnsmasqText.TryParseDuration(text, out uint seconds) && seconds != LeaseTime.Infinite)
                    {
                        o = spec.LongName == "dhcp-offer-hold" ? o with { OfferHoldSeconds = seconds } : o with { DeclineSeconds = seconds };
                    }
                    else
                    {
                        Fatal(diagnostics, occ.File, occ.Line, $"'{occ.Display}': expected a time (seconds, or a number with s/m/h/d/w)");
                    }

                    break;
                case "dhcp-broadcast":
                    ApplyBroadcast(occ, raw, diagnostics, broadcastTags, ref o);
                    break;
                case "dhcp-range":
                    Collect(DnsmasqDhcpRange.Parse(raw), occ, diagnostics, ranges, ipv6Ranges, raw);
                    break;
                case "dhcp-option":
                case "dhcp-option-force":
                    Collect(DnsmasqDhcpOption.Parse(raw, force: spec.LongName == "dhcp-option-force"), occ, diagnostics, dhcpOptions, ipv6Options, raw);
                    break;
                case "dhcp-match":
                    Collect(DnsmasqRequestMatch.ParseMatch(raw), occ, diagnostics, matches, null, raw);
                    break;
                case "dhcp-userclass":
                    Collect(DnsmasqRequestMatch.ParseUserClass(raw), occ, diagnostics, matches, null, raw);
                    break;
                case "dhcp-host":
                    LineResult<DnsmasqHostEntry> host = DnsmasqHostsFile.ParseLine(raw, domain);
                    Collect(host, occ, diagnostics, hosts, null, raw);
                    if (host.Value is { } entry)
                    {
                        hosts[^1] = entry with { File = occ.File == ConfigDiagnostic.CommandLine ? "--dhcp-host" : occ.File, Line = occ.Line };
                    }

                    break;
                default:
                    // Every Supported option in the table has a case above; reaching here is a table/code mismatch.
                    Fatal(diagnostics, occ.File, occ.Line, $"option '--{spec.LongName}' is listed as supported but not handled (a qdhcp bug; please report it)");
                    break;
            }
        }

        return o with
        {
            Interfaces = interfaces,
            ExceptInterfaces = exceptInterfaces,
            BridgeInterfaces = bridgeInterfaces,
            ListenAddresses = listenAddresses,
            DhcpHostsFiles = hostsFiles,
            AddnHostsFiles = addnHosts,
            DhcpOptsFiles = optsFiles,
            DhcpRanges = ranges,
            Ipv6DhcpRanges = ipv6Ranges,
            DhcpOptions = dhcpOptions,
            Ipv6DhcpOptions = ipv6Options,
            DhcpMatches = matches,
            DhcpHosts = hosts,
            DhcpBroadcastTags = broadcastTags,
            Servers = servers,
            Ignored = ignored,
        };
    }

    /// <summary>
    /// <c>--domain=openstacklocal</c>, or dnsmasq's <c>--domain=&lt;domain&gt;,&lt;subnet&gt;[,local]</c> (a domain per
    /// subnet): only the domain is kept, the rest is reported. <c>--domain=#</c> (take it from resolv.conf) is not supported.
    /// </summary>
    private static string? ParseDomain(Occurrence occ, List<ConfigDiagnostic> diagnostics)
    {
        List<DnsmasqField> fields = DnsmasqText.SplitFields(occ.Value ?? string.Empty);
        string domain = fields[0].Text.TrimEnd('.');
        if (domain == "#")
        {
            diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Warning, occ.File, occ.Line, "'--domain=#' (domain from resolv.conf) is not supported; no domain is set"));
            return null;
        }

        if (!DnsmasqText.IsLegalHostName(domain))
        {
            Fatal(diagnostics, occ.File, occ.Line, $"'{occ.Display}': '{fields[0].Text}' is not a domain name");
            return null;
        }

        if (fields.Count > 1)
        {
            diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Info, occ.File, occ.Line,
                $"'{occ.Display}': per-subnet domains are not supported; '{domain}' is used everywhere and the rest is ignored"));
        }

        return domain;
    }

    private static void ApplyBroadcast(Occurrence occ, string raw, List<ConfigDiagnostic> diagnostics, List<IReadOnlyList<string>> broadcastTags, ref DnsmasqOptions o)
    {
        if (raw.Trim().Length == 0)
        {
            o = o with { DhcpBroadcast = true };
            return;
        }

        var tags = new List<string>();
        foreach (DnsmasqField f in DnsmasqText.SplitFields(raw))
        {
            if (!DnsmasqText.TryReadTag(f.Raw, netMeansSet: false, out string tag, out bool isSet) || isSet || !DnsmasqText.IsValidTag(tag, allowNegation: true))
            {
                Fatal(diagnostics, occ.File, occ.Line, $"'{occ.Display}': expected tag:<tag>[,tag:<tag>...], got '{f.Raw}'");
                return;
            }

            tags.Add(tag);
        }

        broadcastTags.Add(tags);
    }

    private static void Collect<T>(LineResult<T> result, Occurrence occ, List<ConfigDiagnostic> diagnostics, List<T> values, List<string>? ignored, string raw)
        where T : class
    {
        foreach (string warning in result.Warnings)
        {
            diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Warning, occ.File, occ.Line, $"'{occ.Display}': {warning}"));
        }

        switch (result.Outcome)
        {
            case LineOutcome.Parsed:
                values.Add(result.Value!);
                break;
            case LineOutcome.Ignored:
                ignored?.Add(raw);
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Info, occ.File, occ.Line, $"'{occ.Display}': {result.Message}"));
                break;
            case LineOutcome.Unsupported:
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Warning, occ.File, occ.Line, $"'{occ.Display}': {result.Message}"));
                break;
            default:
                Fatal(diagnostics, occ.File, occ.Line, $"'{occ.Display}': {result.Message}");
                break;
        }
    }

    private static void AddList(List<string> list, string text)
    {
        foreach (DnsmasqField f in DnsmasqText.SplitFields(text))
        {
            if (f.Text.Length > 0)
            {
                list.Add(f.Text);
            }
        }
    }

    private static void AddPath(List<string> list, string path, Occurrence occ, List<ConfigDiagnostic> diagnostics)
    {
        if (path.Length == 0)
        {
            Fatal(diagnostics, occ.File, occ.Line, $"'{occ.Display}': the path is empty");
            return;
        }

        list.Add(path);
    }

    private static bool TryParseInt(string text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    /// <summary>A size in bytes, or with a K or M suffix (powers of 1,024): 0, or 64 KiB to 256 MiB.</summary>
    private static bool TryParseByteSize(string text, out int bytes)
    {
        bytes = 0;
        int shift = text.Length > 0 ? char.ToUpperInvariant(text[^1]) switch { 'K' => 10, 'M' => 20, _ => 0 } : 0;
        string digits = shift == 0 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value > int.MaxValue)
        {
            return false;
        }

        long total = value << shift;
        if (total != 0 && (total < 64 << 10 || total > 256 << 20))
        {
            return false;
        }

        bytes = (int)total;
        return true;
    }

    private static void Fatal(List<ConfigDiagnostic> diagnostics, string file, int line, string message) =>
        diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Fatal, file, line, message));
}
