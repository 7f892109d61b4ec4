using Qdhcp.Agent.Model;
using Qdhcp.Api.Json;
using Qdhcp.Engine.Leases;

namespace Qdhcp.Api.Endpoints;

/// <summary>The store's records as the API shows them.</summary>
internal static class Bodies
{
    public static NetworkBody Of(Network network, IReadOnlyList<string> subnetIds) => new()
    {
        Id = network.Id,
        Name = network.Name,
        AdminStateUp = network.AdminStateUp,
        Mtu = network.Mtu,
        Subnets = subnetIds,
        Bridge = network.Bridge,
    };

    public static SubnetBody Of(Subnet subnet) => new()
    {
        Id = subnet.Id,
        Name = subnet.Name,
        NetworkId = subnet.NetworkId,
        Cidr = subnet.Cidr,
        GatewayIp = subnet.GatewayIp,
        AllocationPools = [.. subnet.AllocationPools.Select(p => new AllocationPoolBody(p.Start, p.End))],
        DnsNameservers = subnet.DnsNameservers,
        HostRoutes = [.. subnet.HostRoutes.Select(r => new HostRouteBody(r.Destination, r.Nexthop))],
        EnableDhcp = subnet.EnableDhcp,
        LeaseSeconds = subnet.LeaseSeconds,
    };

    public static PortBody Of(Port port) => new()
    {
        Id = port.Id,
        Name = port.Name,
        NetworkId = port.NetworkId,
        MacAddress = port.MacAddress,
        AdminStateUp = port.AdminStateUp,
        Status = port.AdminStateUp ? "ACTIVE" : "DOWN",
        DeviceId = port.DeviceId,
        DeviceOwner = port.DeviceOwner,
        FixedIps = [.. port.FixedIps.Select(ip => new FixedIpBody(ip.SubnetId, ip.IpAddress))],
        ExtraDhcpOpts = [.. port.ExtraDhcpOpts.Select(o => new ExtraDhcpOptBody(o.OptName, o.OptValue, o.IpVersion))],
        DnsName = port.HostName ?? "",
    };

    public static LeaseBody Of(LeaseRecord lease) => new(
        lease.Mac.ToString(),
        lease.Address.ToString(),
        lease.HostName,
        lease.ClientId is { Length: > 0 } id ? Convert.ToHexString(id).ToLowerInvariant().Chunk(2).Select(c => new string(c)).Aggregate((a, b) => a + ":" + b) : null,
        lease.ExpiresUnixSeconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(lease.ExpiresUnixSeconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
}
