using Qdhcp.Agent.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Planning;

/// <summary>
/// What one network's DHCP server needs on the machine, as Neutron's DHCP agent (DeviceManager) and Linux bridge
/// agent lay it out: a namespace <c>qdhcp-&lt;network id&gt;</c>; in it the DHCP port's interface
/// <c>tap&lt;first 11 of port id&gt;</c> with the port's MAC, its addresses, the network's MTU and a default route via
/// the gateway; the other end of that veth pair on the network's bridge <c>brq&lt;first 11 of network id&gt;</c>.
/// </summary>
/// <remarks>
/// Naming: Neutron's linuxbridge puts <c>ns-&lt;11&gt;</c> in the namespace and <c>tap&lt;11&gt;</c> on the bridge. Here the
/// namespace side is <c>tap&lt;11&gt;</c> (what <c>qdhcp serve --interface</c> and the issue name), so the bridge side is
/// <c>qdp&lt;11&gt;</c> ("qdhcp port", 14 characters, under Linux's 15): it can never clash with a Neutron or nova
/// <c>tap…</c> device in the root namespace.
/// </remarks>
/// <param name="Addresses">CIDR form (<c>10.10.10.3/24</c>), one per DHCP-enabled subnet the DHCP port has an address in, in subnet order.</param>
/// <param name="DefaultGateway">The gateway of the first of those subnets that has one; null for no default route.</param>
public sealed record DesiredNetworkPlumbing(
    string NetworkId,
    string Namespace,
    string Bridge,
    string TapName,
    string PeerName,
    string MacAddress,
    IReadOnlyList<string> Addresses,
    int Mtu,
    string? DefaultGateway)
{
    /// <summary>The prefix of the bridge-side veth name.</summary>
    public const string PeerPrefix = "qdp";

    /// <summary>The prefix of every namespace the agent makes.</summary>
    public const string NamespacePrefix = "qdhcp-";

    /// <summary>The bridge-side name of a DHCP port's veth pair: <c>qdp&lt;first 11 of port id&gt;</c>.</summary>
    public static string PeerNameOf(string portId) => PeerPrefix + portId[..Math.Min(11, portId.Length)];

    /// <summary>
    /// The plumbing for a network, or null when it has nothing to serve: the network is admin-down, has no
    /// DHCP-enabled subnet, or no DHCP port (device owner <c>network:dhcp</c>) with an address in one yet.
    /// </summary>
    public static DesiredNetworkPlumbing? For(Network network, IReadOnlyList<Subnet> subnets, Port? dhcpPort)
    {
        if (!network.AdminStateUp || dhcpPort is null || !dhcpPort.AdminStateUp)
        {
            return null;
        }

        var addresses = new List<string>();
        string? gateway = null;
        foreach (Subnet subnet in subnets)
        {
            if (subnet.NetworkId != network.Id || !subnet.EnableDhcp || !IPv4Subnet.TryParse(subnet.Cidr, out IPv4Subnet cidr))
            {
                continue;
            }

            foreach (FixedIp ip in dhcpPort.FixedIps)
            {
                if (ip.SubnetId == subnet.Id)
                {
                    addresses.Add($"{ip.IpAddress}/{cidr.PrefixLength}");
                    gateway ??= subnet.GatewayIp;
                }
            }
        }

        if (addresses.Count == 0)
        {
            return null;
        }

        return new DesiredNetworkPlumbing(
            network.Id,
            network.Namespace,
            network.Bridge,
            dhcpPort.TapName,
            PeerNameOf(dhcpPort.Id),
            dhcpPort.MacAddress,
            addresses,
            network.Mtu,
            gateway);
    }
}

/// <summary>A network device as found: in a namespace, or in the root namespace (<see cref="Master"/> = its bridge).</summary>
/// <param name="Addresses">IPv4 addresses in CIDR form; others (IPv6 link-local) may be listed and are ignored.</param>
/// <param name="Master">The bridge the device is attached to, or null.</param>
/// <param name="IsBridge">True for a Linux bridge.</param>
public sealed record ActualLink(
    string Name,
    string? MacAddress,
    IReadOnlyList<string> Addresses,
    int Mtu,
    bool Up,
    string? Master = null,
    bool IsBridge = false);

/// <summary>A namespace as found: its links (lo included when reported) and its IPv4 default route.</summary>
/// <param name="DefaultGateway">The default route's gateway, or null for none.</param>
/// <param name="DefaultRouteDevice">The device the default route goes out of, when known.</param>
public sealed record ActualNamespace(string Name, IReadOnlyList<ActualLink> Links, string? DefaultGateway, string? DefaultRouteDevice = null);

/// <summary>
/// What exists on the machine: the namespaces (all of them, or at least every <c>qdhcp-*</c>) and the root
/// namespace's links (bridges and the veth ends attached to them).
/// </summary>
public sealed record ActualPlumbing(IReadOnlyList<ActualNamespace> Namespaces, IReadOnlyList<ActualLink> RootLinks)
{
    public static ActualPlumbing Empty { get; } = new([], []);
}

/// <summary>One step to bring the machine to the desired state. <c>Namespace</c> null means the root namespace.</summary>
public abstract record PlumbingAction;

/// <summary><c>ip netns add</c>.</summary>
public sealed record CreateNamespace(string Namespace) : PlumbingAction;

/// <summary><c>ip netns delete</c>: its devices go with it (and so do the veth peers of those).</summary>
public sealed record DeleteNamespace(string Namespace) : PlumbingAction;

/// <summary><c>ip link add NAME type bridge</c> in the root namespace.</summary>
public sealed record CreateBridge(string Bridge) : PlumbingAction;

/// <summary><c>ip link add NAME mtu M type veth peer name PEER mtu M</c>, both ends in the root namespace.</summary>
public sealed record CreateVethPair(string Name, string PeerName, int Mtu) : PlumbingAction;

/// <summary><c>ip link set NAME netns NS</c> from the root namespace.</summary>
public sealed record MoveToNamespace(string Link, string Namespace) : PlumbingAction;

/// <summary><c>ip link set NAME address MAC</c>.</summary>
public sealed record SetMac(string Link, string? Namespace, string MacAddress) : PlumbingAction;

/// <summary><c>ip link set NAME mtu M</c>.</summary>
public sealed record SetMtu(string Link, string? Namespace, int Mtu) : PlumbingAction;

/// <summary><c>ip link set NAME master BRIDGE</c> in the root namespace.</summary>
public sealed record SetMaster(string Link, string Bridge) : PlumbingAction;

/// <summary><c>ip addr add CIDR dev NAME</c>.</summary>
public sealed record AddAddress(string Link, string Namespace, string Cidr) : PlumbingAction;

/// <summary><c>ip addr del CIDR dev NAME</c>.</summary>
public sealed record RemoveAddress(string Link, string Namespace, string Cidr) : PlumbingAction;

/// <summary><c>ip link set NAME up</c>.</summary>
public sealed record SetUp(string Link, string? Namespace) : PlumbingAction;

/// <summary><c>ip route replace default via GATEWAY dev LINK</c> in the namespace.</summary>
public sealed record SetDefaultRoute(string Namespace, string Gateway, string Link) : PlumbingAction;

/// <summary><c>ip route del default</c> in the namespace.</summary>
public sealed record RemoveDefaultRoute(string Namespace) : PlumbingAction;

/// <summary><c>ip link delete NAME</c> (a veth end takes its peer with it).</summary>
public sealed record DeleteLink(string Link, string? Namespace) : PlumbingAction;
