using System.Net;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Dns;
using Qdhcp.Engine.Model;

namespace Qdhcp.Server;

/// <summary>Builds the DNS zone snapshot from what a configuration load produced.</summary>
public static class DnsZones
{
    /// <summary>
    /// Every host with a name and an IPv4 address (its name, and name.domain; PTR to the FQDN), then every
    /// <c>--addn-hosts</c> line (each name; PTR to the line's first name). Earlier entries win the PTR of an address.
    /// </summary>
    public static DnsZone Build(Dhcp4Configuration configuration, IReadOnlyList<HostsFileEntry>? addnHosts, uint serial)
    {
        List<DnsHostName> names = [];
        foreach (Reservation reservation in configuration.Reservations)
        {
            if (reservation is { Ignore: false, HostName: { Length: > 0 } hostName, Address: { } address })
            {
                names.Add(new DnsHostName(hostName, address.ToIPAddress(), Canonical: true));
            }
        }

        foreach (HostsFileEntry entry in addnHosts ?? [])
        {
            if (!IPAddress.TryParse(entry.Address, out IPAddress? ip))
            {
                continue;
            }

            for (int i = 0; i < entry.Names.Count; i++)
            {
                names.Add(new DnsHostName(entry.Names[i], ip, Canonical: i == 0));
            }
        }

        return DnsZone.Build(configuration.Domain, names, serial);
    }
}
