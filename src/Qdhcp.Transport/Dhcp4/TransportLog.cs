using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Transport.Dhcp4;

/// <summary>The transport's log messages: fixed event ids, no per-packet logging on the success path.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Receive on {Interface} failed: {Error}")]
    public static partial void ReceiveFailed(ILogger logger, string @interface, SocketError error);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Sending a reply on {Interface} ({Kind} to {Address}) failed: {Error}")]
    public static partial void SendFailed(ILogger logger, string @interface, ReplyDestinationKind kind, IPv4Address address, SocketError error);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "DHCP{Request} on {Interface} from {Mac}: {Reply} {Address}, sent {Kind} to {Destination}")]
    public static partial void Answered(ILogger logger, string @interface, Dhcp4MessageType request, MacAddress mac, Dhcp4MessageType reply, IPv4Address address, ReplyDestinationKind kind, IPv4Address destination);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "DHCP{Request} on {Interface} from {Mac}: not answered ({Reason})")]
    public static partial void NotAnswered(ILogger logger, string @interface, Dhcp4MessageType request, MacAddress mac, Dhcp4DropReason reason);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "DHCP on {Interface} ({Addresses})")]
    public static partial void Listening(ILogger logger, string @interface, string addresses);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Interface {Interface} is gone; stopped serving it")]
    public static partial void InterfaceGone(ILogger logger, string @interface);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information, Message = "Addresses of {Interface} are now {Addresses}")]
    public static partial void AddressesChanged(ILogger logger, string @interface, string addresses);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "The receive buffer of {Interface} is {GivenKiB} KiB, not the {AskedKiB} KiB asked for (--dhcp-receive-buffer): a burst larger than it is dropped by the kernel. Grant CAP_NET_ADMIN, or raise net.core.rmem_max (sysctl -w net.core.rmem_max=N)")]
    public static partial void ReceiveBufferCapped(ILogger logger, string @interface, int givenKiB, int askedKiB);

    [LoggerMessage(EventId = 113, Level = LogLevel.Error, Message = "Cannot listen for DHCP on {Interface} (0.0.0.0:67): {Error}. Is another DHCP server running in this namespace?")]
    public static partial void BindFailed(ILogger logger, string @interface, string error);
}
