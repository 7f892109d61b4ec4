using Qdhcp.Integration.Tests.Infrastructure;

namespace Qdhcp.Integration.Tests;

/// <summary>The seed article's check: tcpdump in the DHCP namespace while the VM restarts its networking.</summary>
[Trait("Category", "Namespace")]
public sealed class SeedExchangeTests
{
    [Fact]
    public async Task Dhclient_WithSeedCommandLine_ShowsTheArticlesTcpdumpExchange()
    {
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteHosts("fa:16:3e:fe:c7:87,host-10-10-10-2.openstacklocal,10.10.10.2");
        lab.WriteOpts(Seeds.Options);
        ServerProcess server = await lab.StartServerAsync(lab.SeedArguments());
        Tcpdump capture = await lab.StartTcpdumpAsync();
        Vm vm = lab.AddVm(Seeds.Mac2);

        ClientLease lease = (await RealClients.RunDhclientAsync(vm)).AssertBound();
        IReadOnlyList<string> lines = await capture.WaitForAsync(l => l.Contains("BOOTP/DHCP", StringComparison.Ordinal), 4, TimeSpan.FromSeconds(3));

        Assert.Equal("10.10.10.2", lease.Address);
        // DISCOVER, OFFER, REQUEST, ACK; with -n tcpdump 4.99 prints the ports as 67/68 (the 2014 article's bootps/bootpc).
        const string request = "IP 0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, Request from fa:16:3e:fe:c7:87, length ";
        const string reply = "IP 10.10.10.3.67 > 10.10.10.2.68: BOOTP/DHCP, Reply, length ";
        Assert.True(lines.Count >= 4, $"Expected 4 DHCP packets, tcpdump saw:\n{string.Join('\n', capture.Lines)}");
        Assert.StartsWith(request, lines[0]);
        Assert.StartsWith(reply, lines[1]);
        Assert.StartsWith(request, lines[2]);
        Assert.StartsWith(reply, lines[3]);
        server.AssertAlive();
        lab.AssertHostUnchanged();
    }
}
