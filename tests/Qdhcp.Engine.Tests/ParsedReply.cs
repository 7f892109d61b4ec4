using System.Buffers.Binary;
using System.Text;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Tests;

/// <summary>A reply the engine wrote, parsed back with <see cref="Dhcp4Reader"/> and copied out of the ref-struct world.</summary>
internal sealed class ParsedReply
{
    private readonly Dictionary<byte, byte[]> _options;

    private ParsedReply(byte[] bytes, Dhcp4EngineResult result, in Dhcp4Reader reader)
    {
        Bytes = bytes;
        Result = result;
        Op = reader.Op;
        Htype = reader.Htype;
        Hlen = reader.Hlen;
        Xid = reader.Xid;
        Flags = reader.Flags;
        Ciaddr = reader.Ciaddr;
        Yiaddr = reader.Yiaddr;
        Siaddr = reader.Siaddr;
        Giaddr = reader.Giaddr;
        Chaddr = reader.Chaddr.ToArray();
        MessageType = reader.MessageType;

        var order = new List<byte>();
        var concatenated = new Dictionary<byte, List<byte>>();
        foreach (Dhcp4Option option in reader.Options)
        {
            if (!concatenated.TryGetValue(option.Code, out List<byte>? data))
            {
                concatenated[option.Code] = data = [];
                order.Add(option.Code);
            }

            data.AddRange(option.Data);
        }

        OptionOrder = order;
        _options = concatenated.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }

    public byte[] Bytes { get; }

    public Dhcp4EngineResult Result { get; }

    public ReplyDestination Destination => Result.Destination;

    public BootpOperation Op { get; }

    public byte Htype { get; }

    public byte Hlen { get; }

    public uint Xid { get; }

    public ushort Flags { get; }

    public IPv4Address Ciaddr { get; }

    public IPv4Address Yiaddr { get; }

    public IPv4Address Siaddr { get; }

    public IPv4Address Giaddr { get; }

    public byte[] Chaddr { get; }

    public Dhcp4MessageType MessageType { get; }

    /// <summary>Option codes in the order they first appear.</summary>
    public IReadOnlyList<byte> OptionOrder { get; }

    /// <summary>Parses what the engine wrote; fails the test when it is not a well-formed DHCP message.</summary>
    public static ParsedReply Parse(ReadOnlySpan<byte> bytes, Dhcp4EngineResult result)
    {
        Dhcp4ParseStatus status = Dhcp4Reader.TryRead(bytes, out Dhcp4Reader reader);
        Assert.Equal(Dhcp4ParseStatus.Ok, status);
        return new ParsedReply(bytes.ToArray(), result, reader);
    }

    public bool Has(Dhcp4OptionCode code) => Has((byte)code);

    public bool Has(byte code) => _options.ContainsKey(code);

    public byte[] Option(Dhcp4OptionCode code) => Option((byte)code);

    public byte[] Option(byte code)
    {
        Assert.True(_options.TryGetValue(code, out byte[]? data), $"option {code} missing; reply has {string.Join(",", OptionOrder)}");
        return data!;
    }

    public IPv4Address AddressOption(Dhcp4OptionCode code)
    {
        byte[] data = Option(code);
        Assert.Equal(4, data.Length);
        return IPv4Address.Read(data);
    }

    public uint UInt32Option(Dhcp4OptionCode code)
    {
        byte[] data = Option(code);
        Assert.Equal(4, data.Length);
        return BinaryPrimitives.ReadUInt32BigEndian(data);
    }

    public ushort UInt16Option(Dhcp4OptionCode code)
    {
        byte[] data = Option(code);
        Assert.Equal(2, data.Length);
        return BinaryPrimitives.ReadUInt16BigEndian(data);
    }

    public string StringOption(Dhcp4OptionCode code) => Encoding.ASCII.GetString(Option(code));
}
