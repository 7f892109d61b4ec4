using BenchmarkDotNet.Attributes;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Benchmarks;

/// <summary>The codec alone: parse a REQUEST as the engine reads it, and write an ACK's header and options.</summary>
[MemoryDiagnoser]
public class Dhcp4CodecBenchmarks
{
    private readonly byte[] _request = BenchNetwork.Request(Dhcp4MessageType.Request, 42, BenchNetwork.Relay, requested: BenchNetwork.Address(42), serverId: BenchNetwork.Server);
    private readonly byte[] _reply = new byte[1500];
    private readonly byte[] _hostName = "host-10-64-1-42"u8.ToArray();
    private readonly byte[] _encoded = [3, 4, 10, 64, 0, 254, 6, 4, 10, 64, 0, 53, 26, 2, 5, 220];

    /// <summary>Header checks, message type, client-id, requested address, server id, parameter list.</summary>
    [Benchmark]
    public int ParseRequest()
    {
        if (Dhcp4Reader.TryRead(_request, out Dhcp4Reader reader) != Dhcp4ParseStatus.Ok)
        {
            return -1;
        }

        int sum = (int)reader.MessageType + reader.ClientMac.GetHashCode() + (int)reader.Giaddr.Value;
        Span<byte> scratch = stackalloc byte[512];
        sum += reader.TryGetConcatenatedOption(Dhcp4OptionCode.ClientIdentifier, scratch, out ReadOnlySpan<byte> id) ? id.Length : 0;
        sum += reader.TryGetOption(Dhcp4OptionCode.RequestedIPAddress, out ReadOnlySpan<byte> requested) ? requested[3] : 0;
        sum += reader.TryGetOption(Dhcp4OptionCode.ServerIdentifier, out ReadOnlySpan<byte> server) ? server[3] : 0;
        sum += reader.TryGetConcatenatedOption(Dhcp4OptionCode.ParameterRequestList, scratch, out ReadOnlySpan<byte> prl) ? prl.Length : 0;
        return sum + reader.MaximumReplyLength;
    }

    /// <summary>An ACK as the engine writes it: header, 53, 54, 51, 58, 59, 1, 28, 15, 12, the pre-encoded block, end.</summary>
    [Benchmark]
    public int WriteAck()
    {
        Dhcp4Reader.TryRead(_request, out Dhcp4Reader request);
        Dhcp4Writer writer = new(_reply, _reply.Length);
        writer.WriteHeader(BootpOperation.BootReply, 1, 6, 0, request.Xid, 0, request.Flags, IPv4Address.Any, BenchNetwork.Address(42), BenchNetwork.Server, request.Giaddr, request.Chaddr);
        writer.TryWriteByte(Dhcp4OptionCode.DhcpMessageType, (byte)Dhcp4MessageType.Ack);
        writer.TryWriteAddress(Dhcp4OptionCode.ServerIdentifier, BenchNetwork.Server);
        writer.TryWriteUInt32(Dhcp4OptionCode.IPAddressLeaseTime, 86400);
        writer.TryWriteUInt32(Dhcp4OptionCode.RenewalTime, 43200);
        writer.TryWriteUInt32(Dhcp4OptionCode.RebindingTime, 75600);
        writer.TryWriteAddress(Dhcp4OptionCode.SubnetMask, IPv4Address.Parse("255.254.0.0"));
        writer.TryWriteAddress(Dhcp4OptionCode.BroadcastAddress, IPv4Address.Parse("10.65.255.255"));
        writer.TryWriteOption(Dhcp4OptionCode.DomainName, "openstacklocal"u8);
        writer.TryWriteOption(Dhcp4OptionCode.HostName, _hostName);
        writer.TryWriteEncodedOptions(_encoded);
        return writer.WriteEnd();
    }
}
