// Store calls here are in-memory and instant; the test timeout covers the network waits.
#pragma warning disable xUnit1051
using System.Diagnostics;
using Qdhcp.Agent.Linux.Hosting;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// The agent role (issue 4): one process, one engine per network, each network's sockets inside its own
/// <c>qdhcp-&lt;id&gt;</c> namespace, plumbing made from the store, live changes, resync. Runs the
/// <see cref="AgentRuntime"/> in-process over an in-memory store; VMs are namespaces on the agent's bridges.
/// </summary>
[Trait("Category", "Namespace")]
public sealed class AgentTests
{
    private static readonly MacAddress MacA = MacAddress.Parse("fa:16:3e:a9:00:0a");
    private static readonly MacAddress MacB = MacAddress.Parse("fa:16:3e:a9:00:0b");

    [Fact]
    public async Task TwoNetworksWithTheSameCidr_OneAgent_EachVmGetsItsOwnNetworksAddress()
    {
        await using AgentLab lab = AgentLab.Create();
        (Network net1, Subnet sub1) = await lab.AddNetworkAsync("10.50.0.0/24");
        (Network net2, Subnet sub2) = await lab.AddNetworkAsync("10.50.0.0/24");
        await lab.AddPortAsync(net1, sub1, MacA, "10.50.0.10");
        await lab.AddPortAsync(net2, sub2, MacB, "10.50.0.20");
        AgentRuntime agent = await lab.StartAgentAsync();
        Assert.Equal(2, agent.NetworksServed.Count);
        Assert.Empty(agent.LastResync!.Failures);

        Vm vmA = lab.AddVm(net1, MacA);
        Vm vmB = lab.AddVm(net2, MacB);
        using CraftedClient clientA = CraftedClient.Open(vmA);
        using CraftedClient clientB = CraftedClient.Open(vmB);
        Assert.Equal(IPv4Address.Parse("10.50.0.10"), clientA.Dora().Yiaddr);
        Assert.Equal(IPv4Address.Parse("10.50.0.20"), clientB.Dora().Yiaddr);

        // Each network's reservation is its own: MacB is unknown on net1 and MacA on net2.
        Assert.Null(clientA.Discover(MacB, timeout: TimeSpan.FromSeconds(1)));
        Assert.Null(clientB.Discover(MacA, timeout: TimeSpan.FromSeconds(1)));

        // The plumbing is Neutron's: the DHCP port's tap in the namespace with its address, MTU and default route.
        Port dhcp = (await lab.Store.ListPortsAsync(net1.Id)).Single(p => p.IsDhcpPort);
        string tap = Shell.Ip("-n", net1.Namespace, "-4", "-o", "addr", "show", "dev", dhcp.TapName);
        Assert.Contains($"{dhcp.FixedIps[0].IpAddress}/24", tap);
        Assert.Contains("mtu 1450", Shell.Ip("-n", net1.Namespace, "-o", "link", "show", "dev", dhcp.TapName));
        Assert.Contains("default via 10.50.0.1", Shell.Ip("-n", net1.Namespace, "route"));
        Assert.Single(agent.GetLeases(net1.Id)!, l => l.Mac == MacA);
        Assert.Single(agent.GetLeases(net2.Id)!, l => l.Mac == MacB);
    }

    [Fact]
    public async Task PortCreateIpChangeDelete_TakeEffectAtOnce()
    {
        await using AgentLab lab = AgentLab.Create();
        (Network net, Subnet sub) = await lab.AddNetworkAsync("10.51.0.0/24");
        AgentRuntime agent = await lab.StartAgentAsync();
        Vm vm = lab.AddVm(net, MacA);
        using CraftedClient client = CraftedClient.Open(vm);
        Assert.Null(client.Discover(timeout: TimeSpan.FromMilliseconds(500)));

        // Created: served by the next DISCOVER. Measured from the API's store call returning to the OFFER arriving.
        Stopwatch clock = Stopwatch.StartNew();
        Port port = await lab.AddPortAsync(net, sub, MacA, "10.51.0.20");
        DhcpReply? offer = null;
        while (offer is null && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            offer = client.Discover(timeout: TimeSpan.FromMilliseconds(10));
        }

        NetworkLab.Log($"port create -> first OFFER: {clock.Elapsed.TotalMilliseconds:F1} ms");
        Assert.NotNull(offer);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        DhcpReply ack = client.Dora();
        Assert.Equal(IPv4Address.Parse("10.51.0.20"), ack.Yiaddr);
        IPv4Address serverId = ack.Packet.ServerId!.Value;

        // IP changed: the renewal of the old address is NAKed, the next DORA gets the new one.
        await lab.Store.UpdatePortAsync(port.Id, new PortUpdate(FixedIps: [new FixedIpRequest(sub.Id, "10.51.0.21")]));
        await agent.WhenIdleAsync();
        DhcpReply? nak = Renew(client, MacA, IPv4Address.Parse("10.51.0.20"));
        Assert.True(nak is not null && nak.Type == Dhcp4MessageType.Nak, $"expected NAK, got {nak}");
        Assert.Equal(IPv4Address.Parse("10.51.0.21"), client.Dora().Yiaddr);
        Assert.DoesNotContain(agent.GetLeases(net.Id)!, l => l.Address == IPv4Address.Parse("10.51.0.20"));

        // Deleted: its lease is released in-process and it is no longer served.
        await lab.Store.DeletePortAsync(port.Id);
        await agent.WhenIdleAsync();
        Assert.DoesNotContain(agent.GetLeases(net.Id)!, l => l.Mac == MacA);
        Assert.Null(client.Discover(timeout: TimeSpan.FromMilliseconds(500)));
        Assert.Equal(serverId, IPv4Address.Parse((await lab.Store.ListPortsAsync(net.Id)).Single(p => p.IsDhcpPort).FixedIps[0].IpAddress));
    }

    [Fact]
    public async Task SubnetOptionsChange_AppliesToTheNextReply()
    {
        await using AgentLab lab = AgentLab.Create();
        (Network net, Subnet sub) = await lab.AddNetworkAsync("10.52.0.0/24");
        await lab.AddPortAsync(net, sub, MacA, "10.52.0.30");
        AgentRuntime agent = await lab.StartAgentAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(net, MacA));
        Assert.Equal([IPv4Address.Parse("10.52.0.53")], client.Dora().Packet.AddressListOption(Dhcp4OptionCode.DomainNameServer));

        await lab.Store.UpdateSubnetAsync(sub with { DnsNameservers = ["10.52.0.54"] });
        await agent.WhenIdleAsync();
        Assert.Equal([IPv4Address.Parse("10.52.0.54")], client.Dora().Packet.AddressListOption(Dhcp4OptionCode.DomainNameServer));
    }

    [Fact]
    public async Task Restart_KeepsPlumbingUntouched_AndRenewalsAreNeverNaked()
    {
        await using AgentLab lab = AgentLab.Create();
        (Network net, Subnet sub) = await lab.AddNetworkAsync("10.53.0.0/24");
        await lab.AddPortAsync(net, sub, MacA, "10.53.0.40");
        await lab.StartAgentAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(net, MacA));
        IPv4Address address = client.Dora().Yiaddr;

        // Bound, as a real client would be: the server's unicast ACKs to ciaddr need the VM to answer ARP.
        client.Vm.AddAddress($"{address}/24");
        string tapIndex = Shell.Ip("-n", net.Namespace, "-o", "link").Split('\n').First(l => l.Contains("tap", StringComparison.Ordinal)).Split(':')[0];

        // Renew continuously while the agent stops and starts again: every answer is an ACK, never a NAK.
        using CancellationTokenSource stop = new();
        int acks = 0;
        List<string> bad = [];
        Task renewing = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                DhcpReply? reply = Renew(client, MacA, address, TimeSpan.FromMilliseconds(300));
                if (reply?.Type == Dhcp4MessageType.Ack)
                {
                    Interlocked.Increment(ref acks);
                }
                else if (reply is not null)
                {
                    lock (bad)
                    {
                        bad.Add(reply.ToString());
                    }
                }
            }
        });
        await Task.Delay(500);
        await lab.StopAgentAsync();
        AgentRuntime again = await lab.StartAgentAsync();
        Assert.Equal(0, again.LastResync!.Changed);
        Assert.Equal(1, again.LastResync.Untouched);
        int before = Volatile.Read(ref acks);
        await Task.Delay(800);
        stop.Cancel();
        await renewing;
        Assert.Empty(bad);
        Assert.True(acks > before, "no ACK after the restart");
        Assert.Contains(again.GetLeases(net.Id)!, l => l.Mac == MacA && l.Address == address);

        // Untouched: the same tap (same ifindex) serves on.
        Assert.StartsWith(tapIndex + ":", Shell.Ip("-n", net.Namespace, "-o", "link").Split('\n').First(l => l.Contains("tap", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Resync_RemovesStaleNamespacesItOwns_AndLeavesOthersAlone()
    {
        await using AgentLab lab = AgentLab.Create();
        (Network net, Subnet sub) = await lab.AddNetworkAsync("10.54.0.0/24");
        await lab.StartAgentAsync();
        Assert.True(AgentLab.NamespaceExists(net.Namespace));
        await lab.StopAgentAsync();

        // While the agent is down the network is deleted (and another agent's namespace appears).
        string foreign = lab.AddForeignNamespace();
        await lab.Store.DeleteNetworkAsync(net.Id);
        AgentRuntime again = await lab.StartAgentAsync();
        Assert.Equal(1, again.LastResync!.Removed);
        Assert.False(AgentLab.NamespaceExists(net.Namespace), "the agent's stale namespace is still there");
        Assert.False(AgentLab.LinkExists(net.Bridge), "the agent's stale bridge is still there");
        Assert.True(AgentLab.NamespaceExists(foreign), "a namespace the agent does not own was removed");

        // A network deleted while the agent runs is torn down at once.
        (Network live, _) = await lab.AddNetworkAsync("10.55.0.0/24");
        await again.WhenIdleAsync();
        Assert.True(AgentLab.NamespaceExists(live.Namespace));
        await lab.Store.DeleteNetworkAsync(live.Id);
        await again.WhenIdleAsync();
        Assert.False(AgentLab.NamespaceExists(live.Namespace));
        Assert.DoesNotContain(live.Id, again.NetworksServed);
    }

    /// <summary>A REBINDING request (ciaddr set, broadcast), as a client whose renewal timer ran out sends it.</summary>
    private static DhcpReply? Renew(CraftedClient client, MacAddress mac, IPv4Address address, TimeSpan? timeout = null)
    {
        uint xid = CraftedClient.NewXid();
        client.SendBroadcast(CraftedClient.RequestPacket(mac, xid, requested: null, ciaddr: address, broadcast: true));
        return client.ReceiveReply(xid, timeout ?? TimeSpan.FromSeconds(2));
    }
}
