using Qdhcp.Engine.Model;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>
/// A <c>--dhcp-optsfile</c>: one <c>--dhcp-option</c> value per line (see <see cref="DnsmasqDhcpOption"/>). Neutron
/// writes <c>tag:subnet-&lt;id&gt;,option:router,10.77.0.1</c> lines and no trailing newline. Blank lines and '#' comments
/// are skipped; a bad line becomes an <see cref="ConfigSeverity.Error"/> diagnostic and is skipped.
/// </summary>
/// <param name="Options">The DHCPv4 options, in file order.</param>
/// <param name="Ipv6Lines"><c>option6:</c> lines as written, kept for DHCPv6 later.</param>
/// <param name="Diagnostics">Bad lines (errors), unsupported forms (warnings), with file:line.</param>
public sealed record DnsmasqOptsFile(IReadOnlyList<OptionSetting> Options, IReadOnlyList<string> Ipv6Lines, IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    /// <summary>Parses a whole opts file (its content read once, whole).</summary>
    public static DnsmasqOptsFile Parse(string text, string file)
    {
        var options = new List<OptionSetting>();
        var ipv6 = new List<string>();
        var diagnostics = new List<ConfigDiagnostic>();
        string[] lines = DnsmasqText.SplitLines(text);
        for (int n = 0; n < lines.Length; n++)
        {
            string line = DnsmasqText.StripComment(lines[n]);
            if (line.Length == 0)
            {
                continue;
            }

            LineResult<OptionSetting> result = DnsmasqDhcpOption.Parse(line);
            switch (result.Outcome)
            {
                case LineOutcome.Parsed:
                    options.Add(result.Value!);
                    break;
                case LineOutcome.Ignored:
                    ipv6.Add(line);
                    break;
                case LineOutcome.Unsupported:
                    diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Warning, file, n + 1, result.Message!));
                    break;
                default:
                    diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, file, n + 1, result.Message + "; line skipped"));
                    break;
            }
        }

        return new DnsmasqOptsFile(options, ipv6, diagnostics);
    }
}
