using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>Hand-made DHCP messages from a VM namespace: protocol corner cases and how replies are addressed.</summary>
[Trait("Category", "Namespace")]
public sealed class CraftedPacketTests
{
    private static readonly IPv4Address Server = NetworkLab.ServerAddress;
    private static readonly IPv4Address Ip2 = Seeds.Ip("10.10.10.2");
    private static readonly IPv4Address Ip5 = Seeds.Ip("10.10.10.5");

    [Fact]
    public async Task UnknownMac_GetsNoAnswer()
    {
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(Seeds.UnknownMac));

        DhcpReply? reply = client.Discover(timeout: TimeSpan.FromSeconds(2));

        Assert.True(reply is null, $"Expected silence for an unknown MAC, got {reply}");
        // Control: the same socket does get an answer for a reserved MAC, so the silence above means something.
        Assert.NotNull(client.Discover(Seeds.Mac2));
        server.AssertAlive();
    }

    [Fact]
    public async Task InitRebootRequest_ForWrongAddress_AfterALease_GetsBroadcastNak()
    {
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(Seeds.Mac2));
        Assert.Equal(Ip2, client.Dora().Yiaddr);

        // INIT-REBOOT: no server id, requested address = what the client remembers, here not its reservation.
        AssertBroadcastNak(client.Request(Seeds.Mac2, Seeds.Ip("10.10.10.9"), serverId: null));
        server.AssertAlive();
    }

    [Fact]
    public async Task InitRebootRequest_ForWrongAddress_WithoutALease_GetsBroadcastNak()
    {
        ServerProcess.SkipUnderDnsmasq(
            "dnsmasq stays silent on an INIT-REBOOT REQUEST from a client it holds no lease for unless --dhcp-authoritative " +
            "is given (rfc2131.c), even when the client has a dhcp-host reservation; qdhcp knows the client by its " +
            "reservation (leases are not persisted under --leasefile-ro) and must NAK the wrong address.");
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(Seeds.Mac2));

        AssertBroadcastNak(client.Request(Seeds.Mac2, Seeds.Ip("10.10.10.9"), serverId: null));
        server.AssertAlive();
    }

    private static void AssertBroadcastNak(DhcpReply? reply)
    {
        Assert.True(reply is not null, "No reply to the INIT-REBOOT REQUEST for a wrong address; expected a NAK.");
        Assert.Equal(Dhcp4MessageType.Nak, reply.Type);
        Assert.Equal(IPv4Address.Any, reply.Yiaddr);
        Assert.Equal(Server, reply.Packet.ServerId);
        // RFC 2131 §4.1: with giaddr 0 a NAK is broadcast.
        Assert.Equal(IPv4Address.Broadcast, reply.Frame.DestinationIp);
        Assert.Equal(68, reply.Frame.DestinationPort);
    }

    [Fact]
    public async Task Release_ThenDiscover_GetsAnOfferAgain()
    {
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(Seeds.Mac2));

        DhcpReply ack = client.Dora();
        Assert.Equal(Ip2, ack.Yiaddr);
        client.Release(Seeds.Mac2, Ip2, Server);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        DhcpReply? offer = client.Discover();

        Assert.NotNull(offer);
        Assert.Equal(Dhcp4MessageType.Offer, offer.Type);
        Assert.Equal(Ip2, offer.Yiaddr);
        server.AssertAlive();
    }

    [Fact]
    public async Task Inform_FromConfiguredAddress_GetsAckWithOptionsUnicastToCiaddrWithoutLease()
    {
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        Vm vm = lab.AddVm(Seeds.Mac5, "10.10.10.5/24");
        using CraftedClient client = CraftedClient.Open(vm);

        DhcpReply? ack = client.Inform(Ip5, Server);

        Assert.NotNull(ack);
        Assert.Equal(Dhcp4MessageType.Ack, ack.Type);
        // RFC 2131 §4.3.5: no yiaddr, no lease time; the configuration options.
        Assert.Equal(IPv4Address.Any, ack.Yiaddr);
        Assert.False(ack.Packet.HasOption(Dhcp4OptionCode.IPAddressLeaseTime), $"INFORM's ACK carries a lease time: {ack}");
        Assert.Equal([Seeds.Ip("10.10.10.1")], ack.Packet.AddressListOption(Dhcp4OptionCode.Router));
        Assert.Equal([Server], ack.Packet.AddressListOption(Dhcp4OptionCode.DomainNameServer));
        Assert.Equal("openstacklocal", ack.Packet.TextOption(Dhcp4OptionCode.DomainName));
        Assert.Equal(Ip5, ack.Frame.DestinationIp);
        Assert.Equal(68, ack.Frame.DestinationPort);
        Assert.Equal(vm.Mac, ack.Frame.DestinationMac);
    }

    [Fact]
    public async Task UnicastRenewal_FromBoundAddress_GetsAckUnicastToCiaddr()
    {
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        Vm vm = lab.AddVm(Seeds.Mac2);
        using CraftedClient client = CraftedClient.Open(vm);
        Assert.Equal(Ip2, client.Dora().Yiaddr);
        vm.AddAddress("10.10.10.2/24");

        // RENEWING (RFC 2131 §4.3.2): ciaddr set, no requested address, no server id, unicast to the server.
        uint xid = CraftedClient.NewXid();
        client.SendUdp(CraftedClient.RequestPacket(Seeds.Mac2, xid, requested: null, ciaddr: Ip2).Encode(), Ip2, Server);
        DhcpReply? ack = client.ReceiveReply(xid);

        Assert.NotNull(ack);
        Assert.Equal(Dhcp4MessageType.Ack, ack.Type);
        Assert.Equal(Ip2, ack.Yiaddr);
        Assert.Equal(120u, ack.Packet.LeaseTime);
        Assert.Equal(Server, ack.Frame.SourceIp);
        Assert.Equal(Ip2, ack.Frame.DestinationIp);
        Assert.Equal(68, ack.Frame.DestinationPort);
        Assert.Equal(Seeds.Mac2, ack.Frame.DestinationMac);
    }

    [Fact]
    public async Task RelayedDiscover_OfferIsSentToGiaddrPort67()
    {
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        IPv4Address relayAddress = Seeds.Ip("10.10.10.254");
        Vm relay = lab.AddVm(MacAddress.Parse("fa:16:3e:aa:aa:01"), "10.10.10.254/24");
        using CraftedClient agent = CraftedClient.Open(relay);

        uint xid = CraftedClient.NewXid();
        DhcpPacket discover = CraftedClient.DiscoverPacket(Seeds.Mac2, xid);
        discover.Giaddr = relayAddress;
        discover.Hops = 1;
        agent.SendUdp(discover.Encode(), relayAddress, Server, fromPort: 67, toPort: 67);
        DhcpReply? offer = agent.ReceiveReply(xid);

        Assert.NotNull(offer);
        Assert.Equal(Dhcp4MessageType.Offer, offer.Type);
        Assert.Equal(Ip2, offer.Yiaddr);
        Assert.Equal(relayAddress, offer.Packet.Giaddr);
        Assert.Equal(Server, offer.Frame.SourceIp);
        Assert.Equal(67, offer.Frame.SourcePort);
        Assert.Equal(relayAddress, offer.Frame.DestinationIp);
        Assert.Equal(67, offer.Frame.DestinationPort);
        Assert.Equal(relay.Mac, offer.Frame.DestinationMac);
    }

    [Fact]
    public async Task BroadcastFlag_OfferAndAckAreBroadcast()
    {
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(Seeds.Mac2));

        DhcpReply? offer = client.Discover(broadcast: true);
        Assert.NotNull(offer);
        DhcpReply? ack = client.Request(Seeds.Mac2, offer.Yiaddr, offer.Packet.ServerId, broadcast: true);
        Assert.NotNull(ack);

        foreach (DhcpReply reply in new[] { offer, ack })
        {
            Assert.Equal(Ip2, reply.Yiaddr);
            Assert.Equal(IPv4Address.Broadcast, reply.Frame.DestinationIp);
            Assert.Equal(MacAddress.Broadcast, reply.Frame.DestinationMac);
            Assert.Equal(68, reply.Frame.DestinationPort);
            Assert.Equal(Server, reply.Frame.SourceIp);
        }
    }

    [Fact]
    public async Task NoBroadcastFlag_OfferAndAckAreUnicastToYiaddrAtChaddr()
    {
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(Seeds.Mac2));

        DhcpReply? offer = client.Discover();
        Assert.NotNull(offer);
        DhcpReply? ack = client.Request(Seeds.Mac2, offer.Yiaddr, offer.Packet.ServerId);
        Assert.NotNull(ack);

        foreach (DhcpReply reply in new[] { offer, ack })
        {
            // The seed's "IP 10.10.10.3.67 > 10.10.10.2.68": to the offered address, at the client's MAC, before it has an address.
            Assert.Equal(Ip2, reply.Yiaddr);
            Assert.Equal(Ip2, reply.Frame.DestinationIp);
            Assert.Equal(Seeds.Mac2, reply.Frame.DestinationMac);
            Assert.Equal(68, reply.Frame.DestinationPort);
            Assert.Equal(Server, reply.Frame.SourceIp);
            Assert.Equal(lab.ServerMac, reply.Frame.SourceMac);
        }
    }

    [Fact]
    public async Task RequestSelectingAnotherServer_GetsNoAnswer()
    {
        await using NetworkLab lab = NetworkLab.Create();
        ServerProcess server = await lab.StartServerAsync();
        using CraftedClient client = CraftedClient.Open(lab.AddVm(Seeds.Mac2));

        DhcpReply? offer = client.Discover();
        Assert.NotNull(offer);
        // SELECTING with server id 10.10.10.99: the client chose another server's offer (RFC 2131 §4.3.2).
        DhcpReply? reply = client.Request(Seeds.Mac2, offer.Yiaddr, Seeds.Ip("10.10.10.99"), timeout: TimeSpan.FromSeconds(2));

        Assert.True(reply is null, $"Expected silence, got {reply}");
        // Control: selecting this server's offer is answered.
        Assert.Equal(Dhcp4MessageType.Ack, client.Request(Seeds.Mac2, offer.Yiaddr, Server)?.Type);
        server.AssertAlive();
    }
}
