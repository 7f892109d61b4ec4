using System.Net;
using System.Net.Sockets;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>One <c>/etc/hosts</c>-format line: an address and its names (the first is the canonical one).</summary>
/// <param name="Address">The IPv4 or IPv6 address as written.</param>
/// <param name="Names">One or more names.</param>
public sealed record HostsFileEntry(string Address, IReadOnlyList<string> Names);

/// <summary>
/// An <c>--addn-hosts</c> file in <c>/etc/hosts</c> format: <c>address name [name...]</c>, separated by spaces or tabs,
/// '#' starting a comment anywhere. Neutron writes <c>10.77.0.42&lt;TAB&gt;host-10-77-0-42.openstacklocal host-10-77-0-42</c>.
/// Used by the DNS responder. Bad lines become <see cref="ConfigSeverity.Error"/> diagnostics and are skipped.
/// </summary>
public sealed record AddnHostsFile(IReadOnlyList<HostsFileEntry> Entries, IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    private static readonly char[] Blanks = [' ', '\t', '\r', '\v', '\f'];

    /// <summary>Parses a whole file (its content read once, whole).</summary>
    public static AddnHostsFile Parse(string text, string file)
    {
        var entries = new List<HostsFileEntry>();
        var diagnostics = new List<ConfigDiagnostic>();
        string[] lines = DnsmasqText.SplitLines(text);
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n];
            int hash = line.IndexOf('#');
            if (hash >= 0)
            {
                line = line[..hash];
            }

            string[] words = line.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            string address = words[0];
            if (!IsAddress(address))
            {
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, file, n + 1, $"'{address}' is not an IPv4 or IPv6 address; line skipped"));
                continue;
            }

            if (words.Length == 1)
            {
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, file, n + 1, $"{address} has no name after it; line skipped"));
                continue;
            }

            string? bad = words.Skip(1).FirstOrDefault(w => !DnsmasqText.IsLegalHostName(w));
            if (bad is not null)
            {
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, file, n + 1, $"'{bad}' is not a valid host name; line skipped"));
                continue;
            }

            entries.Add(new HostsFileEntry(address, words[1..]));
        }

        return new AddnHostsFile(entries, diagnostics);
    }

    private static bool IsAddress(string text)
    {
        if (Qdhcp.Wire.Primitives.IPv4Address.TryParse(text, out _))
        {
            return true;
        }

        return IsIPv6(text);
    }

    /// <summary>True for an IPv6 address as an addn-hosts line may give it.</summary>
    internal static bool IsIPv6(ReadOnlySpan<char> text) =>
        text.Contains(':') && IPAddress.TryParse(text, out IPAddress? ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;
}
