using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Wire.Tests;

/// <summary>Golden tests over real client messages and dnsmasq's replies (Captures/README.md).</summary>
public class Dhcp4CaptureTests
{
    public static TheoryData<string> AllNames => CaptureFiles.AllNames;

    public static TheoryData<string> ServerReplyNames => CaptureFiles.ServerReplyNames;

    [Theory]
    [MemberData(nameof(AllNames))]
    public void TryRead_Capture_Ok(string name)
    {
        byte[] packet = CaptureFiles.Load(name);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.Equal(0, reader.Overload);
        Assert.Equal(Dhcp4Header.HardwareTypeEthernet, reader.Htype);
        Assert.Equal(6, reader.Hlen);
        Assert.True(reader.HasEthernetAddress);
        Assert.Equal(0, reader.Hops);
        Assert.Equal(0, reader.Secs);
        Assert.False(reader.BroadcastRequested);
        Assert.True(reader.Ciaddr.IsAny);
        Assert.True(reader.Giaddr.IsAny);
        Assert.True(reader.Sname.IndexOfAnyExcept((byte)0) < 0);
        Assert.True(reader.File.IndexOfAnyExcept((byte)0) < 0);
        Assert.True(reader.Chaddr[6..].IndexOfAnyExcept((byte)0) < 0);
    }

    [Theory]
    [InlineData(CaptureFiles.DhclientDiscover, 0x149f4c0eu, "fa:16:3e:fe:c7:87", Dhcp4MessageType.Discover)]
    [InlineData(CaptureFiles.DhclientRequest, 0x149f4c0eu, "fa:16:3e:fe:c7:87", Dhcp4MessageType.Request)]
    [InlineData(CaptureFiles.UdhcpcDiscover, 0x98b3e163u, "fa:16:3e:ac:00:05", Dhcp4MessageType.Discover)]
    [InlineData(CaptureFiles.UdhcpcRequest, 0x98b3e163u, "fa:16:3e:ac:00:05", Dhcp4MessageType.Request)]
    [InlineData(CaptureFiles.DhcpcdDiscover, 0x8fa65c43u, "fa:16:3e:ac:00:06", Dhcp4MessageType.Discover)]
    [InlineData(CaptureFiles.DhcpcdRequest, 0x8fa65c43u, "fa:16:3e:ac:00:06", Dhcp4MessageType.Request)]
    [InlineData(CaptureFiles.OfferToDhclient, 0x149f4c0eu, "fa:16:3e:fe:c7:87", Dhcp4MessageType.Offer)]
    [InlineData(CaptureFiles.AckToDhclient, 0x149f4c0eu, "fa:16:3e:fe:c7:87", Dhcp4MessageType.Ack)]
    [InlineData(CaptureFiles.OfferToUdhcpc, 0x98b3e163u, "fa:16:3e:ac:00:05", Dhcp4MessageType.Offer)]
    [InlineData(CaptureFiles.AckToUdhcpc, 0x98b3e163u, "fa:16:3e:ac:00:05", Dhcp4MessageType.Ack)]
    [InlineData(CaptureFiles.OfferToDhcpcd, 0x8fa65c43u, "fa:16:3e:ac:00:06", Dhcp4MessageType.Offer)]
    [InlineData(CaptureFiles.AckToDhcpcd, 0x8fa65c43u, "fa:16:3e:ac:00:06", Dhcp4MessageType.Ack)]
    public void Header_Capture_MatchesTcpdump(string name, uint xid, string mac, Dhcp4MessageType type)
    {
        Dhcp4Reader.TryRead(CaptureFiles.Load(name), out Dhcp4Reader reader);

        Assert.Equal(xid, reader.Xid);
        Assert.Equal(MacAddress.Parse(mac), reader.ClientMac);
        Assert.Equal(type, reader.MessageType);
        BootpOperation op = type is Dhcp4MessageType.Discover or Dhcp4MessageType.Request ? BootpOperation.BootRequest : BootpOperation.BootReply;
        Assert.Equal(op, reader.Op);
        Assert.Equal(0, reader.Flags);
    }

    [Theory]
    // PRLs as tcpdump lists them; dhclient: 1 28 2 3 15 6 119 12 44 47 26 121 42.
    [InlineData(CaptureFiles.DhclientDiscover, "011c02030f06770c2c2f1a792a", 548, null, "ac-vm1", null)]
    [InlineData(CaptureFiles.DhclientRequest, "011c02030f06770c2c2f1a792a", 548, null, "ac-vm1", "10.10.10.2")]
    [InlineData(CaptureFiles.UdhcpcDiscover, "0103060c0f1a1c2a79f9", 548, "01fa163eac0005", "ac-vm2", null)]
    [InlineData(CaptureFiles.UdhcpcRequest, "0103060c0f1a1c2a79f9", 548, "01fa163eac0005", "ac-vm2", "10.10.10.5")]
    [InlineData(CaptureFiles.DhcpcdDiscover, "017903060c0f1a1c2133363a3b77", 1444, "01fa163eac0006", null, null)]
    [InlineData(CaptureFiles.DhcpcdRequest, "017903060c0f1a1c2133363a3b77", 1444, "01fa163eac0006", null, "10.10.10.6")]
    public void Options_ClientCapture_MatchTcpdump(string name, string prlHex, int maximumReplyLength, string? clientIdHex, string? hostName, string? requestedIp)
    {
        Dhcp4Reader.TryRead(CaptureFiles.Load(name), out Dhcp4Reader reader);

        Assert.True(reader.TryGetOption(Dhcp4OptionCode.ParameterRequestList, out ReadOnlySpan<byte> prl, out bool isSplit));
        Assert.False(isSplit);
        Assert.Equal(prlHex, Convert.ToHexStringLower(prl));
        Assert.Equal(maximumReplyLength, reader.MaximumReplyLength);

        Assert.Equal(clientIdHex is not null, reader.TryGetOption(Dhcp4OptionCode.ClientIdentifier, out ReadOnlySpan<byte> clientId));
        if (clientIdHex is not null)
        {
            Assert.Equal(clientIdHex, Convert.ToHexStringLower(clientId));
        }

        Assert.Equal(hostName is not null, reader.TryGetOption(Dhcp4OptionCode.HostName, out ReadOnlySpan<byte> host));
        if (hostName is not null)
        {
            Assert.Equal(hostName, System.Text.Encoding.ASCII.GetString(host));
        }

        Assert.Equal(requestedIp is not null, reader.TryGetOption(Dhcp4OptionCode.RequestedIPAddress, out ReadOnlySpan<byte> requested));
        Assert.Equal(requestedIp is not null, reader.TryGetOption(Dhcp4OptionCode.ServerIdentifier, out ReadOnlySpan<byte> serverId));
        if (requestedIp is not null)
        {
            Assert.Equal(IPv4Address.Parse(requestedIp), IPv4Address.Read(requested));
            Assert.Equal(IPv4Address.Parse("10.10.10.3"), IPv4Address.Read(serverId));
        }
    }

    [Fact]
    public void Options_UdhcpcDiscover_MaximumMessageSize576AndVendorClass()
    {
        Dhcp4Reader.TryRead(CaptureFiles.Load(CaptureFiles.UdhcpcDiscover), out Dhcp4Reader reader);

        Assert.True(reader.TryGetOption(Dhcp4OptionCode.MaximumMessageSize, out ReadOnlySpan<byte> size));
        Assert.Equal("0240", Convert.ToHexStringLower(size));
        Assert.Equal(548, reader.MaximumReplyLength);
        Assert.True(reader.TryGetOption(Dhcp4OptionCode.VendorClassIdentifier, out ReadOnlySpan<byte> vendor));
        Assert.Equal("udhcp 1.35.0", System.Text.Encoding.ASCII.GetString(vendor));
    }

    [Fact]
    public void Options_DhcpcdDiscover_WireOrderWithZeroLengthRapidCommit()
    {
        Dhcp4Reader.TryRead(CaptureFiles.Load(CaptureFiles.DhcpcdDiscover), out Dhcp4Reader reader);

        List<(byte Code, byte[] Data)> options = TestPackets.ListOptions(reader);

        Assert.Equal([53, 55, 57, 61, 60, 80, 116, 145], options.Select(o => o.Code));
        Assert.Empty(options.Single(o => o.Code == 80).Data);
        Assert.True(reader.TryGetOption((Dhcp4OptionCode)80, out ReadOnlySpan<byte> rapidCommit));
        Assert.True(rapidCommit.IsEmpty);
        Assert.Equal("dhcpcd-9.4.1:Linux-6.18.44-fc-v669:x86_64:AuthenticAMD", System.Text.Encoding.ASCII.GetString(options.Single(o => o.Code == 60).Data));
        Assert.Equal(1472 - Dhcp4Header.IpAndUdpHeaderLength, reader.MaximumReplyLength);
    }

    [Fact]
    public void Options_DhclientDiscover_NoClientIdentifierNoMaximumMessageSize()
    {
        Dhcp4Reader.TryRead(CaptureFiles.Load(CaptureFiles.DhclientDiscover), out Dhcp4Reader reader);

        Assert.Equal([53, 12, 55], TestPackets.ListOptions(reader).Select(o => o.Code));
        Assert.False(reader.TryGetOption(Dhcp4OptionCode.ClientIdentifier, out _));
        Assert.False(reader.TryGetOption(Dhcp4OptionCode.MaximumMessageSize, out _));
        Assert.Equal(Dhcp4Header.DefaultMaximumMessageLength, reader.MaximumReplyLength);
    }

    [Theory]
    [InlineData(CaptureFiles.OfferToDhclient, "10.10.10.2", null, false)]
    [InlineData(CaptureFiles.AckToDhclient, "10.10.10.2", "host-10-10-10-2", false)]
    [InlineData(CaptureFiles.OfferToUdhcpc, "10.10.10.5", null, true)]
    [InlineData(CaptureFiles.AckToUdhcpc, "10.10.10.5", "host-10-10-10-5", true)]
    [InlineData(CaptureFiles.OfferToDhcpcd, "10.10.10.6", "host-10-10-10-6", false)]
    [InlineData(CaptureFiles.AckToDhcpcd, "10.10.10.6", "host-10-10-10-6", false)]
    public void Options_DnsmasqReply_MatchTcpdump(string name, string yiaddr, string? hostName, bool hasMicrosoftRoutes)
    {
        Dhcp4Reader.TryRead(CaptureFiles.Load(name), out Dhcp4Reader reader);

        Assert.Equal(IPv4Address.Parse(yiaddr), reader.Yiaddr);
        Assert.Equal(IPv4Address.Parse("10.10.10.3"), reader.Siaddr);
        Assert.Equal("255.255.255.0", Address(reader, Dhcp4OptionCode.SubnetMask));
        Assert.Equal("10.10.10.1", Address(reader, Dhcp4OptionCode.Router));
        Assert.Equal("10.10.10.3", Address(reader, Dhcp4OptionCode.DomainNameServer));
        Assert.Equal("10.10.10.255", Address(reader, Dhcp4OptionCode.BroadcastAddress));
        Assert.Equal("10.10.10.3", Address(reader, Dhcp4OptionCode.ServerIdentifier));
        Assert.Equal("openstacklocal", Text(reader, Dhcp4OptionCode.DomainName));
        Assert.Equal("05aa", Hex(reader, Dhcp4OptionCode.InterfaceMtu)); // 1450
        Assert.Equal("00000078", Hex(reader, Dhcp4OptionCode.IPAddressLeaseTime)); // 120 s
        Assert.Equal("0000003c", Hex(reader, Dhcp4OptionCode.RenewalTime)); // 60 s
        Assert.Equal("00000069", Hex(reader, Dhcp4OptionCode.RebindingTime)); // 105 s

        // RFC 3442: 32 169.254.169.254 -> 10.10.10.3, 0 (default) -> 10.10.10.1.
        const string Routes = "20a9fea9fe0a0a0a03000a0a0a01";
        Assert.Equal(Routes, Hex(reader, Dhcp4OptionCode.ClasslessStaticRoute));
        Assert.Equal(hasMicrosoftRoutes ? Routes : null, Hex(reader, Dhcp4OptionCode.MicrosoftClasslessStaticRoute));
        Assert.Equal(hostName, Text(reader, Dhcp4OptionCode.HostName));
        Assert.Equal(Dhcp4Header.DefaultMaximumMessageLength, reader.MaximumReplyLength);
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Options_Capture_NoneSplit(string name)
    {
        Dhcp4Reader.TryRead(CaptureFiles.Load(name), out Dhcp4Reader reader);

        List<(byte Code, byte[] Data)> options = TestPackets.ListOptions(reader);
        Assert.Equal(options.Count, options.Select(o => o.Code).Distinct().Count());
        Span<byte> scratch = stackalloc byte[1];
        foreach ((byte code, byte[] data) in options)
        {
            Assert.True(reader.TryGetOption((Dhcp4OptionCode)code, out ReadOnlySpan<byte> found, out bool isSplit));
            Assert.False(isSplit);
            Assert.Equal(data, found.ToArray());

            // A single instance is returned in place, so even a 1-byte scratch is enough.
            Assert.True(reader.TryGetConcatenatedOption((Dhcp4OptionCode)code, scratch, out ReadOnlySpan<byte> concatenated));
            Assert.Equal(data, concatenated.ToArray());
        }
    }

    /// <summary>
    /// Re-encodes each capture with <see cref="Dhcp4Writer"/> from what the reader saw. dnsmasq ends its replies
    /// right after End (all are over 300 bytes); dhclient and udhcpc pad their requests with zeros to 300, as
    /// WriteEnd does, so every capture must come back byte for byte.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllNames))]
    public void Writer_ReencodedCapture_BytesIdentical(string name)
    {
        byte[] original = CaptureFiles.Load(name);
        Dhcp4Reader.TryRead(original, out Dhcp4Reader reader);
        byte[] buffer = new byte[1500];
        buffer.AsSpan().Fill(0xAA);

        var writer = new Dhcp4Writer(buffer, buffer.Length);
        writer.WriteHeader(
            reader.Op, reader.Htype, reader.Hlen, reader.Hops, reader.Xid, reader.Secs, reader.Flags,
            reader.Ciaddr, reader.Yiaddr, reader.Siaddr, reader.Giaddr, reader.Chaddr);
        foreach (Dhcp4Option option in reader.Options)
        {
            Assert.True(writer.TryWriteOption(option.Code, option.Data));
        }

        int length = writer.WriteEnd();

        Assert.Equal(length, writer.BytesWritten);
        Assert.Equal(Convert.ToHexStringLower(original), Convert.ToHexStringLower(buffer.AsSpan(0, length)));
    }

    [Theory]
    [MemberData(nameof(ServerReplyNames))]
    public void Writer_DnsmasqReplyOptionsAsEncodedBlock_BytesIdentical(string name)
    {
        // The pre-encoded path: everything after the message type and server id as one block, as a network's
        // constant options would be.
        byte[] original = CaptureFiles.Load(name);
        Dhcp4Reader.TryRead(original, out Dhcp4Reader reader);
        int blockStart = Dhcp4Header.OptionsOffset + 3 + 6;
        int end = original.Length - 1;
        Assert.Equal((byte)Dhcp4OptionCode.End, original[end]);

        byte[] buffer = new byte[576];
        var writer = new Dhcp4Writer(buffer, reader.MaximumReplyLength);
        writer.WriteHeader(
            reader.Op, reader.Htype, reader.Hlen, reader.Hops, reader.Xid, reader.Secs, reader.Flags,
            reader.Ciaddr, reader.Yiaddr, reader.Siaddr, reader.Giaddr, reader.Chaddr);
        Assert.True(writer.TryWriteByte(Dhcp4OptionCode.DhcpMessageType, (byte)reader.MessageType));
        Assert.True(writer.TryWriteAddress(Dhcp4OptionCode.ServerIdentifier, IPv4Address.Parse("10.10.10.3")));
        Assert.True(writer.TryWriteEncodedOptions(original.AsSpan(blockStart, end - blockStart)));
        int length = writer.WriteEnd();

        Assert.Equal(Convert.ToHexStringLower(original), Convert.ToHexStringLower(buffer.AsSpan(0, length)));
    }

    private static string? Hex(in Dhcp4Reader reader, Dhcp4OptionCode code) =>
        reader.TryGetOption(code, out ReadOnlySpan<byte> data) ? Convert.ToHexStringLower(data) : null;

    private static string? Text(in Dhcp4Reader reader, Dhcp4OptionCode code) =>
        reader.TryGetOption(code, out ReadOnlySpan<byte> data) ? System.Text.Encoding.ASCII.GetString(data) : null;

    private static string? Address(in Dhcp4Reader reader, Dhcp4OptionCode code)
    {
        if (!reader.TryGetOption(code, out ReadOnlySpan<byte> data))
        {
            return null;
        }

        Assert.Equal(IPv4Address.Length, data.Length);
        return IPv4Address.Read(data).ToString();
    }
}
