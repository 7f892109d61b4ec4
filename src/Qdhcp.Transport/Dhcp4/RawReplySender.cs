using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Transport.Interop;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Transport.Dhcp4;

/// <summary>
/// Sends a reply to a client that has no address yet, unicast at its MAC (RFC 2131 §4.1: "the server unicasts
/// DHCPOFFER and DHCPACK messages to the client's hardware address and 'yiaddr' address"). A UDP socket cannot do
/// that without an ARP entry the client could not answer, so the IPv4 and UDP headers are built here and the
/// frame goes out of an AF_PACKET datagram socket, which adds the Ethernet header (as Kea's LPF filter and
/// CoreDHCP's sendEthernet do).
/// </summary>
public sealed class RawReplySender : IDisposable
{
    private const int IpHeaderLength = 20;
    private const int UdpHeaderLength = 8;
    private readonly Socket _socket;
    private readonly SocketAddress _destination;
    private readonly byte[] _frame = GC.AllocateUninitializedArray<byte>(2048, pinned: true);
    private ushort _ipId;

    public RawReplySender(int interfaceIndex)
    {
        // The protocol is given in network byte order, as packet(7) expects: htons(ETH_P_IP).
        _socket = new Socket(AddressFamily.Packet, SocketType.Dgram, (ProtocolType)BinaryPrimitives.ReverseEndianness(Libc.EthernetTypeIPv4));

        // struct sockaddr_ll { u16 family; be16 protocol; i32 ifindex; u16 hatype; u8 pkttype; u8 halen; u8 addr[8]; }
        _destination = new SocketAddress(AddressFamily.Packet, 20);
        Span<byte> ll = _destination.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(ll[2..], Libc.EthernetTypeIPv4);
        BinaryPrimitives.WriteInt32LittleEndian(ll[4..], interfaceIndex);
        ll[11] = MacAddress.Length;
    }

    /// <summary>Sends <paramref name="dhcpMessage"/> from <paramref name="source"/>:67 to the destination's address:68 at its MAC.</summary>
    public void Send(ReadOnlySpan<byte> dhcpMessage, IPv4Address source, in ReplyDestination destination)
    {
        int length = WriteIpv4Udp(_frame, dhcpMessage, source, destination.Address, Dhcp4Header.ServerPort, destination.Port, ++_ipId);
        destination.Mac.Write(_destination.Buffer.Span[12..]);
        _socket.SendTo(_frame.AsSpan(0, length), SocketFlags.None, _destination);
    }

    /// <summary>Writes an IPv4 header (RFC 791) and a UDP header (RFC 768) with both checksums, then the payload.</summary>
    public static int WriteIpv4Udp(Span<byte> frame, ReadOnlySpan<byte> payload, IPv4Address source, IPv4Address destination, ushort sourcePort, ushort destinationPort, ushort id)
    {
        int udpLength = UdpHeaderLength + payload.Length;
        int totalLength = IpHeaderLength + udpLength;
        Span<byte> ip = frame[..IpHeaderLength];
        ip[0] = 0x45;          // version 4, 5 words of header
        ip[1] = 0xC0;          // DSCP CS6 "network control", as dnsmasq marks its DHCP replies
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0);
        ip[8] = 64;            // TTL
        ip[9] = 17;            // UDP
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        source.Write(ip[12..]);
        destination.Write(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(0, ip));

        Span<byte> udp = frame.Slice(IpHeaderLength, udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], 0);
        payload.CopyTo(udp[UdpHeaderLength..]);

        // The pseudo-header: source, destination, protocol, UDP length. Some clients (udhcpc) verify the checksum.
        uint pseudo = (source.Value >> 16) + (source.Value & 0xFFFF) + (destination.Value >> 16) + (destination.Value & 0xFFFF) + 17u + (uint)udpLength;
        ushort checksum = Checksum(pseudo, udp);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return totalLength;
    }

    /// <summary>The Internet checksum (RFC 1071) of <paramref name="data"/>, starting from a partial sum.</summary>
    public static ushort Checksum(uint sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    public void Dispose() => _socket.Dispose();
}
