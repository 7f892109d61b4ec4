using System.Runtime.CompilerServices;
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
        DnsZone.Builder builder = Start(configuration, extraNames: 0);
        foreach (DnsHostName name in additional ?? [])
        {
            builder.Add(name.Name, name.Address, name.Canonical);
        }

        return builder.Build(serial);
    }

    /// <summary>
    /// A zone builder that already holds the configuration's hosts (as <see cref="Build"/> adds them), read from the
    /// host table's name bytes without a string per host; add further names, then build.
    /// </summary>
    /// <param name="configuration">The configuration whose hosts answer.</param>
    /// <param name="extraNames">How many more names the caller will add (sizes the builder).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
    public static DnsZone.Builder Start(Dhcp4Configuration configuration, int extraNames)
    {
        HostTable hosts = HostTable.From(configuration.Reservations);
        var builder = new DnsZone.Builder(configuration.Domain, (2 * hosts.Count) + extraNames);
        for (int row = 0; row < hosts.Count; row++)
        {
            if (hosts.IsIgnored(row) || !hosts.HasHostName(row) || hosts.GetAddress(row) is not { } address)
            {
                continue;
            }

            ReadOnlySpan<byte> name = hosts.GetHostNameUtf8(row);
            if (name.IsEmpty)
            {
                continue;
            }

            if (hosts.IsHostNameAscii(row))
            {
                builder.AddAscii(name, address, canonical: true);
            }
            else
            {
                builder.Add(hosts.GetHostName(row), address, canonical: true);
            }
        }

        return builder;
    }

    /// <summary>A zone serial from the clock (seconds since the epoch), as both hosts stamp their zones.</summary>
    public static uint Serial(TimeProvider time) => (uint)time.GetUtcNow().ToUnixTimeSeconds();
}
