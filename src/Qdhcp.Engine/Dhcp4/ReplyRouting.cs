using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Dhcp4;

/// <summary>How a reply leaves the server.</summary>
public enum ReplyDestinationKind : byte
{
    /// <summary>UDP to the relay agent at giaddr, port 67.</summary>
    Relay,

    /// <summary>UDP to 255.255.255.255, port 68, on the receiving interface.</summary>
    Broadcast,

    /// <summary>UDP to an address the client already has (ciaddr), port 68.</summary>
    Unicast,

    /// <summary>
    /// To yiaddr at the client's MAC although the client has no address yet: an Ethernet frame built by the
    /// transport (dnsmasq adds an ARP entry instead; Kea and CoreDHCP send a raw frame, as we do).
    /// </summary>
    UnicastToHardware,
}

/// <summary>Where one reply goes: kind, IP address, UDP port and, for <see cref="ReplyDestinationKind.UnicastToHardware"/>, the MAC.</summary>
public readonly record struct ReplyDestination(ReplyDestinationKind Kind, IPv4Address Address, ushort Port, MacAddress Mac);

/// <summary>The reply destination rules of RFC 2131 §4.1, kept apart from sockets so they can be tested alone.</summary>
public static class ReplyRouting
{
    /// <summary>
    /// Chooses where a reply goes, in RFC 2131 §4.1's order:
    /// <list type="bullet">
    /// <item>giaddr set: to the relay, port 67 (a NAK too; the relay broadcasts it on the client's link).</item>
    /// <item>a NAK without a relay: broadcast, because the client's address is not to be trusted.</item>
    /// <item>ciaddr set (RENEWING, REBINDING, INFORM): unicast to ciaddr.</item>
    /// <item>the broadcast bit set, or the server told to always broadcast, or no 6-byte MAC to send to: broadcast.</item>
    /// <item>otherwise: unicast to yiaddr at chaddr, with no ARP, as the client cannot answer ARP yet.</item>
    /// </list>
    /// </summary>
    public static ReplyDestination Choose(
        Dhcp4MessageType replyType,
        IPv4Address giaddr,
        IPv4Address ciaddr,
        IPv4Address yiaddr,
        bool broadcastFlag,
        bool hasEthernetAddress,
        MacAddress clientMac,
        bool alwaysBroadcast = false)
    {
        if (!giaddr.IsAny)
        {
            return new ReplyDestination(ReplyDestinationKind.Relay, giaddr, Dhcp4Header.ServerPort, default);
        }

        if (replyType == Dhcp4MessageType.Nak)
        {
            return new ReplyDestination(ReplyDestinationKind.Broadcast, IPv4Address.Broadcast, Dhcp4Header.ClientPort, default);
        }

        if (!ciaddr.IsAny)
        {
            return new ReplyDestination(ReplyDestinationKind.Unicast, ciaddr, Dhcp4Header.ClientPort, default);
        }

        if (broadcastFlag || alwaysBroadcast || !hasEthernetAddress || yiaddr.IsAny)
        {
            return new ReplyDestination(ReplyDestinationKind.Broadcast, IPv4Address.Broadcast, Dhcp4Header.ClientPort, default);
        }

        return new ReplyDestination(ReplyDestinationKind.UnicastToHardware, yiaddr, Dhcp4Header.ClientPort, clientMac);
    }
}
