using System.Text;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;
using static Qdhcp.Engine.Tests.TestNetwork;

namespace Qdhcp.Engine.Tests;

/// <summary>What goes into OFFER and ACK: values, option 55 filtering, option 57 limits, tags, defaults, echoes.</summary>
public class Dhcp4EngineOptionTests
{
    /// <summary>dhclient's option 55 from the captures (1 28 2 3 15 6 119 12 44 47 26 121 42).</summary>
    private static readonly byte[] DhclientList = [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42];

    /// <summary>udhcpc's option 55 from the captures (1 3 6 12 15 26 28 42 121 249).</summary>
    private static readonly byte[] UdhcpcList = [1, 3, 6, 12, 15, 26, 28, 42, 121, 249];

    private static TestDhcp4Client Client(Dhcp4Engine engine, MacAddress mac, byte[]? list) =>
        new(engine, mac) { RequestedOptions = list };

    [Fact]
    public void Offer_DhclientRequestList_OptionsAndValuesAsDnsmasqSendsThem()
    {
        var client = Client(NewEngine(), Vm1, DhclientList);
        ParsedReply offer = client.DoDiscover()!;

        Assert.Equal(Dhcp4MessageType.Offer, offer.MessageType);
        Assert.Equal(ServerAddress, offer.AddressOption(Dhcp4OptionCode.ServerIdentifier));
        Assert.Equal(120u, offer.UInt32Option(Dhcp4OptionCode.IPAddressLeaseTime));
        Assert.Equal(60u, offer.UInt32Option(Dhcp4OptionCode.RenewalTime));
        Assert.Equal(105u, offer.UInt32Option(Dhcp4OptionCode.RebindingTime));
        Assert.Equal(IPv4Address.Parse("255.255.255.0"), offer.AddressOption(Dhcp4OptionCode.SubnetMask));
        Assert.Equal(IPv4Address.Parse("10.10.10.255"), offer.AddressOption(Dhcp4OptionCode.BroadcastAddress));
        Assert.Equal("openstacklocal", offer.StringOption(Dhcp4OptionCode.DomainName));
        Assert.Equal(1450, offer.UInt16Option(Dhcp4OptionCode.InterfaceMtu));
        Assert.Equal(ClasslessRoutes, offer.Option(Dhcp4OptionCode.ClasslessStaticRoute));
        Assert.Equal(ServerAddress, offer.AddressOption(Dhcp4OptionCode.DomainNameServer));
        Assert.Equal(Gateway, offer.AddressOption(Dhcp4OptionCode.Router));

        Assert.False(offer.Has(Dhcp4OptionCode.HostName)); // dnsmasq sends 12 in the ACK only
        Assert.False(offer.Has(Dhcp4OptionCode.MicrosoftClasslessStaticRoute)); // not asked for
        Assert.Equal(ServerAddress, offer.Siaddr);
        Assert.Equal(Vm1Address, offer.Yiaddr);
        Assert.Equal(Vm1, MacAddress.Read(offer.Chaddr));

        // dnsmasq's order for the built-in part: 53 54 51 58 59 1 28 15.
        Assert.Equal(new byte[] { 53, 54, 51, 58, 59, 1, 28, 15 }, offer.OptionOrder.Take(8).ToArray());
        Assert.Equal(offer.OptionOrder.Count, offer.OptionOrder.Distinct().Count());
    }

    [Fact]
    public void Ack_DhclientRequestList_AddsShortHostName()
    {
        var client = Client(NewEngine(), Vm1, DhclientList);
        ParsedReply ack = client.DoDora()!;

        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal("host-10-10-10-2", ack.StringOption(Dhcp4OptionCode.HostName));
        Assert.Equal(ServerAddress, ack.AddressOption(Dhcp4OptionCode.ServerIdentifier));
        Assert.Equal(120u, ack.UInt32Option(Dhcp4OptionCode.IPAddressLeaseTime));
        Assert.Equal(60u, ack.UInt32Option(Dhcp4OptionCode.RenewalTime));
        Assert.Equal(105u, ack.UInt32Option(Dhcp4OptionCode.RebindingTime));
        Assert.Equal(1450, ack.UInt16Option(Dhcp4OptionCode.InterfaceMtu));
        Assert.Equal(ClasslessRoutes, ack.Option(Dhcp4OptionCode.ClasslessStaticRoute));
        Assert.Equal(Gateway, ack.AddressOption(Dhcp4OptionCode.Router));
        Assert.Equal(ServerAddress, ack.AddressOption(Dhcp4OptionCode.DomainNameServer));
        Assert.Equal(ServerAddress, ack.Siaddr);
        Assert.Equal(new byte[] { 53, 54, 51, 58, 59, 1, 28, 15, 12 }, ack.OptionOrder.Take(9).ToArray());
    }

    [Fact]
    public void Ack_HostNameNotRequested_NotSent()
    {
        var client = Client(NewEngine(), Vm1, [1, 3]);
        Assert.False(client.DoDora()!.Has(Dhcp4OptionCode.HostName));
    }

    [Fact]
    public void Ack_HostWithoutName_NoOption12()
    {
        var client = Client(NewEngine(Configuration(hosts: [Host(Vm1, Vm1Address)])), Vm1, null);
        Assert.False(client.DoDora()!.Has(Dhcp4OptionCode.HostName));
    }

    [Fact]
    public void Offer_ShortRequestList_OnlyRequestedOptionsPlusForcedMtuAndMask()
    {
        var client = Client(NewEngine(), Vm1, [3]);
        ParsedReply offer = client.DoDiscover()!;

        Assert.Equal(Gateway, offer.AddressOption(Dhcp4OptionCode.Router));
        Assert.Equal(1450, offer.UInt16Option(Dhcp4OptionCode.InterfaceMtu)); // forced
        Assert.True(offer.Has(Dhcp4OptionCode.SubnetMask)); // always, as dnsmasq
        foreach (Dhcp4OptionCode notAsked in new[] { Dhcp4OptionCode.DomainNameServer, Dhcp4OptionCode.ClasslessStaticRoute, Dhcp4OptionCode.MicrosoftClasslessStaticRoute, Dhcp4OptionCode.DomainName, Dhcp4OptionCode.BroadcastAddress })
        {
            Assert.False(offer.Has(notAsked), $"option {notAsked} was not asked for");
        }

        Assert.Equal(new byte[] { 1, 3, 26, 51, 53, 54, 58, 59 }, offer.OptionOrder.Order().ToArray());
    }

    [Fact]
    public void Offer_UdhcpcRequestList_Includes249()
    {
        var client = Client(NewEngine(), Vm2, UdhcpcList);
        ParsedReply offer = client.DoDiscover()!;
        Assert.Equal(ClasslessRoutes, offer.Option(Dhcp4OptionCode.MicrosoftClasslessStaticRoute));
        Assert.Equal(ClasslessRoutes, offer.Option(Dhcp4OptionCode.ClasslessStaticRoute));
    }

    [Fact]
    public void Ack_NoRequestList_EveryOptionSent()
    {
        var client = Client(NewEngine(), Vm1, null);
        ParsedReply ack = client.DoDora()!;
        foreach (byte code in new byte[] { 53, 54, 51, 58, 59, 1, 28, 15, 12, 3, 6, 121, 249, 26 })
        {
            Assert.True(ack.Has(code), $"option {code} missing");
        }
    }

    [Fact]
    public void Offer_RequestListSplitAcrossInstances_Concatenated()
    {
        // RFC 3396: a client may split option 55; the halves make one list.
        var client = Client(NewEngine(), Vm2, null);
        client.ExtraOptions.Add((55, [1, 3]));
        client.ExtraOptions.Add((55, [249]));
        ParsedReply offer = client.DoDiscover()!;
        Assert.True(offer.Has(Dhcp4OptionCode.MicrosoftClasslessStaticRoute));
        Assert.True(offer.Has(Dhcp4OptionCode.Router));
        Assert.False(offer.Has(Dhcp4OptionCode.ClasslessStaticRoute));
    }

    [Fact]
    public void Offer_MaxMessageSize576AndManyBigOptions_ReplyFitsAndKeepsEssentials()
    {
        List<OptionSetting> options = [.. DefaultOptions];
        for (byte code = 224; code < 240; code++)
        {
            options.Add(Option(code, Enumerable.Repeat(code, 60).Select(b => (byte)b).ToArray(), "tag0"));
        }

        var client = Client(NewEngine(Configuration(options: options)), Vm2, null);
        client.MaxMessageSize = 576;
        client.ClientId = [0x01, 0xfa, 0x16, 0x3e, 0xac, 0x00, 0x05];

        foreach (ParsedReply reply in new[] { client.DoDiscover()!, client.DoDora()! })
        {
            Assert.True(reply.Bytes.Length <= 576 - 28, $"{reply.Bytes.Length} bytes do not fit option 57 = 576");
            Assert.True(reply.Has(Dhcp4OptionCode.DhcpMessageType));
            Assert.True(reply.Has(Dhcp4OptionCode.ServerIdentifier));
            Assert.True(reply.Has(Dhcp4OptionCode.IPAddressLeaseTime));
            Assert.True(reply.Has(Dhcp4OptionCode.SubnetMask));
            Assert.Equal(client.ClientId, reply.Option(Dhcp4OptionCode.ClientIdentifier)); // RFC 6842 still honoured
            Assert.Contains(reply.OptionOrder, c => c >= 224); // some of the big ones made it
            Assert.DoesNotContain(reply.OptionOrder, c => c == 239); // not all of them
        }

        client.MaxMessageSize = 1500;
        ParsedReply big = client.DoDiscover()!;
        Assert.True(big.Bytes.Length > 548);
        Assert.True(big.Bytes.Length <= 1500 - 28);
        for (byte code = 224; code < 240; code++)
        {
            Assert.True(big.Has(code));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData((ushort)0)]
    [InlineData((ushort)300)]
    [InlineData((ushort)575)]
    public void Offer_MaxMessageSizeAbsentOrBelow576_LimitedTo548(ushort? size)
    {
        List<OptionSetting> options = [.. DefaultOptions];
        for (byte code = 224; code < 240; code++)
        {
            options.Add(Option(code, new byte[100], "tag0"));
        }

        var client = Client(NewEngine(Configuration(options: options)), Vm2, null);
        client.MaxMessageSize = size;
        Assert.True(client.DoDiscover()!.Bytes.Length <= 548);
    }

    [Fact]
    public void Reply_SmallConfiguration_PaddedTo300Bytes()
    {
        var client = Client(NewEngine(), Vm1, [1]);
        Assert.Equal(300, client.DoDiscover()!.Bytes.Length);
    }

    [Fact]
    public void Reply_ClientIdSent_EchoedInOfferAckAndNak()
    {
        byte[] clientId = [0x01, 0xfa, 0x16, 0x3e, 0xac, 0x00, 0x05];
        var client = Client(NewEngine(), Vm2, UdhcpcList);
        client.ClientId = clientId;
        Assert.Equal(clientId, client.DoDiscover()!.Option(Dhcp4OptionCode.ClientIdentifier));
        Assert.Equal(clientId, client.DoDora()!.Option(Dhcp4OptionCode.ClientIdentifier));
        ParsedReply nak = client.DoInitReboot(IPv4Address.Parse("10.10.10.99"))!;
        Assert.Equal(Dhcp4MessageType.Nak, nak.MessageType);
        Assert.Equal(clientId, nak.Option(Dhcp4OptionCode.ClientIdentifier));
    }

    [Fact]
    public void Reply_NoClientId_NoOption61()
    {
        var client = Client(NewEngine(), Vm1, null);
        Assert.False(client.DoDora()!.Has(Dhcp4OptionCode.ClientIdentifier));
    }

    [Fact]
    public void Ack_HostSetsPortTag_GetsPortOptionOthersDoNot()
    {
        List<OptionSetting> options = [.. DefaultOptions, Option(42, Address("10.10.10.123"), "port-x")];
        Dhcp4Engine engine = NewEngine(Configuration(hosts: [Host(Vm1, Vm1Address, setTags: ["port-x"]), Host(Vm2, Vm2Address)], options: options));

        Assert.Equal(IPv4Address.Parse("10.10.10.123"), Client(engine, Vm1, DhclientList).DoDora()!.AddressOption(Dhcp4OptionCode.NtpServers));
        Assert.False(Client(engine, Vm2, DhclientList).DoDora()!.Has(Dhcp4OptionCode.NtpServers));
    }

    [Fact]
    public void Ack_TaggedAndUntaggedOptionForSameCode_MoreSpecificWins()
    {
        List<OptionSetting> options =
        [
            Option(3, Address("10.10.10.1")),
            Option(3, Address("10.10.10.254"), "port-x"),
            Option(6, Address("8.8.8.8"), "tag0", "port-x"),
            Option(6, Address("10.10.10.3"), "tag0"),
        ];
        Dhcp4Engine engine = NewEngine(Configuration(hosts: [Host(Vm1, Vm1Address, setTags: ["port-x"]), Host(Vm2, Vm2Address)], options: options));

        ParsedReply tagged = Client(engine, Vm1, DhclientList).DoDora()!;
        Assert.Equal(IPv4Address.Parse("10.10.10.254"), tagged.AddressOption(Dhcp4OptionCode.Router));
        Assert.Equal(IPv4Address.Parse("8.8.8.8"), tagged.AddressOption(Dhcp4OptionCode.DomainNameServer));

        ParsedReply plain = Client(engine, Vm2, DhclientList).DoDora()!;
        Assert.Equal(IPv4Address.Parse("10.10.10.1"), plain.AddressOption(Dhcp4OptionCode.Router));
        Assert.Equal(IPv4Address.Parse("10.10.10.3"), plain.AddressOption(Dhcp4OptionCode.DomainNameServer));
    }

    [Fact]
    public void Ack_NegatedTag_AppliesOnlyWithoutTheTag()
    {
        List<OptionSetting> options = [.. DefaultOptions, Option(42, Address("10.10.10.42"), "!port-x")];
        Dhcp4Engine engine = NewEngine(Configuration(hosts: [Host(Vm1, Vm1Address, setTags: ["port-x"]), Host(Vm2, Vm2Address)], options: options));
        Assert.False(Client(engine, Vm1, DhclientList).DoDora()!.Has(Dhcp4OptionCode.NtpServers));
        Assert.True(Client(engine, Vm2, DhclientList).DoDora()!.Has(Dhcp4OptionCode.NtpServers));
    }

    [Fact]
    public void Ack_OptionForOtherRangeTag_NotSent()
    {
        List<OptionSetting> options = [.. DefaultOptions, Option(42, Address("10.20.0.1"), "tag1")];
        Assert.False(Client(NewEngine(Configuration(options: options)), Vm1, DhclientList).DoDora()!.Has(Dhcp4OptionCode.NtpServers));
    }

    [Fact]
    public void Ack_NoDnsOrRouterConfigured_ServerAnnouncesItselfAsBoth()
    {
        var client = Client(NewEngine(Configuration(options: [])), Vm1, DhclientList);
        ParsedReply ack = client.DoDora()!;
        Assert.Equal(ServerAddress, ack.AddressOption(Dhcp4OptionCode.Router));
        Assert.Equal(ServerAddress, ack.AddressOption(Dhcp4OptionCode.DomainNameServer));
        Assert.False(ack.Has(Dhcp4OptionCode.InterfaceMtu));
    }

    [Fact]
    public void Ack_NoRouterConfiguredRelayed_NoDefaultRouter()
    {
        // Through a relay the server is not on the client's link, so it cannot be its router.
        var client = Client(NewEngine(Configuration(options: [])), Vm1, DhclientList);
        client.Giaddr = Relay;
        ParsedReply ack = client.DoDora()!;
        Assert.False(ack.Has(Dhcp4OptionCode.Router));
        Assert.Equal(ServerAddress, ack.AddressOption(Dhcp4OptionCode.DomainNameServer));
    }

    [Fact]
    public void Ack_EmptyDnsServerValue_AnnouncesNone()
    {
        // Neutron writes "tag:tag0,option:dns-server" (empty) for a subnet with DNS disabled.
        List<OptionSetting> options = [Option(3, Address(Gateway), "tag0"), Option(6, [], "tag0")];
        ParsedReply ack = Client(NewEngine(Configuration(options: options)), Vm1, DhclientList).DoDora()!;
        Assert.False(ack.Has(Dhcp4OptionCode.DomainNameServer));
        Assert.Equal(Gateway, ack.AddressOption(Dhcp4OptionCode.Router));
    }

    [Fact]
    public void Ack_EmptyRouterValue_AnnouncesNone()
    {
        // An isolated subnet (no gateway): Neutron writes an empty router option.
        List<OptionSetting> options = [Option(3, [], "tag0")];
        ParsedReply ack = Client(NewEngine(Configuration(options: options)), Vm1, null).DoDora()!;
        Assert.False(ack.Has(Dhcp4OptionCode.Router));
        Assert.Equal(ServerAddress, ack.AddressOption(Dhcp4OptionCode.DomainNameServer));
    }

    [Fact]
    public void Ack_DnsDisabled_NoDefaultDnsButConfiguredDnsKept()
    {
        ParsedReply noDefault = Client(NewEngine(Configuration(options: []) with { DnsEnabled = false }), Vm1, DhclientList).DoDora()!;
        Assert.False(noDefault.Has(Dhcp4OptionCode.DomainNameServer));
        Assert.Equal(ServerAddress, noDefault.AddressOption(Dhcp4OptionCode.Router));

        ParsedReply configured = Client(NewEngine(Configuration() with { DnsEnabled = false }), Vm1, DhclientList).DoDora()!;
        Assert.Equal(ServerAddress, configured.AddressOption(Dhcp4OptionCode.DomainNameServer));
    }

    [Fact]
    public void Ack_DefaultRouterAndDns_OnlyWhenRequested()
    {
        ParsedReply ack = Client(NewEngine(Configuration(options: [])), Vm1, [1, 15]).DoDora()!;
        Assert.False(ack.Has(Dhcp4OptionCode.Router));
        Assert.False(ack.Has(Dhcp4OptionCode.DomainNameServer));
    }

    [Fact]
    public void Ack_NoDomain_NoOption15()
    {
        ParsedReply ack = Client(NewEngine(Configuration() with { Domain = null }), Vm1, null).DoDora()!;
        Assert.False(ack.Has(Dhcp4OptionCode.DomainName));
    }

    [Fact]
    public void Ack_ConfiguredSubnetMaskAndDomain_ReplaceBuiltIns()
    {
        List<OptionSetting> options = [Option(1, Address("255.255.0.0")), Option(15, Encoding.ASCII.GetBytes("example.org"))];
        ParsedReply ack = Client(NewEngine(Configuration(options: options)), Vm1, DhclientList).DoDora()!;
        Assert.Equal(IPv4Address.Parse("255.255.0.0"), ack.AddressOption(Dhcp4OptionCode.SubnetMask));
        Assert.Equal("example.org", ack.StringOption(Dhcp4OptionCode.DomainName));
    }

    [Fact]
    public void Offer_DhcpMatchIpxe_IpxeTaggedOptionsApply()
    {
        byte[] bootFile = Encoding.ASCII.GetBytes("http://10.10.10.3/boot.ipxe");
        List<OptionSetting> options =
        [
            .. DefaultOptions,
            Option(67, bootFile, "ipxe"),
            Option(67, Encoding.ASCII.GetBytes("undionly.kpxe"), "!ipxe"),
        ];
        Dhcp4Engine engine = NewEngine(Configuration(options: options));

        var ipxe = Client(engine, Vm1, null);
        ipxe.ExtraOptions.Add((175, [0x13, 0x01, 0x01])); // iPXE's encapsulated feature list
        Assert.Equal(bootFile, ipxe.DoDiscover()!.Option(Dhcp4OptionCode.BootfileName));
        Assert.Equal(bootFile, ipxe.DoDora()!.Option(Dhcp4OptionCode.BootfileName));

        var pxe = Client(engine, Vm2, null);
        Assert.Equal("undionly.kpxe", pxe.DoDora()!.StringOption(Dhcp4OptionCode.BootfileName));
    }

    [Fact]
    public void Offer_UserClassMatchWithValue_TagsOnlyMatchingRequests()
    {
        Dhcp4Configuration configuration = Configuration(options: [.. DefaultOptions, Option(66, Encoding.ASCII.GetBytes("tftp.example"), "ipxe6")]) with
        {
            Matches = [new RequestMatch("ipxe6", 77, Encoding.ASCII.GetBytes("iPXE"))],
        };
        Dhcp4Engine engine = NewEngine(configuration);

        var matching = Client(engine, Vm1, null);
        matching.ExtraOptions.Add((77, Encoding.ASCII.GetBytes("\u0004iPXE")));
        Assert.True(matching.DoDiscover()!.Has(Dhcp4OptionCode.TftpServerName));

        var other = Client(engine, Vm2, null);
        other.ExtraOptions.Add((77, Encoding.ASCII.GetBytes("\u0004gPXE")));
        Assert.False(other.DoDiscover()!.Has(Dhcp4OptionCode.TftpServerName));
    }

    [Fact]
    public void Offer_LongConfiguredOption_SplitPerRfc3396AndReassembled()
    {
        byte[] search = Enumerable.Range(0, 300).Select(i => (byte)('a' + (i % 26))).ToArray();
        var client = Client(NewEngine(Configuration(options: [.. DefaultOptions, Option(119, search, "tag0")])), Vm1, DhclientList);
        client.MaxMessageSize = 1500;
        Assert.Equal(search, client.DoDiscover()!.Option(Dhcp4OptionCode.DomainSearch));
    }
}
