namespace Qdhcp.Agent.Model;

/// <summary>
/// A network, shaped like Neutron's: the unit that gets its own namespace <c>qdhcp-&lt;id&gt;</c>, bridge
/// <c>brq&lt;first 11 of id&gt;</c> and DHCP server.
/// </summary>
/// <param name="Id">A UUID, as Neutron's; empty on create: a new one.</param>
/// <param name="Name">Free text.</param>
/// <param name="Mtu">The network's MTU, sent as option 26 and set on the DHCP port.</param>
/// <param name="AdminStateUp">False: the network is not served.</param>
/// <param name="Bridge">The Linux bridge the network attaches to; empty on create or update: <c>brq&lt;first 11 of id&gt;</c>.</param>
public sealed record Network(string Id, string Name, int Mtu, bool AdminStateUp, string Bridge)
{
    /// <summary>Neutron's Linux bridge agent names a network's bridge this way.</summary>
    public static string DefaultBridgeName(string networkId) => "brq" + networkId[..Math.Min(11, networkId.Length)];

    /// <summary>Neutron's DHCP agent prefix: the agent considers (and may own) only namespaces named so.</summary>
    public const string NamespacePrefix = "qdhcp-";

    /// <summary>The namespace of the network's DHCP server, as Neutron's DHCP agent names it.</summary>
    public string Namespace => NamespacePrefix + Id;
}

/// <summary>An address range of a subnet that IPAM allocates from (Neutron's allocation_pools).</summary>
public sealed record AllocationPool(string Start, string End);

/// <summary>A static route announced by DHCP (options 121 and 249), Neutron's host_routes.</summary>
public sealed record HostRoute(string Destination, string Nexthop);

/// <summary>An IPv4 subnet of a network, shaped like Neutron's.</summary>
/// <param name="Id">Empty on create: a new UUID.</param>
/// <param name="Cidr">IPv4 only for now, no host bits (<c>10.10.10.0/24</c>).</param>
/// <param name="GatewayIp">Null: no gateway. Neutron's default when the API request omits it is the first host
/// address: <see cref="Qdhcp.Agent.Ipam.NetworkRules.DefaultGatewayIp"/>.</param>
/// <param name="AllocationPools">Empty on create or update: Neutron's default, the host addresses minus the gateway.</param>
/// <param name="LeaseSeconds">The DHCP lease time (Neutron's agent-wide dhcp_lease_duration, here per subnet).</param>
public sealed record Subnet(
    string Id,
    string NetworkId,
    string Name,
    string Cidr,
    string? GatewayIp,
    IReadOnlyList<string> DnsNameservers,
    IReadOnlyList<HostRoute> HostRoutes,
    bool EnableDhcp,
    IReadOnlyList<AllocationPool> AllocationPools,
    uint LeaseSeconds)
{
    /// <summary>Value equality, lists compared element by element (a record compares lists by reference).</summary>
    public bool Equals(Subnet? other) =>
        other is not null
        && Id == other.Id && NetworkId == other.NetworkId && Name == other.Name && Cidr == other.Cidr && GatewayIp == other.GatewayIp
        && EnableDhcp == other.EnableDhcp && LeaseSeconds == other.LeaseSeconds
        && DnsNameservers.SequenceEqual(other.DnsNameservers) && HostRoutes.SequenceEqual(other.HostRoutes)
        && AllocationPools.SequenceEqual(other.AllocationPools);

    public override int GetHashCode() => HashCode.Combine(Id, NetworkId, Cidr, GatewayIp, DnsNameservers.Count, HostRoutes.Count, AllocationPools.Count);

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Id = {Id}, NetworkId = {NetworkId}, Name = {Name}, Cidr = {Cidr}, GatewayIp = {GatewayIp}, ")
            .Append($"DnsNameservers = [{string.Join(", ", DnsNameservers)}], HostRoutes = [{string.Join(", ", HostRoutes)}], ")
            .Append($"EnableDhcp = {EnableDhcp}, AllocationPools = [{string.Join(", ", AllocationPools)}], LeaseSeconds = {LeaseSeconds}");
        return true;
    }
}

/// <summary>A fixed IP of a port: a subnet and an address in it.</summary>
public sealed record FixedIp(string SubnetId, string IpAddress);

/// <summary>A per-port DHCP option (Neutron's extra_dhcp_opts): dnsmasq's option name or number and its value.</summary>
public sealed record ExtraDhcpOpt(string OptName, string OptValue, int IpVersion = 4);

/// <summary>A port, shaped like Neutron's: a MAC, its fixed IPs, and what it is for.</summary>
/// <param name="DeviceOwner">e.g. <c>compute:nova</c>; <c>network:dhcp</c> for the DHCP server's own port.</param>
/// <param name="HostName">The DNS/DHCP host name (Neutron's dns_name); null: Neutron's default <c>host-a-b-c-d</c>, from each address.</param>
public sealed record Port(
    string Id,
    string NetworkId,
    string Name,
    string MacAddress,
    IReadOnlyList<FixedIp> FixedIps,
    string DeviceOwner,
    string DeviceId,
    string? HostName,
    IReadOnlyList<ExtraDhcpOpt> ExtraDhcpOpts,
    bool AdminStateUp)
{
    public const string DhcpDeviceOwner = "network:dhcp";

    /// <summary>Value equality, lists compared element by element (a record compares lists by reference).</summary>
    public bool Equals(Port? other) =>
        other is not null
        && Id == other.Id && NetworkId == other.NetworkId && Name == other.Name && MacAddress == other.MacAddress
        && DeviceOwner == other.DeviceOwner && DeviceId == other.DeviceId && HostName == other.HostName && AdminStateUp == other.AdminStateUp
        && FixedIps.SequenceEqual(other.FixedIps) && ExtraDhcpOpts.SequenceEqual(other.ExtraDhcpOpts);

    public override int GetHashCode() => HashCode.Combine(Id, NetworkId, MacAddress, FixedIps.Count, ExtraDhcpOpts.Count);

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Id = {Id}, NetworkId = {NetworkId}, Name = {Name}, MacAddress = {MacAddress}, FixedIps = [{string.Join(", ", FixedIps)}], ")
            .Append($"DeviceOwner = {DeviceOwner}, DeviceId = {DeviceId}, HostName = {HostName}, ExtraDhcpOpts = [{string.Join(", ", ExtraDhcpOpts)}], AdminStateUp = {AdminStateUp}");
        return true;
    }

    public bool IsDhcpPort => DeviceOwner == DhcpDeviceOwner;

    /// <summary>The DHCP port's interface inside the namespace: <c>tap&lt;first 11 of port id&gt;</c>.</summary>
    public string TapName => "tap" + Id[..Math.Min(11, Id.Length)];

    /// <summary>Neutron's default host name: <c>host-10-10-10-2</c> for 10.10.10.2.</summary>
    public static string DefaultHostName(string ipAddress) => "host-" + ipAddress.Replace('.', '-').Replace(':', '-');
}
