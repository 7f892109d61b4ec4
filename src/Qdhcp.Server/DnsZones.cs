using System.Net;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Dns;
using Qdhcp.Engine.Model;
using Qdhcp.Transport.Dns;

namespace Qdhcp.Server;

/// <summary>Builds the DNS zone snapshot from what a configuration load produced.</summary>
public static class DnsZones
{
    /// <summary>
    /// The configuration's hosts (<see cref="DnsZoneBuilder"/>, shared with the agent), then every
    /// <c>--addn-hosts</c> line (each name; PTR to the line's first name). Earlier entries win the PTR of an address.
    /// </summary>
    public static DnsZone Build(Dhcp4Configuration configuration, IReadOnlyList<HostsFileEntry>? addnHosts, uint serial) =>
        DnsZoneBuilder.Build(configuration, AddnHostNames(addnHosts), serial);

    private static IEnumerable<DnsHostName> AddnHostNames(IReadOnlyList<HostsFileEntry>? addnHosts)
    {
        foreach (HostsFileEntry entry in addnHosts ?? [])
        {
            if (!IPAddress.TryParse(entry.Address, out IPAddress? ip))
            {
                continue;
            }

            for (int i = 0; i < entry.Names.Count; i++)
            {
                yield return new DnsHostName(entry.Names[i], ip, Canonical: i == 0);
            }
        }
    }
}
