using System.Text;
using Qdhcp.Configuration;
using Qdhcp.Configuration.Dnsmasq;

namespace Qdhcp.Fuzz;

/// <summary>The text files Neutron writes, as UTF-8 (invalid sequences become U+FFFD, as File.ReadAllText does).</summary>
internal static class Text
{
    public static string Of(ReadOnlySpan<byte> data) => Encoding.UTF8.GetString(data);
}

/// <summary>DnsmasqHostsFile.Parse; every accepted entry must format to a line that parses again.</summary>
public static class HostsFileTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        DnsmasqHostsFile hosts = DnsmasqHostsFile.Parse(Text.Of(data), "host", "openstacklocal");
        foreach (DnsmasqHostEntry entry in hosts.Entries)
        {
            string line = DnsmasqHostsFile.FormatLine(entry);
            LineResult<DnsmasqHostEntry> again = DnsmasqHostsFile.ParseLine(line, "openstacklocal");
            Check.That(again.Outcome == LineOutcome.Parsed, $"formatted host line '{line}' does not parse again: {again.Message}");
        }
    }
}

/// <summary>DnsmasqOptsFile.Parse.</summary>
public static class OptsFileTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data) => _ = DnsmasqOptsFile.Parse(Text.Of(data), "opts");
}

/// <summary>DnsmasqLeaseFile.Parse; the leases read must format and read back to as many leases.</summary>
public static class LeaseFileTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        DnsmasqLeaseFile leases = DnsmasqLeaseFile.Parse(Text.Of(data), "leases");
        if (leases.Leases.Count == 0)
        {
            return;
        }

        string formatted = DnsmasqLeaseFile.Format(leases.Leases);
        DnsmasqLeaseFile again = DnsmasqLeaseFile.Parse(formatted, "leases");
        Check.That(again.Leases.Count == leases.Leases.Count, $"{leases.Leases.Count} leases formatted and read back as {again.Leases.Count}");
    }
}
