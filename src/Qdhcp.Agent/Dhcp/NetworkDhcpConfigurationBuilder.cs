using System.Globalization;
using System.Text;
using Qdhcp.Agent.Model;
using Qdhcp.Configuration;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Dhcp;

/// <summary>Agent-wide settings of every network's DHCP server (Neutron's dhcp_agent.ini equivalents).</summary>
/// <param name="Domain">Neutron's <c>dns_domain</c> (<c>--domain</c>); null for none.</param>
/// <param name="LeaseMax">The most leases one network's server holds. Neutron derives <c>--dhcp-lease-max</c> from
/// the subnets' sizes; static mode never leases more than there are ports, so a high cap changes nothing.</param>
/// <param name="DnsEnabled">False when the server does not serve DNS (<c>--port=0</c>): it then does not announce
/// itself as DNS server to subnets with no dns_nameservers.</param>
public sealed record NetworkDhcpSettings(string? Domain = "openstacklocal", int LeaseMax = 65536, bool DnsEnabled = true);

/// <summary>
/// Turns a network, its subnets and its ports into the configuration of its DHCP server: what Neutron's DHCP agent
/// writes for dnsmasq (<c>neutron/agent/linux/dhcp.py</c>: the <c>--dhcp-range</c> and <c>--dhcp-option-force</c>
/// arguments, the <c>host</c> and <c>opts</c> files), so a VM gets the same answers as under Neutron.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Ranges: one static range per DHCP-enabled subnet, <c>set:subnet-&lt;id&gt;</c>, the subnet's address and
/// netmask, its lease time (Neutron: <c>--dhcp-range=set:subnet-SUB,10.77.0.0,static,255.255.255.0,86400s</c>).</item>
/// <item>Reservations (the host file): one per fixed IP in a DHCP-enabled subnet of each port that is up and is not
/// a DHCP port (the capture's host file lists no DHCP port), MAC, short host name (the port's, else
/// <c>host-a-b-c-d</c> from that address), the address; <c>set:port-&lt;id&gt;</c> when the port has extra_dhcp_opts;
/// the <c>client-id</c> (61) extra option becomes the reservation's client-id (Neutron's <c>id:</c>).</item>
/// <item>Subnet options (the opts file), in Neutron's order, tagged <c>subnet-&lt;id&gt;</c>: dns-server when the
/// subnet has dns_nameservers (none configured: nothing, so the server's default applies); classless-static-route
/// and 249 when there are routes: the other IPv4 subnets of the network on-link (<c>cidr,0.0.0.0</c>, first, in
/// Neutron's reversed order), the host routes, then <c>0.0.0.0/0,&lt;gateway&gt;</c> when there is a gateway (a
/// client ignores option 3 when 121 is present); router = the gateway, or none at all when there is no gateway. A
/// host route to 0.0.0.0/0 becomes the gateway of a subnet that has none and is dropped otherwise (Neutron).</item>
/// <item>MTU: option 26, forced and untagged, as Neutron's <c>--dhcp-option-force=option:mtu,1500</c>.</item>
/// <item>Port options: each IPv4 extra_dhcp_opt of a served port, <c>tag:port-&lt;id&gt;,option:&lt;name&gt;,&lt;value&gt;</c>
/// encoded by the dnsmasq option parser, so names, numbers and values mean what they mean to dnsmasq.</item>
/// <item>Matches: Neutron's <c>--dhcp-match=set:ipxe,175</c> and <c>--dhcp-userclass=set:ipxe6,iPXE</c>.</item>
/// <item>Not here: whether the network is served at all (admin_state_up) is the agent's decision.</item>
/// </list>
/// </remarks>
public static class NetworkDhcpConfigurationBuilder
{
    /// <summary>Neutron's opts-file option 249, the Windows 2003 spelling of classless static routes.</summary>
    public const string Win2k3StaticRoutes = "249";

    /// <summary>Builds the configuration. Options that cannot be sent are skipped and described in <paramref name="warnings"/>.</summary>
    public static Dhcp4Configuration Build(
        Network network,
        IReadOnlyList<Subnet> subnets,
        IReadOnlyList<Port> ports,
        NetworkDhcpSettings? settings = null,
        ICollection<string>? warnings = null)
    {
        settings ??= new NetworkDhcpSettings();
        List<Subnet> served = subnets.Where(s => s.NetworkId == network.Id && s.EnableDhcp).ToList();
        var servedIds = served.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);

        var ranges = new List<DhcpRange>(served.Count);
        var options = new List<OptionSetting>();
        foreach (Subnet subnet in served)
        {
            IPv4Subnet cidr = IPv4Subnet.TryParse(subnet.Cidr, out IPv4Subnet c) ? c : throw new ArgumentException($"subnet {subnet.Id}: bad CIDR {subnet.Cidr}", nameof(subnets));
            ranges.Add(new DhcpRange([NeutronOptionText.SubnetTag(subnet.Id)], [], cidr.Network, cidr.Network, IsStatic: true, cidr.Mask, subnet.LeaseSeconds));
            foreach ((string name, string value) in SubnetOptionLines(subnet, subnets))
            {
                Add(options, NeutronOptionText.EncodeSubnetOption(subnet.Id, name, value), $"subnet {subnet.Id} option {name}", warnings);
            }
        }

        if (network.Mtu > 0)
        {
            Add(options, DnsmasqDhcpOption.Parse("option:mtu," + network.Mtu.ToString(CultureInfo.InvariantCulture), force: true), "network MTU", warnings);
        }

        var reservations = new List<Reservation>();
        foreach (Port port in ports)
        {
            if (port.NetworkId != network.Id || !port.AdminStateUp || port.IsDhcpPort)
            {
                continue;
            }

            List<FixedIp> addresses = port.FixedIps.Where(f => servedIds.Contains(f.SubnetId)).ToList();
            if (addresses.Count == 0 || !MacAddress.TryParse(port.MacAddress, out MacAddress mac))
            {
                continue;
            }

            bool tagged = port.ExtraDhcpOpts.Count > 0;
            byte[]? clientId = port.ExtraDhcpOpts.FirstOrDefault(NeutronOptionText.IsClientId) is { } id ? ParseClientId(id.OptValue) : null;
            foreach (FixedIp ip in addresses)
            {
                if (!IPv4Address.TryParse(ip.IpAddress, out IPv4Address address))
                {
                    continue;
                }

                reservations.Add(new Reservation(
                    mac,
                    clientId,
                    ShortHostName(port.HostName) ?? Port.DefaultHostName(ip.IpAddress),
                    address,
                    null,
                    tagged ? [NeutronOptionText.PortTag(port.Id)] : []));
            }

            foreach (ExtraDhcpOpt option in port.ExtraDhcpOpts)
            {
                if (option.IpVersion == 4 && !NeutronOptionText.IsClientId(option))
                {
                    Add(options, NeutronOptionText.EncodePortOption(port.Id, option), $"port {port.Id} extra_dhcp_opt {option.OptName}", warnings);
                }
            }
        }

        return new Dhcp4Configuration
        {
            Ranges = ranges,
            Reservations = reservations,
            Options = options,
            Matches = NeutronMatches,
            Domain = settings.Domain,
            LeaseMax = settings.LeaseMax,
            DnsEnabled = settings.DnsEnabled,
        };
    }

    /// <summary>
    /// The opts-file lines Neutron writes for one subnet (<c>Dnsmasq._generate_opts_per_subnet</c>, IPv4, no
    /// isolated metadata), as (option, value) pairs: dns-server, classless-static-route, 249, router.
    /// </summary>
    public static IReadOnlyList<(string Option, string Value)> SubnetOptionLines(Subnet subnet, IReadOnlyList<Subnet> networkSubnets)
    {
        var lines = new List<(string, string)>(4);
        if (subnet.DnsNameservers.Count > 0)
        {
            lines.Add(("dns-server", string.Join(',', subnet.DnsNameservers)));
        }

        string? gateway = subnet.GatewayIp;
        var routes = new List<string>();
        foreach (HostRoute route in subnet.HostRoutes)
        {
            if (route.Destination == "0.0.0.0/0")
            {
                gateway ??= route.Nexthop;
            }
            else
            {
                routes.Add($"{route.Destination},{route.Nexthop}");
            }
        }

        foreach (Subnet other in networkSubnets)
        {
            if (other.NetworkId == subnet.NetworkId && other.Id != subnet.Id && other.Cidr != subnet.Cidr)
            {
                routes.Insert(0, $"{other.Cidr},0.0.0.0");
            }
        }

        if (routes.Count > 0)
        {
            if (gateway is not null)
            {
                routes.Add($"0.0.0.0/0,{gateway}");
            }

            lines.Add(("classless-static-route", string.Join(',', routes)));
            lines.Add((Win2k3StaticRoutes, string.Join(',', routes)));
        }

        lines.Add(("router", gateway ?? string.Empty));
        return lines;
    }

    private static readonly IReadOnlyList<RequestMatch> NeutronMatches =
    [
        DnsmasqRequestMatch.ParseMatch("set:ipxe,175").Value!,
        DnsmasqRequestMatch.ParseUserClass("set:ipxe6,iPXE").Value!,
    ];

    /// <summary>The label sent in option 12: the host name up to its first dot.</summary>
    private static string? ShortHostName(string? hostName)
    {
        if (string.IsNullOrEmpty(hostName))
        {
            return null;
        }

        int dot = hostName.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? hostName : hostName[..dot];
    }

    /// <summary>Like dnsmasq's <c>id:</c>: colon-separated hex bytes when it reads as such, else the text's bytes.</summary>
    private static byte[] ParseClientId(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length > 1 && parts.All(p => p.Length is 1 or 2 && p.All(char.IsAsciiHexDigit)))
        {
            return parts.Select(p => byte.Parse(p, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)).ToArray();
        }

        return Encoding.UTF8.GetBytes(text);
    }

    private static void Add(List<OptionSetting> options, LineResult<OptionSetting> result, string what, ICollection<string>? warnings)
    {
        if (result.IsParsed)
        {
            options.Add(result.Value!);
        }
        else
        {
            warnings?.Add($"{what}: {result.Message}");
        }
    }
}
