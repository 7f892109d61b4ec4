using System.Buffers.Binary;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>
/// A DHCP message as plain mutable data, for crafting requests and inspecting replies. Encoding and decoding go
/// through Qdhcp.Wire's <see cref="Dhcp4Writer"/> and <see cref="Dhcp4Reader"/>.
/// </summary>
public sealed class DhcpPacket
{
    /// <summary>The parameter request list of a typical Linux client (dhclient's, plus 249).</summary>
    public static readonly byte[] TypicalParameterRequestList = [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 249, 42];

    public BootpOperation Op { get; set; } = BootpOperation.BootRequest;

    public byte Htype { get; set; } = Dhcp4Header.HardwareTypeEthernet;

    public byte Hlen { get; set; } = MacAddress.Length;

    public byte Hops { get; set; }

    public uint Xid { get; set; }

    public ushort Secs { get; set; }

    public ushort Flags { get; set; }

    public IPv4Address Ciaddr { get; set; }

    public IPv4Address Yiaddr { get; set; }

    public IPv4Address Siaddr { get; set; }

    public IPv4Address Giaddr { get; set; }

    public MacAddress Chaddr { get; set; }

    /// <summary>Options in wire order; the same code may appear twice only when deliberately crafted so.</summary>
    public List<KeyValuePair<byte, byte[]>> Options { get; } = [];

    public bool Broadcast
    {
        get => (Flags & Dhcp4Header.BroadcastFlag) != 0;
        set => Flags = value ? (ushort)(Flags | Dhcp4Header.BroadcastFlag) : (ushort)(Flags & ~Dhcp4Header.BroadcastFlag);
    }

    public Dhcp4MessageType MessageType =>
        Option(Dhcp4OptionCode.DhcpMessageType) is [byte type] ? (Dhcp4MessageType)type : Dhcp4MessageType.None;

    public IPv4Address? ServerId => AddressOption(Dhcp4OptionCode.ServerIdentifier);

    public uint? LeaseTime => UInt32Option(Dhcp4OptionCode.IPAddressLeaseTime);

    /// <summary>A client message: op BOOTREQUEST, Ethernet, option 53 first.</summary>
    public static DhcpPacket ClientMessage(Dhcp4MessageType type, MacAddress mac, uint xid)
    {
        var packet = new DhcpPacket { Xid = xid, Chaddr = mac };
        packet.Add(Dhcp4OptionCode.DhcpMessageType, [(byte)type]);
        return packet;
    }

    public DhcpPacket Add(Dhcp4OptionCode code, byte[] data) => Add((byte)code, data);

    public DhcpPacket Add(byte code, byte[] data)
    {
        Options.Add(new(code, data));
        return this;
    }

    public DhcpPacket AddAddress(Dhcp4OptionCode code, IPv4Address address)
    {
        byte[] data = new byte[4];
        address.Write(data);
        return Add(code, data);
    }

    public byte[]? Option(Dhcp4OptionCode code) => Option((byte)code);

    public byte[]? Option(byte code)
    {
        byte[][] parts = Options.Where(o => o.Key == code).Select(o => o.Value).ToArray();
        return parts.Length == 0 ? null : parts.SelectMany(p => p).ToArray();
    }

    public bool HasOption(Dhcp4OptionCode code) => Options.Any(o => o.Key == (byte)code);

    public IPv4Address? AddressOption(Dhcp4OptionCode code) => Option(code) is { Length: 4 } data ? IPv4Address.Read(data) : null;

    /// <summary>An option holding a list of addresses (routers, DNS servers).</summary>
    public IPv4Address[] AddressListOption(Dhcp4OptionCode code) =>
        Option(code) is { } data ? data.Chunk(4).Where(c => c.Length == 4).Select(c => IPv4Address.Read(c)).ToArray() : [];

    public uint? UInt32Option(Dhcp4OptionCode code) => Option(code) is { Length: 4 } data ? BinaryPrimitives.ReadUInt32BigEndian(data) : null;

    public string? TextOption(Dhcp4OptionCode code) => Option(code) is { } data ? System.Text.Encoding.ASCII.GetString(data).TrimEnd('\0') : null;

    public byte[] Encode()
    {
        byte[] buffer = new byte[1500];
        var writer = new Dhcp4Writer(buffer, buffer.Length);
        Span<byte> chaddr = stackalloc byte[Dhcp4Header.ChaddrLength];
        chaddr.Clear();
        Chaddr.Write(chaddr);
        writer.WriteHeader(Op, Htype, Hlen, Hops, Xid, Secs, Flags, Ciaddr, Yiaddr, Siaddr, Giaddr, chaddr);
        foreach (KeyValuePair<byte, byte[]> option in Options)
        {
            if (!writer.TryWriteOption(option.Key, option.Value))
            {
                throw new InvalidOperationException($"Option {option.Key} does not fit.");
            }
        }

        int length = writer.WriteEnd();
        return buffer[..length];
    }

    /// <summary>Decodes a datagram; null when Qdhcp.Wire does not accept it as DHCP.</summary>
    public static DhcpPacket? Decode(ReadOnlySpan<byte> datagram)
    {
        if (Dhcp4Reader.TryRead(datagram, out Dhcp4Reader reader) != Dhcp4ParseStatus.Ok)
        {
            return null;
        }

        var packet = new DhcpPacket
        {
            Op = reader.Op,
            Htype = reader.Htype,
            Hlen = reader.Hlen,
            Hops = reader.Hops,
            Xid = reader.Xid,
            Secs = reader.Secs,
            Flags = reader.Flags,
            Ciaddr = reader.Ciaddr,
            Yiaddr = reader.Yiaddr,
            Siaddr = reader.Siaddr,
            Giaddr = reader.Giaddr,
            Chaddr = reader.ClientMac,
        };
        foreach (Dhcp4Option option in reader.Options)
        {
            packet.Options.Add(new(option.Code, option.Data.ToArray()));
        }

        return packet;
    }

    public override string ToString() =>
        $"{MessageType} xid={Xid:x8} flags={Flags:x4} ciaddr={Ciaddr} yiaddr={Yiaddr} siaddr={Siaddr} giaddr={Giaddr} chaddr={Chaddr} " +
        $"options=[{string.Join(' ', Options.Select(o => $"{o.Key}:{Convert.ToHexStringLower(o.Value)}"))}]";
}
