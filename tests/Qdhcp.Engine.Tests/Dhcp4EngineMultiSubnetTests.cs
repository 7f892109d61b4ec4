using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;
using static Qdhcp.Engine.Tests.TestNetwork;

namespace Qdhcp.Engine.Tests;

/// <summary>
/// A Neutron network with two IPv4 subnets: the DHCP port has an address in each (10.10.10.3/24, 10.20.0.2/24),
/// and dnsmasq gets one static range per subnet (tag0, tag1). Every reply names the server by its address on
/// the client's subnet.
/// </summary>
public class Dhcp4EngineMultiSubnetTests
{
    private static readonly IPv4Address SecondServerAddress = IPv4Address.Parse("10.20.0.2");
    private static readonly IPv4Address SecondHostAddress = IPv4Address.Parse("10.20.0.5");
    private static readonly MacAddress SecondHost = MacAddress.Parse("fa:16:3e:20:00:05");

    private static readonly ServerInterface TwoSubnets = Interface with
    {
        Addresses = [new InterfaceAddress(ServerAddress, 24), new InterfaceAddress(SecondServerAddress, 24)],
    };

    private static Dhcp4Engine TwoSubnetEngine(IReadOnlyList<DhcpRange>? ranges = null) => NewEngine(Configuration(hosts: [.. DefaultHosts, Host(SecondHost, SecondHostAddress, "host-10-20-0-5")]) with
    {
        Ranges = ranges ?? [Range(), new DhcpRange(["tag1"], [], IPv4Address.Parse("10.20.0.0"), IPv4Address.Parse("10.20.0.0"), true, null, 300)],
    });

    private static TestDhcp4Client Client(Dhcp4Engine engine, MacAddress mac) => new(engine, mac) { Interface = TwoSubnets, RequestedOptions = null };

    [Fact]
    public void DoDora_HostInSecondSubnet_ServerIdMaskAndLeaseOfThatSubnet()
    {
        ParsedReply ack = Client(TwoSubnetEngine(), SecondHost).DoDora()!;
        Assert.Equal(SecondHostAddress, ack.Yiaddr);
        Assert.Equal(SecondServerAddress, ack.AddressOption(Dhcp4OptionCode.ServerIdentifier));
        Assert.Equal(SecondServerAddress, ack.Siaddr);
        Assert.Equal(IPv4Address.Parse("10.20.0.255"), ack.AddressOption(Dhcp4OptionCode.BroadcastAddress));
        Assert.Equal(300u, ack.UInt32Option(Dhcp4OptionCode.IPAddressLeaseTime));
        Assert.False(ack.Has(Dhcp4OptionCode.ClasslessStaticRoute)); // the tag0 options are not for tag1
        Assert.Equal(SecondServerAddress, ack.AddressOption(Dhcp4OptionCode.Router)); // the default: this server on that subnet
    }

    [Fact]
    public void DoDora_HostInFirstSubnet_ServerIdOfFirstSubnet()
    {
        ParsedReply ack = Client(TwoSubnetEngine(), Vm1).DoDora()!;
        Assert.Equal(ServerAddress, ack.AddressOption(Dhcp4OptionCode.ServerIdentifier));
        Assert.Equal(Gateway, ack.AddressOption(Dhcp4OptionCode.Router));
    }

    [Fact]
    public void RequestSelecting_SecondAddressAsServerId_Ours()
    {
        var client = Client(TwoSubnetEngine(), SecondHost);
        Assert.Equal(Dhcp4MessageType.Ack, client.Send(client.BuildRequestSelecting(SecondServerAddress, SecondHostAddress))!.MessageType);
    }

    [Fact]
    public void Nak_ClientInSecondSubnet_ServerIdIsOurAddressOnThatSubnet()
    {
        // The NAK must name the server the client talks to (the one in its OFFER/ACK), not the interface's first address.
        var client = Client(TwoSubnetEngine(), SecondHost);
        ParsedReply initReboot = client.DoInitReboot(IPv4Address.Parse("10.20.0.99"))!;
        Assert.Equal(Dhcp4MessageType.Nak, initReboot.MessageType);
        Assert.Equal(SecondServerAddress, initReboot.AddressOption(Dhcp4OptionCode.ServerIdentifier));

        ParsedReply selecting = client.Send(client.BuildRequestSelecting(SecondServerAddress, IPv4Address.Parse("10.20.0.99")))!;
        Assert.Equal(Dhcp4MessageType.Nak, selecting.MessageType);
        Assert.Equal(SecondServerAddress, selecting.AddressOption(Dhcp4OptionCode.ServerIdentifier));

        ParsedReply renewing = client.Send(client.BuildRequestRenewing(IPv4Address.Parse("10.20.0.99")))!;
        Assert.Equal(Dhcp4MessageType.Nak, renewing.MessageType);
        Assert.Equal(SecondServerAddress, renewing.AddressOption(Dhcp4OptionCode.ServerIdentifier));
    }

    [Fact]
    public void Nak_AddressOnNoSubnetOfOurs_FirstAddressAsServerId()
    {
        ParsedReply nak = Client(TwoSubnetEngine(), SecondHost).DoInitReboot(IPv4Address.Parse("192.168.9.9"))!;
        Assert.Equal(Dhcp4MessageType.Nak, nak.MessageType);
        Assert.Equal(ServerAddress, nak.AddressOption(Dhcp4OptionCode.ServerIdentifier));
    }

    [Fact]
    public void Discover_RangeRequiresTagHostLacks_DroppedAsNoRange()
    {
        DhcpRange tagged = Range() with { RequiredTags = ["allowed"] };
        Dhcp4Engine engine = NewEngine(Configuration(hosts: [Host(Vm1, Vm1Address, setTags: ["allowed"]), Host(Vm2, Vm2Address)]) with { Ranges = [tagged] });
        Assert.Equal(Vm1Address, new TestDhcp4Client(engine, Vm1).DoDora()!.Yiaddr);
        var vm2 = new TestDhcp4Client(engine, Vm2);
        Assert.Null(vm2.DoDiscover());
        Assert.Equal(Dhcp4DropReason.NoRange, vm2.LastResult.DropReason);
    }

    [Fact]
    public void Discover_RangeWithExplicitNetmask_SubnetFromRangeNotInterface()
    {
        DhcpRange withMask = Range() with { Netmask = IPv4Address.Parse("255.255.255.0") };
        ParsedReply offer = new TestDhcp4Client(NewEngine(Configuration() with { Ranges = [withMask] }), Vm1).DoDiscover()!;
        Assert.Equal(IPv4Address.Parse("255.255.255.0"), offer.AddressOption(Dhcp4OptionCode.SubnetMask));
        Assert.Equal(ServerAddress, offer.AddressOption(Dhcp4OptionCode.ServerIdentifier));
    }

    [Fact]
    public void Discover_DynamicRangeReservationOutsidePool_StillOffered()
    {
        // dnsmasq: a reserved address anywhere in a dynamic range's subnet is served.
        var dynamic = new DhcpRange(["tag0"], [], IPv4Address.Parse("10.10.10.100"), IPv4Address.Parse("10.10.10.150"), false, IPv4Address.Parse("255.255.255.0"), 120);
        Assert.Equal(Vm1Address, new TestDhcp4Client(NewEngine(Configuration() with { Ranges = [dynamic] }), Vm1).DoDora()!.Yiaddr);
    }

    [Fact]
    public void Discover_ReservationIsSubnetBroadcastOrNetwork_DroppedAsNoRange()
    {
        Dhcp4Engine engine = NewEngine(Configuration(hosts: [Host(Vm1, IPv4Address.Parse("10.10.10.255")), Host(Vm2, IPv4Address.Parse("10.10.10.0"))]));
        var vm1 = new TestDhcp4Client(engine, Vm1);
        Assert.Null(vm1.DoDiscover());
        Assert.Equal(Dhcp4DropReason.NoRange, vm1.LastResult.DropReason);
        var vm2 = new TestDhcp4Client(engine, Vm2);
        Assert.Null(vm2.DoDiscover());
        Assert.Equal(Dhcp4DropReason.NoRange, vm2.LastResult.DropReason);
    }
}
