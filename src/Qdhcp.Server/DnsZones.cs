using System.Runtime.CompilerServices;
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
        int extra = addnHosts is AddnHostsTable ? 2 * addnHosts.Count : 0;
        foreach (HostsFileEntry entry in addnHosts is AddnHostsTable ? [] : addnHosts ?? [])
        {
            extra += entry.Names.Count;
        }

        DnsZone.Builder builder = DnsZoneBuilder.Start(configuration, extra);
        if (addnHosts is AddnHostsTable table)
        {
            AddAll(builder, table);
            return builder.Build(serial);
        }

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

    /// <summary>The loader's addn-hosts lines, names read as spans of the files' text.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
    private static void AddAll(DnsZone.Builder builder, AddnHostsTable table)
    {
        for (int i = 0; i < table.Count; i++)
        {
            bool isIPv4 = table.TryGetIPv4(i, out IPv4Address v4);
            IPAddress? ip = null;
            if (!isIPv4 && !IPAddress.TryParse(table.GetAddressText(i), out ip))
            {
                continue;
            }

            ReadOnlySpan<char> names = table.GetNames(i);
            bool first = true;
            foreach (Range range in names.SplitAny(" \t\r\v\f"))
            {
                ReadOnlySpan<char> name = names[range];
                if (name.IsEmpty)
                {
                    continue;
                }

                if (isIPv4)
                {
                    builder.Add(name, v4, canonical: first);
                }
                else
                {
                    builder.Add(name, ip!, canonical: first);
                }

                first = false;
            }
        }
    }
}
