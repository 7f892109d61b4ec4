using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// Dynamic pools (<c>--dhcp-range=tag0,10.10.10.20,10.10.10.250,1h</c>) with the real server: many real clients at
/// once, returning clients, DECLINE, and a restart from the lease file.
/// </summary>
[Trait("Category", "Namespace")]
public sealed class DynamicPoolTests
{
    private static readonly IPv4Address PoolStart = Seeds.Ip("10.10.10.20");
    private static readonly IPv4Address PoolEnd = Seeds.Ip("10.10.10.250");

    /// <summary>The seed's command line with a pool instead of the static range, and a lease file.</summary>
    private static List<string> PoolArguments(NetworkLab lab, string range = "tag0,10.10.10.20,10.10.10.250,1h")
    {
        List<string> args = lab.SeedArguments();
        args[args.IndexOf("--dhcp-range=tag0,10.10.10.0,static,120s")] = "--dhcp-range=" + range;
        args[args.IndexOf("--leasefile-ro")] = $"--dhcp-leasefile={lab.LeasesFile}";
        return args;
    }

    private static bool InPool(IPv4Address address) => address >= PoolStart && address <= PoolEnd;

    [Fact]
    public async Task TwoHundredRealClientsAtOnce_EachGetsAPoolAddress_NoneTwice()
    {
        ServerProcess.SkipUnderDnsmasq("dnsmasq serves pools too, but this test is about qdhcp's default rate limits");
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        ServerProcess server = await lab.StartServerAsync(PoolArguments(lab));
        Vm[] vms = Enumerable.Range(0, 200).Select(i => lab.AddVm(new MacAddress(0x02_51_00_00_00_00UL + (ulong)i))).ToArray();

        // All at once, with the default rate limits (50 new addresses a second, burst 100): udhcpc retransmits.
        ClientRun[] runs = await Task.WhenAll(vms.Select(vm => RealClients.RunUdhcpcAsync(vm, TimeSpan.FromSeconds(40))));

        Dictionary<IPv4Address, Vm> owners = [];
        for (int i = 0; i < vms.Length; i++)
        {
            ClientLease lease = runs[i].AssertBound();
            IPv4Address address = Seeds.Ip(lease.Address!);
            Assert.True(InPool(address), $"{vms[i]} got {address}, outside the pool");

            // What the namespace has, not only what the client said.
            string configured = vms[i].Addresses();
            Assert.Contains($"inet {address}/24", configured);
            Assert.True(owners.TryAdd(address, vms[i]), $"{address} given to {owners.GetValueOrDefault(address)} and {vms[i]}");
        }

        server.AssertAlive();
    }

    [Fact]
    public async Task ReturningClient_GetsItsAddressBack_AfterReleaseAndAfterARestart()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        List<string> args = PoolArguments(lab);
        ServerProcess server = await lab.StartServerAsync(args);
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("02:51:00:00:01:01")));
        MacAddress returning = MacAddress.Parse("02:51:00:00:01:02");

        IPv4Address first = client.Dora(returning).Yiaddr;
        Assert.True(InPool(first));
        for (int i = 0; i < 5; i++)
        {
            Assert.NotEqual(first, client.Dora(new MacAddress(0x02_51_00_00_02_00UL + (ulong)i)).Yiaddr);
        }

        client.Release(returning, first, NetworkLab.ServerAddress);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(first, client.Dora(returning).Yiaddr);

        // A restart reads the lease back: the client still has its address, and the others keep theirs.
        await server.DisposeAsync();
        await using ServerProcess restarted = await lab.StartServerAsync(args);
        DhcpReply? offer = client.Discover(returning);
        Assert.NotNull(offer);
        Assert.Equal(first, offer.Yiaddr);
        DhcpReply? other = client.Discover(MacAddress.Parse("02:51:00:00:09:99"));
        Assert.NotNull(other);
        Assert.NotEqual(first, other.Yiaddr);
    }

    [Fact]
    public async Task Decline_AddressIsNotOfferedAgain_ClientGetsAnother()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        ServerProcess server = await lab.StartServerAsync(PoolArguments(lab, "tag0,10.10.10.20,10.10.10.21,1h"));
        using CraftedClient client = CraftedClient.Open(lab.AddVm(MacAddress.Parse("02:51:00:00:03:01")));
        MacAddress decliner = MacAddress.Parse("02:51:00:00:03:02");

        IPv4Address declined = client.Dora(decliner).Yiaddr;
        client.Decline(decliner, declined, NetworkLab.ServerAddress);
        await Task.Delay(200, TestContext.Current.CancellationToken);

        IPv4Address second = client.Dora(decliner).Yiaddr;
        Assert.NotEqual(declined, second);
        Assert.True(InPool(second));

        // Two addresses, one declined and one leased: a third client finds the pool empty.
        Assert.Null(client.Discover(MacAddress.Parse("02:51:00:00:03:03"), timeout: TimeSpan.FromSeconds(1)));
        server.AssertAlive();
    }

    [Fact]
    public async Task RealClients_DhclientAndDhcpcd_BindFromThePool()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        ServerProcess server = await lab.StartServerAsync(PoolArguments(lab));
        ClientLease dhclient = (await RealClients.RunDhclientAsync(lab.AddVm(MacAddress.Parse("02:51:00:00:04:01")))).AssertBound();
        ClientLease dhcpcd = (await RealClients.RunDhcpcdAsync(lab.AddVm(MacAddress.Parse("02:51:00:00:04:02")))).AssertBound();

        Assert.True(InPool(Seeds.Ip(dhclient.Address!)));
        Assert.True(InPool(Seeds.Ip(dhcpcd.Address!)));
        Assert.NotEqual(dhclient.Address, dhcpcd.Address);
        Assert.Equal("3600", dhclient.LeaseTime);
        Assert.Equal("10.10.10.1", dhclient.Routers);
        server.AssertAlive();
    }
}
