using Qdhcp.Integration.Tests.Infrastructure;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// Real Linux DHCP clients against the server with the captures README's configuration: each gets its reserved
/// address and the options Neutron configures, and the VM namespace ends up configured accordingly.
/// </summary>
[Trait("Category", "Namespace")]
public sealed class RealClientTests
{
    private const string Routes = "169.254.169.254/32 10.10.10.3 0.0.0.0/0 10.10.10.1";

    [Fact]
    public async Task Dhclient_GetsReservedAddressRouterDnsDomainMtuAndClasslessRoutes()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        ServerProcess server = await lab.StartServerAsync();
        Vm vm = lab.AddVm(Seeds.Mac2);

        ClientLease lease = (await RealClients.RunDhclientAsync(vm)).AssertBound();

        AssertCaptureLease(lease, "10.10.10.2", "host-10-10-10-2");
        AssertVmConfigured(vm, "10.10.10.2", expectLinkMtu: true);
        server.AssertAlive();
        lab.AssertHostUnchanged();
    }

    [Fact]
    public async Task Udhcpc_GetsReservedAddressRouterDnsDomainMtuAndClasslessRoutes()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        ServerProcess server = await lab.StartServerAsync();
        Vm vm = lab.AddVm(Seeds.Mac5);

        ClientLease lease = (await RealClients.RunUdhcpcAsync(vm)).AssertBound();

        AssertCaptureLease(lease, "10.10.10.5", "host-10-10-10-5");
        Assert.Equal(Routes, lease.Environment.GetValueOrDefault("msstaticroutes"));
        AssertVmConfigured(vm, "10.10.10.5", expectLinkMtu: true);
        server.AssertAlive();
        lab.AssertHostUnchanged();
    }

    [Fact]
    public async Task Dhcpcd_GetsReservedAddressRouterDnsDomainMtuAndClasslessRoutes()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        ServerProcess server = await lab.StartServerAsync();
        Vm vm = lab.AddVm(Seeds.Mac6);

        ClientLease lease = (await RealClients.RunDhcpcdAsync(vm)).AssertBound();

        AssertCaptureLease(lease, "10.10.10.6", "host-10-10-10-6");
        // dhcpcd 9 applies the MTU as a route attribute (Debian ships no 10-mtu hook), not on the link.
        AssertVmConfigured(vm, "10.10.10.6", expectLinkMtu: false);
        Assert.Contains("mtu 1450", vm.Routes());
        server.AssertAlive();
        lab.AssertHostUnchanged();
    }

    private static void AssertCaptureLease(ClientLease lease, string address, string hostName)
    {
        Assert.Equal(address, lease.Address);
        Assert.Equal("255.255.255.0", lease.SubnetMask);
        Assert.Equal("10.10.10.1", lease.Routers);
        Assert.Equal("10.10.10.3", lease.DnsServers);
        Assert.Equal("openstacklocal", lease.DomainName);
        Assert.Equal(hostName, lease.HostName);
        Assert.Equal("1450", lease.Mtu);
        Assert.Equal(Routes, lease.ClasslessRoutes);
        Assert.Equal("120", lease.LeaseTime);
        Assert.Equal("10.10.10.3", lease.ServerId);
    }

    /// <summary>What an operator checks first: the address, the routes, the MTU, and that the VM can ping the DHCP port.</summary>
    private static void AssertVmConfigured(Vm vm, string address, bool expectLinkMtu)
    {
        Assert.Contains($"inet {address}/24", vm.Addresses());
        string routes = vm.Routes();
        Assert.Contains("169.254.169.254 via 10.10.10.3", routes);
        Assert.Contains("default via 10.10.10.1", routes);
        if (expectLinkMtu)
        {
            Assert.Equal(1450, vm.LinkMtu());
        }

        if (Shell.Which("ping") is not null)
        {
            Shell.Result ping = vm.Exec("ping", "-c", "1", "-W", "2", NetworkLab.ServerAddress.ToString());
            Assert.True(ping.Ok, $"The VM cannot ping the DHCP port: {ping}");
        }
    }
}
