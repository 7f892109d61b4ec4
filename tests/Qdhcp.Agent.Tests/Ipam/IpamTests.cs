using CsCheck;
using Qdhcp.Agent.Ipam;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Tests.Ipam;

/// <summary>The pure IPAM and validation rules (what every store runs inside its write).</summary>
public class IpamTests
{
    private static readonly Network Net = new("n1", "n", 1500, true, "brqn1");

    private static Subnet Sub(string cidr = "10.10.10.0/24", string? gateway = "10.10.10.1", params AllocationPool[] pools) =>
        new("s1", "n1", "s", cidr, gateway, [], [], true, pools, 86400);

    private static NetworkState State(params Subnet[] subnets) => new(Net, subnets, []);

    [Theory]
    [InlineData("10.10.10.0/24", "10.10.10.1", "10.10.10.2-10.10.10.254")]
    [InlineData("10.10.10.0/24", "10.10.10.254", "10.10.10.1-10.10.10.253")]
    [InlineData("10.10.10.0/24", "10.10.10.100", "10.10.10.1-10.10.10.99,10.10.10.101-10.10.10.254")]
    [InlineData("10.10.10.0/24", null, "10.10.10.1-10.10.10.254")]
    [InlineData("10.10.10.0/30", "10.10.10.1", "10.10.10.2-10.10.10.2")]
    public void PrepareSubnet_NoPools_NeutronDefaultPools(string cidr, string? gateway, string expected)
    {
        Subnet s = NetworkRules.PrepareSubnet(Sub(cidr, gateway), State());
        Assert.Equal(expected, string.Join(',', s.AllocationPools.Select(p => $"{p.Start}-{p.End}")));
    }

    [Fact]
    public void DefaultGatewayIp_FirstHost()
    {
        Assert.Equal("10.10.10.1", NetworkRules.DefaultGatewayIp("10.10.10.0/24"));
        Assert.Null(NetworkRules.DefaultGatewayIp("not a cidr"));
    }

    [Theory]
    [InlineData("10.10.10.5/24", null, "cidr", "host bits set: use 10.10.10.0/24")]
    [InlineData("10.10.10.0", null, "cidr", "prefix length is missing")]
    [InlineData("10.10.10.0/33", null, "cidr", "prefix length must be 0..32")]
    [InlineData("10.10.10.0/31", null, "cidr", "too small")]
    [InlineData("fd00::/64", null, "cidr", "IPv6")]
    [InlineData("10.10.10.0/24", "10.10.10.300", "gateway_ip", "10.10.10.300 is not an IPv4 address")]
    [InlineData("10.10.10.0/24", "10.10.11.1", "gateway_ip", "not in subnet 10.10.10.0/24")]
    [InlineData("10.10.10.0/24", "10.10.10.0", "gateway_ip", "network address")]
    [InlineData("10.10.10.0/24", "10.10.10.255", "gateway_ip", "broadcast address")]
    public void PrepareSubnet_BadCidrOrGateway_FieldAndReason(string cidr, string? gateway, string field, string reason)
    {
        StoreValidationException e = Assert.Throws<StoreValidationException>(() => NetworkRules.PrepareSubnet(Sub(cidr, gateway), State()));
        Assert.Equal(field, e.Field);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.10.10.2", "10.10.10.300", "is not an IPv4 address")]
    [InlineData("10.10.10.9", "10.10.10.2", "starts after it ends")]
    [InlineData("10.10.10.0", "10.10.10.9", "not inside")]
    [InlineData("10.10.10.250", "10.10.10.255", "not inside")]
    [InlineData("10.10.11.2", "10.10.11.9", "not inside")]
    [InlineData("10.10.10.1", "10.10.10.9", "contains the gateway 10.10.10.1")]
    public void PrepareSubnet_BadPool_Validation(string start, string end, string reason)
    {
        StoreValidationException e = Assert.Throws<StoreValidationException>(() => NetworkRules.PrepareSubnet(Sub(pools: new AllocationPool(start, end)), State()));
        Assert.Equal("allocation_pools", e.Field);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrepareSubnet_OverlappingPools_Validation()
    {
        StoreValidationException e = Assert.Throws<StoreValidationException>(() =>
            NetworkRules.PrepareSubnet(Sub(pools: [new AllocationPool("10.10.10.10", "10.10.10.20"), new AllocationPool("10.10.10.20", "10.10.10.30")]), State()));
        Assert.Equal("allocation_pools", e.Field);
        Assert.Contains("overlap", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrepareSubnet_NormalizesText()
    {
        Subnet s = NetworkRules.PrepareSubnet(
            Sub() with { Id = string.Empty, DnsNameservers = ["010.0.0.1"], HostRoutes = [new HostRoute("192.168.0.0/16", "10.10.10.254")] }, State());
        Assert.True(Guid.TryParse(s.Id, out _));
        Assert.Equal(["10.0.0.1"], s.DnsNameservers);
        Assert.Throws<StoreValidationException>(() => NetworkRules.PrepareSubnet(Sub() with { DnsNameservers = ["1.1.1.1", "1.1.1.1"] }, State()));
        Assert.Equal("host_routes", Assert.Throws<StoreValidationException>(() => NetworkRules.PrepareSubnet(Sub() with { HostRoutes = [new HostRoute("10.0.0.0/8", "x")] }, State())).Field);
    }

    [Theory]
    [InlineData("10.10.0.0/16")]
    [InlineData("10.10.10.128/25")]
    [InlineData("10.10.10.0/24")]
    public void PrepareSubnet_OverlapsAnother_Conflict(string cidr)
    {
        Subnet existing = NetworkRules.PrepareSubnet(Sub(), State());
        StoreConflictException e = Assert.Throws<StoreConflictException>(() => NetworkRules.PrepareSubnet(Sub(cidr, null) with { Id = "s2" }, State(existing)));
        Assert.Equal("cidr", e.Field);
    }

    [Fact]
    public void NextFree_LowestInPoolOrderSkippingUsed()
    {
        Ipv4Range[] pools = [new(IPv4Address.Parse("10.0.0.50"), IPv4Address.Parse("10.0.0.52")), new(IPv4Address.Parse("10.0.0.10"), IPv4Address.Parse("10.0.0.11"))];
        var used = new HashSet<uint> { IPv4Address.Parse("10.0.0.50").Value, IPv4Address.Parse("10.0.0.52").Value };
        Assert.Equal(IPv4Address.Parse("10.0.0.51"), AddressAllocator.NextFree(pools, a => used.Contains(a.Value)));
        used.Add(IPv4Address.Parse("10.0.0.51").Value);
        Assert.Equal(IPv4Address.Parse("10.0.0.10"), AddressAllocator.NextFree(pools, a => used.Contains(a.Value)));
        Assert.Null(AddressAllocator.NextFree(pools, _ => true));
    }

    [Fact]
    public void NextFree_PoolAtTopOfAddressSpace_Terminates()
    {
        Ipv4Range[] pools = [new(IPv4Address.Parse("255.255.255.254"), IPv4Address.Parse("255.255.255.255"))];
        Assert.Null(AddressAllocator.NextFree(pools, _ => true));
    }

    [Fact]
    public void ResolveFixedIps_ExplicitFirstThenAllocationsAvoidThem()
    {
        Subnet s = NetworkRules.PrepareSubnet(Sub(pools: new AllocationPool("10.10.10.2", "10.10.10.4")), State());
        List<FixedIp> ips = NetworkRules.ResolveFixedIps([new FixedIpRequest("s1", null), new FixedIpRequest(null, "10.10.10.2")], "p", "compute:nova", State(s), []);
        Assert.Equal([new FixedIp("s1", "10.10.10.3"), new FixedIp("s1", "10.10.10.2")], ips);
    }

    [Fact]
    public void ResolveFixedIps_SameAddressTwice_Validation()
    {
        Subnet s = NetworkRules.PrepareSubnet(Sub(), State());
        Assert.Throws<StoreValidationException>(() => NetworkRules.ResolveFixedIps([new FixedIpRequest(null, "10.10.10.9"), new FixedIpRequest("s1", "10.10.10.9")], "p", string.Empty, State(s), []));
        Assert.Throws<StoreValidationException>(() => NetworkRules.ResolveFixedIps([new FixedIpRequest(null, null)], "p", string.Empty, State(s), []));
        Assert.Equal("fixed_ips", Assert.Throws<StoreValidationException>(() => NetworkRules.ResolveFixedIps([new FixedIpRequest("other", null)], "p", string.Empty, State(s), [])).Field);
    }

    [Fact]
    public void MacGenerator_OpenStackPrefixUnicastLocal()
    {
        var gen = new MacAddressGenerator(seed: 1);
        for (int i = 0; i < 1000; i++)
        {
            MacAddress mac = gen.Next();
            Assert.StartsWith("fa:16:3e:", mac.ToString(), StringComparison.Ordinal);
        }

        Assert.Null(gen.NextUnused(_ => true));
    }

    [Theory]
    [InlineData("fa:16:3e:00:00", "is not a MAC address")]
    [InlineData("00:00:00:00:00:00", "all-zero")]
    [InlineData("ff:ff:ff:ff:ff:ff", "multicast")]
    public void ParseMac_Bad_Reason(string mac, string reason)
    {
        StoreValidationException e = Assert.Throws<StoreValidationException>(() => Ipv4Text.ParseMac(mac, "mac_address"));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    /// <summary>Any pools the rules accept: allocation fills exactly the pools, lowest first, never the gateway.</summary>
    [Fact]
    public void Allocation_FillsPoolsExactlyThenConflicts()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int[0, 10], Gen.Int[1, 3]).Sample((start, length, gatewayAt) =>
        {
            var pool = new AllocationPool($"10.0.0.{start + 5}", $"10.0.0.{start + 5 + length}");
            Subnet s = NetworkRules.PrepareSubnet(new Subnet("s1", "n1", "s", "10.0.0.0/24", $"10.0.0.{gatewayAt}", [], [], true, [pool], 60), State());
            var ports = new List<Port>();
            for (int i = 0; i <= length; i++)
            {
                Port p = NetworkRules.PreparePort(new PortRequest($"p{i}", "n1", "p", null, null, "compute:nova", "d", null, []), new NetworkState(Net, [s], ports), new MacAddressGenerator(i));
                Assert.Equal($"10.0.0.{start + 5 + i}", p.FixedIps.Single().IpAddress);
                ports.Add(p);
            }

            Assert.Throws<StoreConflictException>(() =>
                NetworkRules.PreparePort(new PortRequest("x", "n1", "p", null, null, "compute:nova", "d", null, []), new NetworkState(Net, [s], ports), new MacAddressGenerator()));
        });
    }
}
