using Qdhcp.Engine.Dhcp4;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Tests;

/// <summary>RFC 2131 §4.1's reply destination rules, every branch and their precedence.</summary>
public class ReplyRoutingTests
{
    private const string None = "0.0.0.0";
    private const string Relay = "10.20.0.1";
    private const string Ciaddr = "10.10.10.2";
    private const string Yiaddr = "10.10.10.5";
    private static readonly MacAddress Mac = MacAddress.Parse("fa:16:3e:ac:00:05");

    public static TheoryData<string, Dhcp4MessageType, string, string, string, bool, bool, bool, ReplyDestinationKind, string, ushort> Cases => new()
    {
        // case,                          type,  giaddr, ciaddr, yiaddr, bcast, ether, always -> kind, address, port
        { "relay wins over everything",   Dhcp4MessageType.Offer, Relay, Ciaddr, Yiaddr, true,  false, true,  ReplyDestinationKind.Relay, Relay, 67 },
        { "relayed offer",                Dhcp4MessageType.Offer, Relay, None,   Yiaddr, false, true,  false, ReplyDestinationKind.Relay, Relay, 67 },
        { "relayed ack",                  Dhcp4MessageType.Ack,   Relay, None,   Yiaddr, false, true,  false, ReplyDestinationKind.Relay, Relay, 67 },
        { "relayed nak",                  Dhcp4MessageType.Nak,   Relay, Ciaddr, None,   false, true,  false, ReplyDestinationKind.Relay, Relay, 67 },
        { "nak broadcast despite ciaddr", Dhcp4MessageType.Nak,   None,  Ciaddr, None,   false, true,  false, ReplyDestinationKind.Broadcast, "255.255.255.255", 68 },
        { "nak broadcast, no ciaddr",     Dhcp4MessageType.Nak,   None,  None,   None,   false, true,  false, ReplyDestinationKind.Broadcast, "255.255.255.255", 68 },
        { "renew ack to ciaddr",          Dhcp4MessageType.Ack,   None,  Ciaddr, Ciaddr, false, true,  false, ReplyDestinationKind.Unicast, Ciaddr, 68 },
        { "ciaddr beats broadcast bit",   Dhcp4MessageType.Ack,   None,  Ciaddr, Ciaddr, true,  true,  false, ReplyDestinationKind.Unicast, Ciaddr, 68 },
        { "ciaddr beats always-bcast",    Dhcp4MessageType.Ack,   None,  Ciaddr, None,   false, false, true,  ReplyDestinationKind.Unicast, Ciaddr, 68 },
        { "inform ack to ciaddr",         Dhcp4MessageType.Ack,   None,  Ciaddr, None,   false, true,  false, ReplyDestinationKind.Unicast, Ciaddr, 68 },
        { "broadcast bit",                Dhcp4MessageType.Offer, None,  None,   Yiaddr, true,  true,  false, ReplyDestinationKind.Broadcast, "255.255.255.255", 68 },
        { "always broadcast",             Dhcp4MessageType.Offer, None,  None,   Yiaddr, false, true,  true,  ReplyDestinationKind.Broadcast, "255.255.255.255", 68 },
        { "no ethernet address",          Dhcp4MessageType.Ack,   None,  None,   Yiaddr, false, false, false, ReplyDestinationKind.Broadcast, "255.255.255.255", 68 },
        { "no yiaddr",                    Dhcp4MessageType.Ack,   None,  None,   None,   false, true,  false, ReplyDestinationKind.Broadcast, "255.255.255.255", 68 },
        { "unicast to hardware (offer)",  Dhcp4MessageType.Offer, None,  None,   Yiaddr, false, true,  false, ReplyDestinationKind.UnicastToHardware, Yiaddr, 68 },
        { "unicast to hardware (ack)",    Dhcp4MessageType.Ack,   None,  None,   Yiaddr, false, true,  false, ReplyDestinationKind.UnicastToHardware, Yiaddr, 68 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Choose_Case_Destination(
        string name,
        Dhcp4MessageType replyType,
        string giaddr,
        string ciaddr,
        string yiaddr,
        bool broadcastFlag,
        bool hasEthernetAddress,
        bool alwaysBroadcast,
        ReplyDestinationKind kind,
        string address,
        ushort port)
    {
        ReplyDestination destination = ReplyRouting.Choose(
            replyType,
            IPv4Address.Parse(giaddr),
            IPv4Address.Parse(ciaddr),
            IPv4Address.Parse(yiaddr),
            broadcastFlag,
            hasEthernetAddress,
            Mac,
            alwaysBroadcast);

        Assert.True(kind == destination.Kind, $"{name}: expected {kind}, got {destination.Kind}");
        Assert.Equal(IPv4Address.Parse(address), destination.Address);
        Assert.Equal(port, destination.Port);
        Assert.Equal(kind == ReplyDestinationKind.UnicastToHardware ? Mac : default, destination.Mac);
    }
}
