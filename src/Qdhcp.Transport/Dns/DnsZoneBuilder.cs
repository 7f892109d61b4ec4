using Qdhcp.Dns;
using Qdhcp.Engine.Model;

namespace Qdhcp.Transport.Dns;

/// <summary>
/// Builds a network's DNS zone snapshot from the DHCP configuration it serves: what <c>qdhcp serve</c> (plus its
/// <c>--addn-hosts</c> names) and the agent (one per network, from the store) both answer.
/// </summary>
public static class DnsZoneBuilder
{
    /// <summary>
    /// Every host of <paramref name="configuration"/> with a name and an IPv4 address (its name, and name.domain; PTR
    /// to the FQDN), then <paramref name="additional"/> names in their order. Earlier entries win the PTR of an address.
    /// </summary>
    public static DnsZone Build(Dhcp4Configuration configuration, IEnumerable<DnsHostName>? additional, uint serial)
    {
        List<DnsHostName> names = [];
        foreach (Reservation reservation in configuration.Reservations)
        {
            if (reservation is { Ignore: false, HostName: { Length: > 0 } hostName, Address: { } address })
            {
                names.Add(new DnsHostName(hostName, address.ToIPAddress(), Canonical: true));
            }
        }

        if (additional is not null)
        {
            names.AddRange(additional);
        }

        return DnsZone.Build(configuration.Domain, names, serial);
    }

    /// <summary>A zone serial from the clock (seconds since the epoch), as both hosts stamp their zones.</summary>
    public static uint Serial(TimeProvider time) => (uint)time.GetUtcNow().ToUnixTimeSeconds();
}
