using System.Globalization;
using System.Text;
using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>
/// dnsmasq's <c>--dhcp-leasefile</c>: one DHCPv4 lease per line, <c>expiry mac ip hostname client-id</c>, separated by
/// single spaces, <c>*</c> for no host name or client-id, expiry 0 for an infinite lease. Neutron seeds it with lines like
/// <c>0 fa:16:3e:.. 10.0.0.5 * *</c>, reads it to decide what to release, and <c>dhcp_release</c> users expect this exact
/// format. dnsmasq also writes a <c>duid ...</c> line followed by DHCPv6 leases (IPv6 address in the third field):
/// those are skipped without diagnostic.
/// </summary>
/// <param name="Leases">The DHCPv4 leases, in file order.</param>
/// <param name="Diagnostics">Bad lines (<see cref="ConfigSeverity.Error"/>, skipped), with file:line.</param>
public sealed record DnsmasqLeaseFile(IReadOnlyList<LeaseRecord> Leases, IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    /// <summary>Parses a lease file's content.</summary>
    public static DnsmasqLeaseFile Parse(string text, string file)
    {
        var leases = new List<LeaseRecord>();
        var diagnostics = new List<ConfigDiagnostic>();
        string[] lines = DnsmasqText.SplitLines(text);
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            string[] f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f[0] == "duid" || (f.Length >= 3 && f[2].Contains(':')))
            {
                continue;
            }

            string? error = TryParseLine(f, out LeaseRecord? lease);
            if (lease is not null)
            {
                leases.Add(lease);
            }
            else
            {
                diagnostics.Add(new ConfigDiagnostic(ConfigSeverity.Error, file, n + 1, error + "; line skipped"));
            }
        }

        return new DnsmasqLeaseFile(leases, diagnostics);
    }

    /// <summary>
    /// Reads a lease file from disk. A missing file is not an error: it means no leases yet (it is created on the first
    /// write).
    /// </summary>
    public static DnsmasqLeaseFile Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return new DnsmasqLeaseFile([], []);
        }
        catch (DirectoryNotFoundException)
        {
            return new DnsmasqLeaseFile([], []);
        }

        return Parse(text, path);
    }

    /// <summary>
    /// Formats one lease exactly as dnsmasq does: <c>1795719320 fa:16:3e:77:00:42 10.77.0.42 host-10-77-0-42 01:fa:16:3e:77:00:42</c>.
    /// A host name that would break the line (empty, or with whitespace) is written as <c>*</c>. The line is
    /// <see cref="LeaseLine"/>'s, which the lease journal and the compaction's file writer also use.
    /// </summary>
    public static string FormatLine(LeaseRecord lease)
    {
        int clientIdLength = lease.ClientId?.Length ?? 0;
        byte[] line = new byte[LeaseLine.MaxLength(lease.HostName, clientIdLength)];
        int length = LeaseLine.Write(line, lease.ExpiresUnixSeconds, lease.Mac, lease.Address, lease.HostName, lease.ClientId);
        return Encoding.UTF8.GetString(line, 0, length - 1);
    }

    /// <summary>Formats a whole file: one line per lease, each ending in a newline (as dnsmasq writes it).</summary>
    public static string Format(IEnumerable<LeaseRecord> leases)
    {
        var sb = new StringBuilder();
        foreach (LeaseRecord lease in leases)
        {
            sb.Append(FormatLine(lease)).Append('\n');
        }

        return sb.ToString();
    }

    private static string? TryParseLine(string[] f, out LeaseRecord? lease)
    {
        lease = null;
        if (f.Length is < 4 or > 5)
        {
            return $"expected 'expiry mac ip hostname client-id', got {f.Length} fields";
        }

        if (!long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out long expiry))
        {
            return $"'{f[0]}' is not an expiry time (Unix seconds, 0 for infinite)";
        }

        if (!MacAddress.TryParse(f[1], out MacAddress mac) || f[1].Length != 17)
        {
            return $"'{f[1]}' is not an Ethernet MAC address";
        }

        if (!IPv4Address.TryParse(f[2], out IPv4Address address))
        {
            return $"'{f[2]}' is not an IPv4 address";
        }

        string? host = f[3] == "*" ? null : f[3];
        byte[]? clientId = null;
        if (f.Length == 5 && f[4] != "*")
        {
            if (!DnsmasqText.TryParseHexBytes(f[4], allowSingle: true, out byte[] id))
            {
                return $"'{f[4]}' is not a client-id (colon-separated hex bytes, or *)";
            }

            clientId = id;
        }

        lease = new LeaseRecord(expiry, mac, address, host, clientId);
        return null;
    }
}
