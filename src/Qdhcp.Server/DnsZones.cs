using System.Net;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Dns;
using Qdhcp.Engine.Model;
using Qdhcp.Transport.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Server;

/// <summary>Builds the DNS zone snapshot from what a configuration load produced.</summary>
public static class DnsZones
{
    /// <summary>
    /// The configuration's hosts (<see cref="DnsZoneBuilder"/>, shared with the agent), then every
    /// <c>--addn-hosts</c> line (each name; PTR to the line's first name). Earlier entries win the PTR of an address.
    /// </summary>
    public static DnsZone Build(Dhcp4Configuration configuration, IReadOnlyList<HostsFileEntry>? addnHosts, uint serial)
    {
        int extra = 0;
        foreach (HostsFileEntry entry in addnHosts ?? [])
        {
            extra += entry.Names.Count;
        }

        DnsZone.Builder builder = DnsZoneBuilder.Start(configuration, extra);
        foreach (HostsFileEntry entry in addnHosts ?? [])
        {
            // IPv4 (the common case) without an IPAddress object; anything else as before.
            if (IPv4Address.TryParse(entry.Address, out IPv4Address v4))
            {
                for (int i = 0; i < entry.Names.Count; i++)
                {
                    builder.Add(entry.Names[i], v4, canonical: i == 0);
                }

                continue;
            }

            if (!IPAddress.TryParse(entry.Address, out IPAddress? ip))
            {
                continue;
            }

            for (int i = 0; i < entry.Names.Count; i++)
            {
                builder.Add(entry.Names[i], ip, canonical: i == 0);
            }
        }

        return builder.Build(serial);
    }
}
