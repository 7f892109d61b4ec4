using System.Globalization;
using Qdhcp.Agent.Dhcp;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Configuration;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Ipam;

/// <summary>
/// What a write sees of one network inside its transaction: the network, its subnets and its ports, each list in
/// creation order. Every rule below is checked against it, so any store that can load it gets the same rules.
/// </summary>
public sealed record NetworkState(Network Network, IReadOnlyList<Subnet> Subnets, IReadOnlyList<Port> Ports);

/// <summary>
/// The validation and IPAM rules every <see cref="INetworkStore"/> applies inside its write transaction. Pure: a
/// request and the stored <see cref="NetworkState"/> in, the resource to store out (defaults filled, text
/// normalized), or a <see cref="StoreValidationException"/> (the request is wrong in itself, 400) or a
/// <see cref="StoreConflictException"/> (it clashes with what is stored, 409). Global uniqueness of ids and of
/// bridges is the store's part.
/// </summary>
public static class NetworkRules
{
    /// <summary>Neutron's <c>max_dns_nameservers</c> default.</summary>
    public const int MaxDnsNameservers = 5;

    /// <summary>Neutron's <c>max_subnet_host_routes</c> default.</summary>
    public const int MaxHostRoutes = 20;

    /// <summary>The smallest MTU an IPv4 link may have (RFC 791: 68), and the largest Linux takes.</summary>
    public const int MinMtu = 68;

    public const int MaxMtu = 65535;

    /// <summary>A new resource id: a lowercase UUID, as Neutron's.</summary>
    public static string NewId() => Guid.NewGuid().ToString("D");

    /// <summary>
    /// Ids name namespaces (<c>qdhcp-&lt;id&gt;</c>), files and, by their first 11 characters, devices, so they are kept
    /// to 1..64 of <c>[A-Za-z0-9_-]</c>. Neutron's are UUIDs.
    /// </summary>
    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>A Linux interface name: 1..15 characters, no '/', ':', whitespace, not "." or "..".</summary>
    public static bool IsValidInterfaceName(string? name) =>
        name is { Length: > 0 and <= 15 } and not "." and not ".." && name.All(c => c > ' ' && c < 127 && c is not '/' and not ':');

    /// <summary>
    /// Checks a network to create or to replace the stored one with.
    /// <list type="bullet">
    /// <item>Id empty: a new UUID; otherwise it must be a valid id (field <c>id</c>).</item>
    /// <item>MTU 68..65535 (field <c>mtu</c>).</item>
    /// <item>Bridge empty: <c>brq&lt;first 11 of id&gt;</c>; otherwise a valid interface name (field <c>bridge</c>).</item>
    /// </list>
    /// </summary>
    public static Network PrepareNetwork(Network requested, Network? current = null)
    {
        string id = current?.Id ?? (string.IsNullOrEmpty(requested.Id) ? NewId() : requested.Id);
        if (current is not null && !string.IsNullOrEmpty(requested.Id) && requested.Id != current.Id)
        {
            throw new StoreValidationException("id", "a network's id cannot be changed");
        }

        if (!IsValidId(id))
        {
            throw new StoreValidationException("id", $"'{id}' is not a valid id: use 1..64 letters, digits, '-' or '_' (Neutron uses UUIDs)");
        }

        if (requested.Mtu is < MinMtu or > MaxMtu)
        {
            throw new StoreValidationException("mtu", $"MTU {requested.Mtu} is out of range: an IPv4 network's MTU is {MinMtu}..{MaxMtu}");
        }

        string bridge = string.IsNullOrEmpty(requested.Bridge) ? Network.DefaultBridgeName(id) : requested.Bridge;
        if (!IsValidInterfaceName(bridge))
        {
            throw new StoreValidationException("bridge", $"'{bridge}' is not a valid Linux interface name (1..15 characters, no '/', ':' or spaces)");
        }

        return requested with { Id = id, Name = requested.Name ?? string.Empty, Bridge = bridge };
    }

    /// <summary>Neutron's default gateway for a CIDR (its first host address), or null when the CIDR is not valid IPv4.</summary>
    public static string? DefaultGatewayIp(string cidr)
    {
        try
        {
            return AddressAllocator.DefaultGateway(Ipv4Text.ParseCidr(cidr, "cidr")).ToString();
        }
        catch (StoreValidationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Checks a subnet to create (<paramref name="current"/> null) or to replace the stored one with.
    /// <list type="bullet">
    /// <item>Id empty: a new UUID. The network id must be the state's network; neither id nor CIDR nor network can change.</item>
    /// <item>CIDR: IPv4 (IPv6 gets a clear error), no host bits, prefix /1../30 (a /31 or /32 has no host address
    /// once network and broadcast are taken out, which Neutron does for IPv4).</item>
    /// <item>Gateway: null = no gateway; else inside the CIDR, not its network or broadcast address.</item>
    /// <item>DNS servers: IPv4 addresses, no duplicates, at most 5. Host routes: destination CIDR and IPv4 next hop,
    /// no duplicate destination, at most 20.</item>
    /// <item>Pools: empty = Neutron's default (the host range minus the gateway). Given: inside the host range,
    /// start &lt;= end, not overlapping each other, not containing the gateway. Kept in the order given: that is
    /// the order IPAM fills them in.</item>
    /// <item>Lease time: at least 1 s (the server raises anything under 120 s to 120 s, as dnsmasq).</item>
    /// <item>Conflicts: overlapping another subnet of the network (<c>cidr</c>); on update, a new gateway that a
    /// port already has (<c>gateway_ip</c>).</item>
    /// </list>
    /// </summary>
    public static Subnet PrepareSubnet(Subnet requested, NetworkState state, Subnet? current = null)
    {
        string id = current?.Id ?? (string.IsNullOrEmpty(requested.Id) ? NewId() : requested.Id);
        if (!IsValidId(id))
        {
            throw new StoreValidationException("id", $"'{id}' is not a valid id: use 1..64 letters, digits, '-' or '_' (Neutron uses UUIDs)");
        }

        if (current is not null && !string.IsNullOrEmpty(requested.Id) && requested.Id != current.Id)
        {
            throw new StoreValidationException("id", "a subnet's id cannot be changed");
        }

        if (requested.NetworkId != state.Network.Id)
        {
            throw new StoreValidationException("network_id", current is null
                ? $"subnet {id} names network {requested.NetworkId}, not {state.Network.Id}"
                : "a subnet cannot be moved to another network");
        }

        IPv4Subnet cidr = Ipv4Text.ParseCidr(requested.Cidr, "cidr");
        if (cidr.PrefixLength is 0 or > 30)
        {
            throw new StoreValidationException("cidr", cidr.PrefixLength == 0
                ? $"{cidr} is every IPv4 address: give a real subnet"
                : $"{cidr} is too small: an IPv4 subnet needs a prefix of /30 or shorter to have host addresses");
        }

        if (current is not null && cidr.ToString() != current.Cidr)
        {
            throw new StoreValidationException("cidr", $"a subnet's CIDR cannot be changed (it is {current.Cidr})");
        }

        IPv4Address? gateway = null;
        if (requested.GatewayIp is not null)
        {
            IPv4Address g = Ipv4Text.ParseAddress(requested.GatewayIp, "gateway_ip");
            if (!cidr.Contains(g))
            {
                throw new StoreValidationException("gateway_ip", $"gateway {g} is not in subnet {cidr}");
            }

            if (g == cidr.Network || g == cidr.BroadcastAddress)
            {
                throw new StoreValidationException("gateway_ip", $"gateway {g} is the {(g == cidr.Network ? "network" : "broadcast")} address of {cidr}");
            }

            gateway = g;
        }

        List<string> dns = PrepareNameservers(requested.DnsNameservers);
        List<HostRoute> routes = PrepareHostRoutes(requested.HostRoutes);
        List<Ipv4Range> pools = PreparePools(requested.AllocationPools, cidr, gateway);

        if (requested.LeaseSeconds == 0)
        {
            throw new StoreValidationException("lease_seconds", "the lease time must be at least 1 second (the server raises it to dnsmasq's minimum, 120 s)");
        }

        foreach (Subnet other in state.Subnets)
        {
            if (other.Id == id)
            {
                continue;
            }

            IPv4Subnet o = Ipv4Text.ParseCidr(other.Cidr, "cidr");
            if (o.Contains(cidr.Network) || cidr.Contains(o.Network))
            {
                throw new StoreConflictException("cidr", $"{cidr} overlaps {o}, subnet {other.Id} of network {state.Network.Id}");
            }
        }

        if (gateway is { } gw && (current is null || current.GatewayIp != gw.ToString()))
        {
            foreach (Port port in state.Ports)
            {
                foreach (FixedIp ip in port.FixedIps)
                {
                    if (ip.SubnetId == id && ip.IpAddress == gw.ToString())
                    {
                        throw new StoreConflictException("gateway_ip", $"gateway {gw} is already used by port {port.Id}");
                    }
                }
            }
        }

        return requested with
        {
            Id = id,
            Name = requested.Name ?? string.Empty,
            Cidr = cidr.ToString(),
            GatewayIp = gateway?.ToString(),
            DnsNameservers = dns,
            HostRoutes = routes,
            AllocationPools = pools.ConvertAll(p => p.ToPool()),
        };
    }

    /// <summary>
    /// Checks that a subnet can be deleted: refused (conflict) while a port other than a DHCP port has an address in
    /// it, as Neutron's SubnetInUse. Returns the DHCP ports with their address in the subnet taken away, to be
    /// stored in the same transaction (Neutron removes them too).
    /// </summary>
    public static IReadOnlyList<Port> PrepareSubnetDelete(Subnet subnet, NetworkState state)
    {
        List<string> users = state.Ports
            .Where(p => !p.IsDhcpPort && p.FixedIps.Any(f => f.SubnetId == subnet.Id))
            .Select(p => p.Id)
            .ToList();
        if (users.Count > 0)
        {
            throw new StoreConflictException("id", $"subnet {subnet.Id} still has addresses in use by port(s) {string.Join(", ", users)}: delete them or move their fixed IPs first");
        }

        return state.Ports
            .Where(p => p.FixedIps.Any(f => f.SubnetId == subnet.Id))
            .Select(p => p with { FixedIps = p.FixedIps.Where(f => f.SubnetId != subnet.Id).ToList() })
            .ToList();
    }

    /// <summary>
    /// Makes the port to store from a create request, allocating what is missing.
    /// <list type="bullet">
    /// <item>Id null or empty: a new UUID. Network: the state's.</item>
    /// <item>MAC null: a fresh fa:16:3e:xx:xx:xx not used in the network (retried on collision); given: unicast,
    /// not all-zero, stored lowercase, not used by another port of the network (conflict <c>mac_address</c>).</item>
    /// <item>Fixed IPs: see <see cref="ResolveFixedIps"/>.</item>
    /// <item>Host name: null or a DNS name (field <c>dns_name</c>). Extra DHCP options: each encodes (field <c>extra_dhcp_opts</c>).</item>
    /// </list>
    /// </summary>
    public static Port PreparePort(PortRequest request, NetworkState state, MacAddressGenerator macs)
    {
        string id = string.IsNullOrEmpty(request.Id) ? NewId() : request.Id;
        if (!IsValidId(id))
        {
            throw new StoreValidationException("id", $"'{id}' is not a valid id: use 1..64 letters, digits, '-' or '_' (Neutron uses UUIDs)");
        }

        if (request.NetworkId != state.Network.Id)
        {
            throw new StoreValidationException("network_id", $"the port names network {request.NetworkId}, not {state.Network.Id}");
        }

        ValidateHostName(request.HostName);
        List<ExtraDhcpOpt> extra = PrepareExtraDhcpOpts(id, request.ExtraDhcpOpts ?? []);
        string mac = PrepareMac(request.MacAddress, id, state, macs);
        List<FixedIp> fixedIps = ResolveFixedIps(request.FixedIps, id, request.DeviceOwner ?? string.Empty, state, []);
        return new Port(
            id,
            state.Network.Id,
            request.Name ?? string.Empty,
            mac,
            fixedIps,
            request.DeviceOwner ?? string.Empty,
            request.DeviceId ?? string.Empty,
            request.HostName,
            extra,
            request.AdminStateUp);
    }

    /// <summary>
    /// Applies an update to a stored port with the same rules as <see cref="PreparePort"/>. A field left null keeps
    /// its value; <c>fixed_ips</c> given replaces the port's addresses (addresses it keeps are not conflicts, and a
    /// subnet-only entry keeps the port's present address in that subnet, as Neutron does).
    /// </summary>
    public static Port PreparePortUpdate(Port current, PortUpdate update, NetworkState state, MacAddressGenerator macs)
    {
        string deviceOwner = update.DeviceOwner ?? current.DeviceOwner;
        string? hostName = update.HostName ?? current.HostName;
        ValidateHostName(hostName);
        IReadOnlyList<ExtraDhcpOpt> extra = update.ExtraDhcpOpts is { } e ? PrepareExtraDhcpOpts(current.Id, e) : current.ExtraDhcpOpts;
        string mac = update.MacAddress is { } m ? PrepareMac(m, current.Id, state, macs) : current.MacAddress;
        IReadOnlyList<FixedIp> fixedIps = update.FixedIps is { } f ? ResolveFixedIps(f, current.Id, deviceOwner, state, current.FixedIps) : current.FixedIps;
        return current with
        {
            Name = update.Name ?? current.Name,
            MacAddress = mac,
            FixedIps = fixedIps,
            DeviceOwner = deviceOwner,
            DeviceId = update.DeviceId ?? current.DeviceId,
            HostName = hostName,
            ExtraDhcpOpts = extra,
            AdminStateUp = update.AdminStateUp ?? current.AdminStateUp,
        };
    }

    /// <summary>
    /// Turns requested fixed IPs into addresses, checking each against the network's subnets and ports.
    /// <list type="bullet">
    /// <item>Null (not given): one address, the next free one of the first subnet (in creation order) that has one
    /// left, as Neutron does for IPv4; none when the network has no subnet; conflict when every subnet is full.</item>
    /// <item>Empty: no address.</item>
    /// <item>Subnet and address: the subnet must be on the network and hold the address. Address alone: its subnet
    /// is the network's subnet that holds it. Either way the address may be outside the pools (Neutron allows
    /// it), but not the network or broadcast address, nor the gateway (unless the port is a router's), and not
    /// used by another port (conflict). The same address twice in one request is an error.</item>
    /// <item>Subnet alone: the port's present address in that subnet when it has one not otherwise requested,
    /// else the next free address of the subnet's pools (conflict when none is left). Explicit addresses are
    /// placed first, so an allocation never takes an address the same request asks for.</item>
    /// </list>
    /// </summary>
    public static List<FixedIp> ResolveFixedIps(
        IReadOnlyList<FixedIpRequest>? requests,
        string portId,
        string deviceOwner,
        NetworkState state,
        IReadOnlyList<FixedIp> present)
    {
        var used = new Dictionary<uint, string>();
        foreach (Port port in state.Ports)
        {
            if (port.Id == portId)
            {
                continue;
            }

            foreach (FixedIp ip in port.FixedIps)
            {
                if (IPv4Address.TryParse(ip.IpAddress, out IPv4Address a))
                {
                    used.TryAdd(a.Value, port.Id);
                }
            }
        }

        var subnets = new List<(Subnet Subnet, IPv4Subnet Cidr)>(state.Subnets.Count);
        foreach (Subnet s in state.Subnets)
        {
            subnets.Add((s, Ipv4Text.ParseCidr(s.Cidr, "cidr")));
        }

        if (requests is null)
        {
            foreach ((Subnet subnet, IPv4Subnet _) in subnets)
            {
                if (AddressAllocator.NextFree(PoolsOf(subnet), a => used.ContainsKey(a.Value)) is { } free)
                {
                    return [new FixedIp(subnet.Id, free.ToString())];
                }
            }

            if (subnets.Count == 0)
            {
                return [];
            }

            throw new StoreConflictException("fixed_ips", $"no free address left in any subnet of network {state.Network.Id} ({string.Join("; ", subnets.Select(s => $"subnet {s.Subnet.Id}, pools {AddressAllocator.Describe(PoolsOf(s.Subnet))}"))})");
        }

        var result = new FixedIp?[requests.Count];
        var mine = new HashSet<uint>();

        // Explicit addresses first.
        for (int i = 0; i < requests.Count; i++)
        {
            FixedIpRequest r = requests[i];
            if (r is null || (r.SubnetId is null && r.IpAddress is null))
            {
                throw new StoreValidationException("fixed_ips", "each fixed IP needs a subnet_id, an ip_address, or both");
            }

            if (r.IpAddress is null)
            {
                continue;
            }

            IPv4Address address = Ipv4Text.ParseAddress(r.IpAddress, "fixed_ips");
            (Subnet Subnet, IPv4Subnet Cidr) target;
            if (r.SubnetId is not null)
            {
                target = FindSubnet(subnets, r.SubnetId, state);
                if (!target.Cidr.Contains(address))
                {
                    throw new StoreValidationException("fixed_ips", $"{address} is not in subnet {r.SubnetId} ({target.Cidr})");
                }
            }
            else
            {
                int at = subnets.FindIndex(s => s.Cidr.Contains(address));
                if (at < 0)
                {
                    throw new StoreValidationException("fixed_ips", $"{address} is not in any subnet of network {state.Network.Id}");
                }

                target = subnets[at];
            }

            if (address == target.Cidr.Network || address == target.Cidr.BroadcastAddress)
            {
                throw new StoreValidationException("fixed_ips", $"{address} is the {(address == target.Cidr.Network ? "network" : "broadcast")} address of subnet {target.Subnet.Id} ({target.Cidr})");
            }

            if (!mine.Add(address.Value))
            {
                throw new StoreValidationException("fixed_ips", $"{address} is requested twice");
            }

            if (used.TryGetValue(address.Value, out string? owner))
            {
                throw new StoreConflictException("fixed_ips", $"{address} is already used by port {owner}");
            }

            if (target.Subnet.GatewayIp == address.ToString() && !IsRouterOwner(deviceOwner))
            {
                throw new StoreConflictException("fixed_ips", $"{address} is the gateway of subnet {target.Subnet.Id}; only a router port can have it");
            }

            result[i] = new FixedIp(target.Subnet.Id, address.ToString());
        }

        // Then subnet-only entries: keep a present address of that subnet, else allocate.
        var keptPresent = new HashSet<string>(result.Where(f => f is not null).Select(f => f!.IpAddress));
        for (int i = 0; i < requests.Count; i++)
        {
            if (result[i] is not null)
            {
                continue;
            }

            (Subnet subnet, IPv4Subnet _) = FindSubnet(subnets, requests[i].SubnetId!, state);
            FixedIp? keep = present.FirstOrDefault(p => p.SubnetId == subnet.Id && !keptPresent.Contains(p.IpAddress));
            if (keep is not null && IPv4Address.TryParse(keep.IpAddress, out IPv4Address kept) && !used.ContainsKey(kept.Value) && mine.Add(kept.Value))
            {
                keptPresent.Add(keep.IpAddress);
                result[i] = keep;
                continue;
            }

            IReadOnlyList<Ipv4Range> pools = PoolsOf(subnet);
            IPv4Address free = AddressAllocator.NextFree(pools, a => used.ContainsKey(a.Value) || mine.Contains(a.Value))
                ?? throw new StoreConflictException("fixed_ips", $"no free address left in subnet {subnet.Id} (pools {AddressAllocator.Describe(pools)})");
            mine.Add(free.Value);
            result[i] = new FixedIp(subnet.Id, free.ToString());
        }

        return result.Select(f => f!).ToList();
    }

    /// <summary>The stored pools of a subnet, parsed (they were checked when stored).</summary>
    public static IReadOnlyList<Ipv4Range> PoolsOf(Subnet subnet) =>
        subnet.AllocationPools.Select(p => new Ipv4Range(IPv4Address.Parse(p.Start), IPv4Address.Parse(p.End))).ToList();

    /// <summary>Router ports may hold the gateway address (Neutron's router_interface and friends).</summary>
    public static bool IsRouterOwner(string deviceOwner) =>
        deviceOwner.StartsWith("network:router", StringComparison.Ordinal) || deviceOwner.StartsWith("network:ha_router", StringComparison.Ordinal);

    private static (Subnet Subnet, IPv4Subnet Cidr) FindSubnet(List<(Subnet Subnet, IPv4Subnet Cidr)> subnets, string subnetId, NetworkState state)
    {
        int at = subnets.FindIndex(s => s.Subnet.Id == subnetId);
        return at >= 0
            ? subnets[at]
            : throw new StoreValidationException("fixed_ips", $"subnet {subnetId} is not a subnet of network {state.Network.Id}");
    }

    private static string PrepareMac(string? requested, string portId, NetworkState state, MacAddressGenerator macs)
    {
        var used = new Dictionary<ulong, string>();
        foreach (Port p in state.Ports)
        {
            if (p.Id != portId && MacAddress.TryParse(p.MacAddress, out MacAddress m))
            {
                used.TryAdd(m.Value, p.Id);
            }
        }

        if (requested is null)
        {
            MacAddress fresh = macs.NextUnused(m => used.ContainsKey(m.Value))
                ?? throw new StoreConflictException("mac_address", $"could not find a free MAC address under fa:16:3e in network {state.Network.Id} after {MacAddressGenerator.Retries} tries");
            return fresh.ToString();
        }

        MacAddress mac = Ipv4Text.ParseMac(requested, "mac_address");
        if (used.TryGetValue(mac.Value, out string? owner))
        {
            throw new StoreConflictException("mac_address", $"MAC address {mac} is already used by port {owner} on network {state.Network.Id}");
        }

        return mac.ToString();
    }

    private static List<string> PrepareNameservers(IReadOnlyList<string>? servers)
    {
        servers ??= [];
        if (servers.Count > MaxDnsNameservers)
        {
            throw new StoreValidationException("dns_nameservers", $"{servers.Count} DNS servers given; at most {MaxDnsNameservers} are allowed");
        }

        var result = new List<string>(servers.Count);
        foreach (string s in servers)
        {
            string a = Ipv4Text.ParseAddress(s, "dns_nameservers").ToString();
            if (result.Contains(a))
            {
                throw new StoreValidationException("dns_nameservers", $"DNS server {a} is given twice");
            }

            result.Add(a);
        }

        return result;
    }

    private static List<HostRoute> PrepareHostRoutes(IReadOnlyList<HostRoute>? routes)
    {
        routes ??= [];
        if (routes.Count > MaxHostRoutes)
        {
            throw new StoreValidationException("host_routes", $"{routes.Count} host routes given; at most {MaxHostRoutes} are allowed");
        }

        var result = new List<HostRoute>(routes.Count);
        foreach (HostRoute r in routes)
        {
            if (r is null)
            {
                throw new StoreValidationException("host_routes", "a host route needs a destination and a nexthop");
            }

            // Neutron's classless routes are destinations of any prefix, 0.0.0.0/0 included.
            IPv4Subnet destination = ParseRouteDestination(r.Destination);
            IPv4Address nexthop = Ipv4Text.ParseAddress(r.Nexthop, "host_routes");
            var route = new HostRoute(destination.ToString(), nexthop.ToString());
            if (result.Any(x => x.Destination == route.Destination))
            {
                throw new StoreValidationException("host_routes", $"destination {route.Destination} is given twice");
            }

            result.Add(route);
        }

        return result;
    }

    private static IPv4Subnet ParseRouteDestination(string destination) => Ipv4Text.ParseCidr(destination, "host_routes");

    private static List<Ipv4Range> PreparePools(IReadOnlyList<AllocationPool>? requested, IPv4Subnet cidr, IPv4Address? gateway)
    {
        if (requested is null || requested.Count == 0)
        {
            return [.. AddressAllocator.DefaultPools(cidr, gateway)];
        }

        Ipv4Range hosts = AddressAllocator.HostRange(cidr);
        var pools = new List<Ipv4Range>(requested.Count);
        foreach (AllocationPool p in requested)
        {
            if (p is null)
            {
                throw new StoreValidationException("allocation_pools", "a pool needs a start and an end");
            }

            IPv4Address start = Ipv4Text.ParseAddress(p.Start, "allocation_pools");
            IPv4Address end = Ipv4Text.ParseAddress(p.End, "allocation_pools");
            var pool = new Ipv4Range(start, end);
            if (start > end)
            {
                throw new StoreValidationException("allocation_pools", $"pool {pool} starts after it ends");
            }

            if (!hosts.Contains(start) || !hosts.Contains(end))
            {
                throw new StoreValidationException("allocation_pools", $"pool {pool} is not inside {cidr}'s host addresses ({hosts})");
            }

            foreach (Ipv4Range other in pools)
            {
                if (other.Overlaps(pool))
                {
                    throw new StoreValidationException("allocation_pools", $"pools {other} and {pool} overlap");
                }
            }

            if (gateway is { } g && pool.Contains(g))
            {
                throw new StoreValidationException("allocation_pools", $"pool {pool} contains the gateway {g}");
            }

            pools.Add(pool);
        }

        return pools;
    }

    private static void ValidateHostName(string? hostName)
    {
        if (hostName is null)
        {
            return;
        }

        string name = hostName.EndsWith('.') ? hostName[..^1] : hostName;
        string[] labels = name.Split('.');
        bool ok = name.Length is > 0 and <= 253 && labels.All(l =>
            l.Length is > 0 and <= 63 && l[0] != '-' && l[^1] != '-' && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
        if (!ok)
        {
            throw new StoreValidationException("dns_name", $"'{hostName}' is not a valid host name (labels of letters, digits and '-', 1..63 characters each, separated by dots)");
        }
    }

    private static List<ExtraDhcpOpt> PrepareExtraDhcpOpts(string portId, IReadOnlyList<ExtraDhcpOpt> options)
    {
        var result = new List<ExtraDhcpOpt>(options.Count);
        foreach (ExtraDhcpOpt o in options)
        {
            if (o is null || string.IsNullOrWhiteSpace(o.OptName))
            {
                throw new StoreValidationException("extra_dhcp_opts", "each extra DHCP option needs an opt_name");
            }

            if (o.IpVersion is not (4 or 6))
            {
                throw new StoreValidationException("extra_dhcp_opts", $"option {o.OptName}: ip_version must be 4 or 6, not {o.IpVersion.ToString(CultureInfo.InvariantCulture)}");
            }

            var option = o with { OptValue = o.OptValue ?? string.Empty };
            if (result.Any(x => x.OptName == option.OptName && x.IpVersion == option.IpVersion))
            {
                throw new StoreValidationException("extra_dhcp_opts", $"option {option.OptName} (ip_version {option.IpVersion}) is given twice");
            }

            if (option.IpVersion == 4 && !NeutronOptionText.IsClientId(option))
            {
                LineResult<Engine.Model.OptionSetting> encoded = NeutronOptionText.EncodePortOption(portId, option);
                if (encoded.Outcome == LineOutcome.Invalid)
                {
                    throw new StoreValidationException("extra_dhcp_opts", $"option {option.OptName}={option.OptValue}: {encoded.Message}");
                }
            }

            result.Add(option);
        }

        return result;
    }
}
