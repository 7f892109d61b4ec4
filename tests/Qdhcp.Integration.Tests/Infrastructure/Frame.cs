using System.Buffers.Binary;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>An Ethernet II / IPv4 / UDP frame: what a DHCP client puts on the wire before it has an address.</summary>
public sealed record Frame(
    MacAddress SourceMac,
    MacAddress DestinationMac,
    IPv4Address SourceIp,
    IPv4Address DestinationIp,
    int SourcePort,
    int DestinationPort,
    byte[] Payload)
{
    private const int EthernetHeader = 14;
    private const int IpHeader = 20;
    private const int UdpHeader = 8;

    /// <summary>Builds the frame with a correct IPv4 header checksum and UDP checksum.</summary>
    public byte[] Encode()
    {
        int udpLength = UdpHeader + Payload.Length;
        byte[] frame = new byte[EthernetHeader + IpHeader + udpLength];
        Span<byte> f = frame;
        DestinationMac.Write(f);
        SourceMac.Write(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);

        Span<byte> ip = f.Slice(EthernetHeader, IpHeader);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(IpHeader + udpLength));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)Random.Shared.Next(ushort.MaxValue));
        ip[8] = 64;
        ip[9] = 17;
        SourceIp.Write(ip[12..]);
        DestinationIp.Write(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip, 0));

        Span<byte> udp = f[(EthernetHeader + IpHeader)..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        Payload.CopyTo(udp[UdpHeader..]);
        uint pseudo = (SourceIp.Value >> 16) + (SourceIp.Value & 0xFFFF) + (DestinationIp.Value >> 16) + (DestinationIp.Value & 0xFFFF) + 17 + (uint)udpLength;
        ushort sum = Checksum(udp, pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], sum == 0 ? (ushort)0xFFFF : sum);
        return frame;
    }

    /// <summary>Parses an IPv4/UDP frame; null for anything else (ARP, IPv6, TCP, fragments, truncated).</summary>
    public static Frame? TryParse(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < EthernetHeader + IpHeader + UdpHeader || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800)
        {
            return null;
        }

        ReadOnlySpan<byte> ip = frame[EthernetHeader..];
        int ihl = (ip[0] & 0x0F) * 4;
        if ((ip[0] >> 4) != 4 || ihl < IpHeader || ip[9] != 17 || ip.Length < ihl + UdpHeader)
        {
            return null;
        }

        int totalLength = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(ip[2..]), ip.Length);
        ReadOnlySpan<byte> udp = ip[ihl..totalLength];
        if (udp.Length < UdpHeader)
        {
            return null;
        }

        int udpLength = Math.Clamp(BinaryPrimitives.ReadUInt16BigEndian(udp[4..]), UdpHeader, udp.Length);
        return new Frame(
            MacAddress.Read(frame[6..]),
            MacAddress.Read(frame),
            IPv4Address.Read(ip[12..]),
            IPv4Address.Read(ip[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(udp),
            BinaryPrimitives.ReadUInt16BigEndian(udp[2..]),
            udp[UdpHeader..udpLength].ToArray());
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        uint sum = initial;
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

    public override string ToString() =>
        $"{SourceMac} > {DestinationMac}, {SourceIp}:{SourcePort} > {DestinationIp}:{DestinationPort}, {Payload.Length} bytes";
}
