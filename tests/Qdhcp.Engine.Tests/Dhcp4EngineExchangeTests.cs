using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;
using static Qdhcp.Engine.Tests.TestNetwork;

namespace Qdhcp.Engine.Tests;

/// <summary>Whole exchanges (RFC 2131 §3.1, §3.2, §4.3) through <see cref="TestDhcp4Client"/>.</summary>
public class Dhcp4EngineExchangeTests
{
    private readonly TestClock _clock = new();

    private TestDhcp4Client Client(Dhcp4Engine engine, MacAddress mac) => new(engine, mac, _clock);

    [Fact]
    public void DoDora_ReservedHost_GetsItsReservedAddress()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);

        ParsedReply? offer = client.DoDiscover();
        Assert.NotNull(offer);
        Assert.Equal(Dhcp4MessageType.Offer, offer.MessageType);
        Assert.Equal(Vm1Address, offer.Yiaddr);
        Assert.Equal(IPv4Address.Any, offer.Ciaddr);
        Assert.Equal(0, engine.Leases.Count); // an OFFER records nothing

        ParsedReply? ack = client.DoDora();
        Assert.NotNull(ack);
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(Vm1Address, ack.Yiaddr);
        Assert.Equal(ClientState.Bound, client.State);
        Assert.True(client.LastResult.LeasesChanged);

        Assert.True(engine.Leases.TryGet(Vm1Address, out LeaseRecord lease));
        Assert.Equal(Vm1, lease.Mac);
        Assert.Equal("host-10-10-10-2", lease.HostName);
        Assert.Equal(_clock.Now + 120, lease.ExpiresUnixSeconds);
    }

    [Fact]
    public void DoDora_ThreeCaptureClients_EachGetsItsAddress()
    {
        Dhcp4Engine engine = NewEngine();
        Assert.Equal(Vm1Address, Client(engine, Vm1).DoDora()!.Yiaddr);
        Assert.Equal(Vm2Address, Client(engine, Vm2).DoDora()!.Yiaddr);
        Assert.Equal(Vm3Address, Client(engine, Vm3).DoDora()!.Yiaddr);
        Assert.Equal(3, engine.Leases.Count);
    }

    [Fact]
    public void Offer_NoBroadcastFlag_UnicastToYiaddrAtChaddr()
    {
        // The captures: every client's DISCOVER has the broadcast flag clear, so dnsmasq sends OFFER and ACK to
        // 10.10.10.x:68 at the client's MAC.
        var client = Client(NewEngine(), Vm1);
        ParsedReply offer = client.DoDiscover()!;
        Assert.Equal(new ReplyDestination(ReplyDestinationKind.UnicastToHardware, Vm1Address, 68, Vm1), offer.Destination);
        ParsedReply ack = client.DoDora()!;
        Assert.Equal(new ReplyDestination(ReplyDestinationKind.UnicastToHardware, Vm1Address, 68, Vm1), ack.Destination);
    }

    [Fact]
    public void Offer_BroadcastFlag_BroadcastDestinationAndFlagEchoed()
    {
        var client = Client(NewEngine(), Vm1);
        client.BroadcastFlag = true;
        ParsedReply offer = client.DoDiscover()!;
        Assert.Equal(ReplyDestinationKind.Broadcast, offer.Destination.Kind);
        Assert.Equal(IPv4Address.Broadcast, offer.Destination.Address);
        Assert.Equal(68, offer.Destination.Port);
        Assert.Equal(Dhcp4Header.BroadcastFlag, offer.Flags);
    }

    [Fact]
    public void Offer_AlwaysBroadcastConfigured_BroadcastDestination()
    {
        var client = Client(NewEngine(Configuration() with { AlwaysBroadcast = true }), Vm1);
        Assert.Equal(ReplyDestinationKind.Broadcast, client.DoDiscover()!.Destination.Kind);
    }

    [Fact]
    public void Discover_UnknownMac_DroppedAsUnknownClient()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Stranger);
        Assert.Null(client.DoDiscover());
        Assert.Equal(Dhcp4DropReason.UnknownClient, client.LastResult.DropReason);
        Assert.Equal(Dhcp4MessageType.Discover, client.LastResult.RequestType);
        Assert.Equal(1, engine.Counters.Dropped(Dhcp4DropReason.UnknownClient));
    }

    [Fact]
    public void Request_UnknownMacNotAuthoritative_Dropped()
    {
        var client = Client(NewEngine(), Stranger);
        Assert.Null(client.DoInitReboot(Vm1Address));
        Assert.Equal(Dhcp4DropReason.UnknownClient, client.LastResult.DropReason);
    }

    [Fact]
    public void Request_UnknownMacAuthoritative_Nak()
    {
        var client = Client(NewEngine(Configuration() with { Authoritative = true }), Stranger);
        Assert.Equal(Dhcp4MessageType.Nak, client.DoInitReboot(Vm1Address)!.MessageType);
    }

    [Fact]
    public void Discover_HostWithoutAddress_DroppedAsUnknownClient()
    {
        var tagsOnly = new Reservation(Stranger, null, null, null, null, ["port-x"]);
        var client = Client(NewEngine(Configuration(hosts: [tagsOnly])), Stranger);
        Assert.Null(client.DoDiscover());
        Assert.Equal(Dhcp4DropReason.UnknownClient, client.LastResult.DropReason);
    }

    [Fact]
    public void Discover_ReservationOutsideEverySubnet_DroppedAsNoRange()
    {
        var client = Client(NewEngine(Configuration(hosts: [Host(Vm1, IPv4Address.Parse("192.168.1.5"))])), Vm1);
        Assert.Null(client.DoDiscover());
        Assert.Equal(Dhcp4DropReason.NoRange, client.LastResult.DropReason);
    }

    [Fact]
    public void Discover_RequestedAddressHint_IgnoredAndReservationOffered()
    {
        var client = Client(NewEngine(), Vm1);
        byte[] discover = client.Build(Dhcp4MessageType.Discover, IPv4Address.Any, IPv4Address.Parse("10.10.10.50"), null);
        Assert.Equal(Vm1Address, client.Send(discover)!.Yiaddr);
    }

    [Fact]
    public void Discover_ClientIdReservation_MatchesByOption61WhateverTheMac()
    {
        byte[] clientId = [0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07];
        var byId = new Reservation(null, clientId, "by-id", IPv4Address.Parse("10.10.10.9"), null, []);
        Dhcp4Engine engine = NewEngine(Configuration(hosts: [.. DefaultHosts, byId]));
        var client = Client(engine, Stranger);
        client.ClientId = clientId;

        ParsedReply ack = client.DoDora()!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(IPv4Address.Parse("10.10.10.9"), ack.Yiaddr);
        Assert.True(engine.Leases.TryGet(IPv4Address.Parse("10.10.10.9"), out LeaseRecord lease));
        Assert.Equal(clientId, lease.ClientId);
    }

    [Fact]
    public void Discover_ClientIdReservation_WinsOverMacReservation()
    {
        // dnsmasq: a line matching the client-id is taken before one matching the MAC.
        byte[] clientId = [0x01, 0xfa, 0x16, 0x3e, 0xfe, 0xc7, 0x87];
        var byId = new Reservation(null, clientId, null, IPv4Address.Parse("10.10.10.9"), null, []);
        var client = Client(NewEngine(Configuration(hosts: [.. DefaultHosts, byId])), Vm1);
        client.ClientId = clientId;
        Assert.Equal(IPv4Address.Parse("10.10.10.9"), client.DoDora()!.Yiaddr);
    }

    [Fact]
    public void Discover_ClientIdMismatch_FallsBackToMac()
    {
        var byId = new Reservation(null, [0x01, 0x02], null, IPv4Address.Parse("10.10.10.9"), null, []);
        var client = Client(NewEngine(Configuration(hosts: [.. DefaultHosts, byId])), Vm1);
        client.ClientId = [0x01, 0x03];
        Assert.Equal(Vm1Address, client.DoDora()!.Yiaddr);
    }

    [Fact]
    public void Discover_IgnoredHost_DroppedAsIgnoredClient()
    {
        var ignored = new Reservation(Vm1, null, null, Vm1Address, null, [], Ignore: true);
        var client = Client(NewEngine(Configuration(hosts: [ignored])), Vm1);
        Assert.Null(client.DoDiscover());
        Assert.Equal(Dhcp4DropReason.IgnoredClient, client.LastResult.DropReason);
        Assert.Null(client.DoInitReboot(Vm1Address));
        Assert.Equal(Dhcp4DropReason.IgnoredClient, client.LastResult.DropReason);
    }

    [Fact]
    public void RequestSelecting_OurServerIdAndReservedAddress_Ack()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm2);
        ParsedReply ack = client.Send(client.BuildRequestSelecting(ServerAddress, Vm2Address))!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(Vm2Address, ack.Yiaddr);
        Assert.True(engine.Leases.TryGet(Vm2Address, out _));
    }

    [Fact]
    public void RequestSelecting_WrongRequestedAddress_NakAndNoLease()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm2);
        ParsedReply nak = client.Send(client.BuildRequestSelecting(ServerAddress, IPv4Address.Parse("10.10.10.77")))!;
        AssertNak(nak);
        Assert.Equal(0, engine.Leases.Count);
    }

    [Fact]
    public void RequestSelecting_OtherServerId_DroppedWithoutNak()
    {
        // Neutron runs several DHCP servers per network: the client chose another one; a NAK would undo its work.
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        Assert.Null(client.Send(client.BuildRequestSelecting(IPv4Address.Parse("10.10.10.4"), Vm1Address)));
        Assert.Equal(Dhcp4DropReason.OtherServer, client.LastResult.DropReason);
        Assert.Equal(0, engine.Leases.Count);
        Assert.Equal(0, engine.Counters.Sent(Dhcp4MessageType.Nak));
    }

    [Fact]
    public void RequestSelecting_OtherServerIdAndWrongAddress_StillNoNak()
    {
        var client = Client(NewEngine(), Vm1);
        Assert.Null(client.Send(client.BuildRequestSelecting(IPv4Address.Parse("10.10.10.4"), IPv4Address.Parse("10.10.10.77"))));
        Assert.Equal(Dhcp4DropReason.OtherServer, client.LastResult.DropReason);
    }

    [Fact]
    public void Request_NoAddressAtAll_DroppedAsMissingField()
    {
        var client = Client(NewEngine(), Vm1);
        Assert.Null(client.Send(client.Build(Dhcp4MessageType.Request, IPv4Address.Any, null, null)));
        Assert.Equal(Dhcp4DropReason.MissingField, client.LastResult.DropReason);
    }

    [Fact]
    public void DoInitReboot_ReservedAddress_Ack()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm3);
        ParsedReply ack = client.DoInitReboot(Vm3Address)!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(Vm3Address, ack.Yiaddr);
        Assert.Equal(ReplyDestinationKind.UnicastToHardware, ack.Destination.Kind);
        Assert.True(engine.Leases.TryGet(Vm3Address, out _));
    }

    [Fact]
    public void DoInitReboot_WrongAddress_NakBroadcastWithServerIdAndMessage()
    {
        var client = Client(NewEngine(), Vm3);
        ParsedReply nak = client.DoInitReboot(IPv4Address.Parse("10.10.10.66"))!;
        AssertNak(nak);
        Assert.Equal(new ReplyDestination(ReplyDestinationKind.Broadcast, IPv4Address.Broadcast, 68, default), nak.Destination);
        Assert.Equal(ClientState.Init, client.State);
    }

    [Fact]
    public void DoInitReboot_AddressOnAnotherNetwork_Nak()
    {
        // A laptop moved between networks: RFC 2131 §4.3.2 wants a NAK for a wrong-network INIT-REBOOT.
        var client = Client(NewEngine(), Vm3);
        AssertNak(client.DoInitReboot(IPv4Address.Parse("192.168.0.20"))!);
    }

    [Fact]
    public void DoRenew_AfterDora_AckUnicastToCiaddr()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        _clock.Advance(60);

        ParsedReply ack = client.DoRenew()!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(Vm1Address, ack.Yiaddr);
        Assert.Equal(Vm1Address, ack.Ciaddr);
        Assert.Equal(new ReplyDestination(ReplyDestinationKind.Unicast, Vm1Address, 68, default), ack.Destination);
        Assert.True(engine.Leases.TryGet(Vm1Address, out LeaseRecord lease));
        Assert.Equal(_clock.Now + 120, lease.ExpiresUnixSeconds);
        Assert.Equal(1, engine.Leases.Count);
    }

    [Fact]
    public void DoRebind_AfterDora_Ack()
    {
        var client = Client(NewEngine(), Vm2);
        client.DoDora();
        _clock.Advance(105);
        ParsedReply ack = client.DoRebind()!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(Vm2Address, ack.Yiaddr);
        Assert.Equal(ReplyDestinationKind.Unicast, ack.Destination.Kind);
        Assert.Equal(ClientState.Bound, client.State);
    }

    [Fact]
    public void DoRenew_AfterLeaseExpired_StillAckForReservation()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        _clock.Advance(10_000);
        Assert.Equal(Dhcp4MessageType.Ack, client.DoRenew()!.MessageType);
    }

    [Fact]
    public void DoRenew_AfterServerRestartWithEmptyLeaseTable_AckNotNak()
    {
        // Neutron's NAK-after-restart problem: the reservation, not the lease table, is the truth.
        var client = Client(NewEngine(), Vm1);
        client.DoDora();

        Dhcp4Engine restarted = NewEngine();
        client.Engine = restarted;
        Assert.Equal(0, restarted.Leases.Count);

        ParsedReply ack = client.DoRenew()!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(Vm1Address, ack.Yiaddr);
        Assert.True(restarted.Leases.TryGet(Vm1Address, out _));

        Assert.Equal(Dhcp4MessageType.Ack, client.DoRebind()!.MessageType);
    }

    [Fact]
    public void DoRenew_ReservationChangedOnReload_NakThenDoraGetsNewAddress()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        Assert.True(engine.Leases.TryGet(Vm1Address, out _));

        IPv4Address moved = IPv4Address.Parse("10.10.10.7");
        engine.Reload(Dhcp4NetworkSnapshot.Compile(Configuration(hosts: [Host(Vm1, moved, "host-10-10-10-7")])));

        ParsedReply nak = client.DoRenew()!;
        AssertNak(nak);
        Assert.True(client.LastResult.LeasesChanged);
        Assert.False(engine.Leases.TryGet(Vm1Address, out _)); // the old lease is freed

        ParsedReply ack = client.DoDora()!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(moved, ack.Yiaddr);
        Assert.Equal("host-10-10-10-7", ack.StringOption(Dhcp4OptionCode.HostName));
    }

    [Fact]
    public void Discover_OldAddressReservedForAnotherHostWhileLeaseActive_NoOfferUntilReleased()
    {
        Dhcp4Engine engine = NewEngine();
        var first = Client(engine, Vm1);
        first.DoDora();

        // Vm1 moves to .7 and Vm2 now gets Vm1's old .2.
        engine.Reload(Dhcp4NetworkSnapshot.Compile(Configuration(hosts: [Host(Vm1, IPv4Address.Parse("10.10.10.7")), Host(Vm2, Vm1Address)])));
        var second = Client(engine, Vm2);
        Assert.Null(second.DoDiscover());
        Assert.Equal(Dhcp4DropReason.AddressInUse, second.LastResult.DropReason);
        AssertNak(second.DoInitReboot(Vm1Address)!);
        Assert.True(engine.Leases.TryGet(Vm1Address, out LeaseRecord stillFirst));
        Assert.Equal(Vm1, stillFirst.Mac);

        first.DoRelease();
        Assert.Equal(Vm1Address, second.DoDora()!.Yiaddr);
    }

    [Fact]
    public void DoDora_AfterReservationMoved_OldLeaseOfSameClientEnds()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        IPv4Address moved = IPv4Address.Parse("10.10.10.7");
        engine.Reload(Dhcp4NetworkSnapshot.Compile(Configuration(hosts: [Host(Vm1, moved), Host(Vm2, Vm1Address)])));

        // A fresh DORA (not a renewal, so no NAK on the way): one client, one lease in the subnet.
        Assert.Equal(moved, client.DoDora()!.Yiaddr);
        LeaseRecord only = Assert.Single(engine.Leases.ToRecords());
        Assert.Equal(moved, only.Address);
        Assert.Equal(Vm1Address, Client(engine, Vm2).DoDora()!.Yiaddr);
    }

    [Fact]
    public void Discover_OldAddressReservedForAnotherHost_OfferedOnceOldLeaseExpires()
    {
        Dhcp4Engine engine = NewEngine();
        Client(engine, Vm1).DoDora();
        engine.Reload(Dhcp4NetworkSnapshot.Compile(Configuration(hosts: [Host(Vm2, Vm1Address)])));
        var second = Client(engine, Vm2);
        Assert.Null(second.DoDiscover());

        _clock.Advance(119);
        Assert.Null(second.DoDiscover());
        _clock.Advance(1);
        Assert.Equal(Vm1Address, second.DoDora()!.Yiaddr);
        Assert.True(engine.Leases.TryGet(Vm1Address, out LeaseRecord lease));
        Assert.Equal(Vm2, lease.Mac);
    }

    [Fact]
    public void Discover_LeaseMaxReached_ThirdHostGetsNoOfferAndItsRequestIsNaked()
    {
        Dhcp4Engine engine = NewEngine(Configuration(leaseMax: 2));
        var vm1 = Client(engine, Vm1);
        Assert.NotNull(vm1.DoDora());
        Assert.NotNull(Client(engine, Vm2).DoDora());

        var vm3 = Client(engine, Vm3);
        Assert.Null(vm3.DoDiscover());
        Assert.Equal(Dhcp4DropReason.LeaseMaxReached, vm3.LastResult.DropReason);
        AssertNak(vm3.Send(vm3.BuildRequestSelecting(ServerAddress, Vm3Address))!);
        AssertNak(vm3.DoInitReboot(Vm3Address)!);
        Assert.Equal(2, engine.Leases.Count);

        // A client that holds a lease still renews at the limit.
        Assert.Equal(Dhcp4MessageType.Ack, vm1.DoRenew()!.MessageType);

        vm1.DoRelease();
        Assert.Equal(Vm3Address, vm3.DoDora()!.Yiaddr);
        Assert.Equal(2, engine.Leases.Count);
    }

    [Fact]
    public void Discover_LeaseMaxReachedWithExpiredLeases_ExpiredOnesFreeSlots()
    {
        Dhcp4Engine engine = NewEngine(Configuration(leaseMax: 2));
        Client(engine, Vm1).DoDora();
        _clock.Advance(60);
        Client(engine, Vm2).DoDora();
        var vm3 = Client(engine, Vm3);
        Assert.Null(vm3.DoDiscover());

        _clock.Advance(60); // Vm1's lease (120 s) has run out; Vm2's has 60 s left
        Assert.Equal(Vm3Address, vm3.DoDora()!.Yiaddr);
        Assert.False(engine.Leases.TryGet(Vm1Address, out _));
        Assert.True(engine.Leases.TryGet(Vm2Address, out _));
    }

    [Fact]
    public void DoDecline_LeaseRemovedAndNoReply()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        client.DoDecline();
        Assert.Equal(Dhcp4DropReason.NoReplyExpected, client.LastResult.DropReason);
        Assert.True(client.LastResult.LeasesChanged);
        Assert.Empty(engine.Leases.ToRecords());
    }

    [Fact]
    public void DoDecline_AddressQuarantined_NotOfferedUntilQuarantineEnds()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        client.DoDecline();

        Assert.Null(client.DoDiscover());
        Assert.Equal(Dhcp4DropReason.AddressInUse, client.LastResult.DropReason);

        client.Clock.Advance(engine.Snapshot.Configuration.DeclineQuarantineSeconds);
        Assert.Equal(Vm1Address, client.DoDora()!.Yiaddr);
    }

    [Fact]
    public void Decline_OfAnotherClientsAddress_Ignored()
    {
        Dhcp4Engine engine = NewEngine();
        var owner = Client(engine, Vm1);
        owner.DoDora();
        var other = Client(engine, Vm2);
        Assert.Null(other.Send(other.Build(Dhcp4MessageType.Decline, IPv4Address.Any, Vm1Address, ServerAddress)));
        Assert.False(other.LastResult.LeasesChanged);
        Assert.Equal(Vm1, Assert.Single(engine.Leases.ToRecords()).Mac);
    }

    [Fact]
    public void Decline_WithoutRequestedAddress_DroppedAsMissingField()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        Assert.Null(client.Send(client.Build(Dhcp4MessageType.Decline, IPv4Address.Any, null, ServerAddress)));
        Assert.Equal(Dhcp4DropReason.MissingField, client.LastResult.DropReason);
        Assert.Equal(1, engine.Leases.Count);
    }

    [Fact]
    public void Decline_OtherServerId_Ignored()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        Assert.Null(client.Send(client.BuildDecline(Vm1Address, IPv4Address.Parse("10.10.10.4"))));
        Assert.Equal(Dhcp4DropReason.OtherServer, client.LastResult.DropReason);
        Assert.Equal(1, engine.Leases.Count);
    }

    [Fact]
    public void DoRelease_Bound_LeaseRemovedAndTwiceIsHarmless()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        Client(engine, Vm2).DoDora();
        long version = engine.Leases.Version;

        byte[] release = client.BuildRelease(Vm1Address, ServerAddress);
        Assert.Null(client.Send(release));
        Assert.Equal(Dhcp4DropReason.NoReplyExpected, client.LastResult.DropReason);
        Assert.True(client.LastResult.LeasesChanged);
        Assert.False(engine.Leases.TryGet(Vm1Address, out _));
        Assert.True(engine.Leases.TryGet(Vm2Address, out _));
        Assert.Equal(version + 1, engine.Leases.Version);

        // Neutron's dhcp_release sends it twice (with and without client-id): the second finds nothing.
        Assert.Null(client.Send(release));
        Assert.False(client.LastResult.LeasesChanged);
        Assert.Equal(1, engine.Leases.Count);
        Assert.Equal(version + 1, engine.Leases.Version);
    }

    [Fact]
    public void Release_WithoutServerId_Accepted()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        Assert.Null(client.Send(client.BuildRelease(Vm1Address, serverId: null)));
        Assert.Equal(0, engine.Leases.Count);
    }

    [Fact]
    public void Release_OtherServerId_Ignored()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.DoDora();
        Assert.Null(client.Send(client.BuildRelease(Vm1Address, IPv4Address.Parse("10.10.10.4"))));
        Assert.Equal(Dhcp4DropReason.OtherServer, client.LastResult.DropReason);
        Assert.True(engine.Leases.TryGet(Vm1Address, out _));
    }

    [Fact]
    public void Release_ByAnotherMac_DoesNotRemoveTheLease()
    {
        Dhcp4Engine engine = NewEngine();
        Client(engine, Vm1).DoDora();
        var other = Client(engine, Vm2);
        Assert.Null(other.Send(other.BuildRelease(Vm1Address, ServerAddress)));
        Assert.False(other.LastResult.LeasesChanged);
        Assert.True(engine.Leases.TryGet(Vm1Address, out _));
    }

    [Fact]
    public void DoInform_AddressInSubnet_AckWithCiaddrNoYiaddrNoLeaseTimes()
    {
        Dhcp4Engine engine = NewEngine();
        var client = Client(engine, Vm1);
        client.RequestedOptions = null;
        ParsedReply ack = client.DoInform(Vm1Address)!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(Vm1Address, ack.Ciaddr);
        Assert.Equal(IPv4Address.Any, ack.Yiaddr);
        Assert.False(ack.Has(Dhcp4OptionCode.IPAddressLeaseTime));
        Assert.False(ack.Has(Dhcp4OptionCode.RenewalTime));
        Assert.False(ack.Has(Dhcp4OptionCode.RebindingTime));
        Assert.False(ack.Has(Dhcp4OptionCode.HostName));
        Assert.Equal(ServerAddress, ack.AddressOption(Dhcp4OptionCode.ServerIdentifier));
        Assert.Equal(Gateway, ack.AddressOption(Dhcp4OptionCode.Router));
        Assert.Equal(new ReplyDestination(ReplyDestinationKind.Unicast, Vm1Address, 68, default), ack.Destination);
        Assert.Equal(0, engine.Leases.Count);
    }

    [Fact]
    public void DoInform_UnknownClientWithAddressInSubnet_Ack()
    {
        var client = Client(NewEngine(), Stranger);
        Assert.Equal(Dhcp4MessageType.Ack, client.DoInform(IPv4Address.Parse("10.10.10.200"))!.MessageType);
    }

    [Fact]
    public void Inform_WithoutCiaddr_DroppedAsMissingField()
    {
        var client = Client(NewEngine(), Vm1);
        Assert.Null(client.DoInform(IPv4Address.Any));
        Assert.Equal(Dhcp4DropReason.MissingField, client.LastResult.DropReason);
    }

    [Fact]
    public void Inform_CiaddrOutsideSubnet_DroppedAsNoRange()
    {
        var client = Client(NewEngine(), Vm1);
        Assert.Null(client.DoInform(IPv4Address.Parse("172.16.0.5")));
        Assert.Equal(Dhcp4DropReason.NoRange, client.LastResult.DropReason);
    }

    [Fact]
    public void DoDora_Relayed_RepliesGoToGiaddrPort67AndOption82Echoed()
    {
        var client = Client(NewEngine(), Vm1);
        client.Giaddr = Relay;
        client.RelayAgentInfo = [1, 4, 0xde, 0xad, 0xbe, 0xef, 2, 2, 0x00, 0x07];

        ParsedReply offer = client.DoDiscover()!;
        Assert.Equal(new ReplyDestination(ReplyDestinationKind.Relay, Relay, 67, default), offer.Destination);
        Assert.Equal(Relay, offer.Giaddr);
        Assert.Equal(client.RelayAgentInfo, offer.Option(Dhcp4OptionCode.RelayAgentInformation));
        Assert.Equal((byte)Dhcp4OptionCode.RelayAgentInformation, offer.OptionOrder[^1]);

        ParsedReply ack = client.DoDora()!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(ReplyDestinationKind.Relay, ack.Destination.Kind);
        Assert.Equal(client.RelayAgentInfo, ack.Option(Dhcp4OptionCode.RelayAgentInformation));
        Assert.Equal(ServerAddress, ack.AddressOption(Dhcp4OptionCode.ServerIdentifier));
    }

    [Fact]
    public void Nak_Relayed_GoesToRelayWithBroadcastBitAndOption82()
    {
        var client = Client(NewEngine(), Vm1);
        client.Giaddr = Relay;
        client.RelayAgentInfo = [1, 2, 0xab, 0xcd];
        ParsedReply nak = client.DoInitReboot(IPv4Address.Parse("10.10.10.99"))!;
        AssertNak(nak);
        Assert.Equal(new ReplyDestination(ReplyDestinationKind.Relay, Relay, 67, default), nak.Destination);
        Assert.Equal(Dhcp4Header.BroadcastFlag, nak.Flags);
        Assert.Equal(client.RelayAgentInfo, nak.Option(Dhcp4OptionCode.RelayAgentInformation));
    }

    [Fact]
    public void Discover_RelayFromForeignSubnet_DroppedAsNoRange()
    {
        var client = Client(NewEngine(), Vm1);
        client.Giaddr = IPv4Address.Parse("192.168.7.1");
        Assert.Null(client.DoDiscover());
        Assert.Equal(Dhcp4DropReason.NoRange, client.LastResult.DropReason);
    }

    [Fact]
    public void Discover_NonEthernetClientMatchedByClientId_BroadcastReplyWithChaddrCopied()
    {
        // An InfiniBand client (htype 32, hlen 0, RFC 4390) is known only by its client-id.
        byte[] clientId = [0xff, 0, 0, 0, 1, 0, 2, 0xc9, 0x03, 0x00, 0x01, 0x02, 0x03];
        var byId = new Reservation(null, clientId, null, IPv4Address.Parse("10.10.10.20"), null, []);
        Dhcp4Engine engine = NewEngine(Configuration(hosts: [byId]));
        var client = Client(engine, default);
        client.Htype = 32;
        client.Hlen = 0;
        client.Chaddr = new byte[16];
        client.ClientId = clientId;

        ParsedReply offer = client.DoDiscover()!;
        Assert.Equal(IPv4Address.Parse("10.10.10.20"), offer.Yiaddr);
        Assert.Equal(ReplyDestinationKind.Broadcast, offer.Destination.Kind);
        Assert.Equal(32, offer.Htype);
        Assert.Equal(0, offer.Hlen);

        ParsedReply ack = client.DoDora()!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(ReplyDestinationKind.Broadcast, ack.Destination.Kind);
    }

    [Fact]
    public void Discover_NonEthernetClientWithReservedMacInChaddr_NotMatchedByMac()
    {
        var client = Client(NewEngine(), Vm1);
        client.Htype = 6; // IEEE 802: not Ethernet
        Assert.Null(client.DoDiscover());
        Assert.Equal(Dhcp4DropReason.UnknownClient, client.LastResult.DropReason);
    }

    [Fact]
    public void DoDora_InfiniteLease_LeaseTimeAllOnesNoT1T2()
    {
        Dhcp4Engine engine = NewEngine(Configuration(leaseSeconds: LeaseTime.Infinite));
        var client = Client(engine, Vm1);
        client.RequestedOptions = null;
        ParsedReply ack = client.DoDora()!;
        Assert.Equal(0xffffffffu, ack.UInt32Option(Dhcp4OptionCode.IPAddressLeaseTime));
        Assert.False(ack.Has(Dhcp4OptionCode.RenewalTime));
        Assert.False(ack.Has(Dhcp4OptionCode.RebindingTime));
        Assert.True(engine.Leases.TryGet(Vm1Address, out LeaseRecord lease));
        Assert.Equal(0, lease.ExpiresUnixSeconds); // 0 is infinite in the lease file

        _clock.Advance(100 * 365 * 86400L);
        Assert.True(engine.Leases.IsHeldByAnother(Vm1Address, Vm2, _clock.Now)); // never expires
    }

    [Fact]
    public void DoDora_PerHostLeaseTime_OverridesRangeLeaseTime()
    {
        Dhcp4Engine engine = NewEngine(Configuration(hosts: [Host(Vm1, Vm1Address, leaseSeconds: 86400), Host(Vm2, Vm2Address)]));
        ParsedReply vm1 = Client(engine, Vm1).DoDora()!;
        Assert.Equal(86400u, vm1.UInt32Option(Dhcp4OptionCode.IPAddressLeaseTime));
        Assert.Equal(43200u, vm1.UInt32Option(Dhcp4OptionCode.RenewalTime));
        Assert.Equal(75600u, vm1.UInt32Option(Dhcp4OptionCode.RebindingTime));
        Assert.True(engine.Leases.TryGet(Vm1Address, out LeaseRecord lease));
        Assert.Equal(_clock.Now + 86400, lease.ExpiresUnixSeconds);

        ParsedReply vm2 = Client(engine, Vm2).DoDora()!;
        Assert.Equal(120u, vm2.UInt32Option(Dhcp4OptionCode.IPAddressLeaseTime));
    }

    [Fact]
    public void DoDora_LeaseTableSeededWithOthersLease_RespectsIt()
    {
        // A lease file read at start says .2 belongs to another MAC, unexpired.
        var leases = new Dhcp4LeaseTable();
        leases.Load([new LeaseRecord(Epoch + 600, Stranger, Vm1Address, null, null)]);
        var engine = new Dhcp4Engine(Dhcp4NetworkSnapshot.Compile(Configuration()), leases);
        var client = Client(engine, Vm1);
        Assert.Null(client.DoDiscover());
        Assert.Equal(Dhcp4DropReason.AddressInUse, client.LastResult.DropReason);
    }

    internal static void AssertNak(ParsedReply reply)
    {
        Assert.Equal(Dhcp4MessageType.Nak, reply.MessageType);
        Assert.Equal(IPv4Address.Any, reply.Yiaddr);
        Assert.Equal(IPv4Address.Any, reply.Ciaddr);
        Assert.Equal(IPv4Address.Any, reply.Siaddr);
        Assert.Equal(ServerAddress, reply.AddressOption(Dhcp4OptionCode.ServerIdentifier));
        Assert.NotEmpty(reply.Option(Dhcp4OptionCode.Message));
        Assert.False(reply.Has(Dhcp4OptionCode.IPAddressLeaseTime));
        Assert.False(reply.Has(Dhcp4OptionCode.SubnetMask));
        Assert.Equal((byte)Dhcp4OptionCode.DhcpMessageType, reply.OptionOrder[0]);
    }
}
