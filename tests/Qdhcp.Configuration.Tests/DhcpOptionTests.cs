using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Model;

namespace Qdhcp.Configuration.Tests;

public class DhcpOptionTests
{
    /// <summary>From the golden capture: option 121 and 249 for this exact opts line are these 14 bytes.</summary>
    private static readonly byte[] GoldenRoutes = [0x20, 0xa9, 0xfe, 0xa9, 0xfe, 0x0a, 0x0a, 0x0a, 0x03, 0x00, 0x0a, 0x0a, 0x0a, 0x01];

    private static OptionSetting Parsed(string line, bool force = false)
    {
        LineResult<OptionSetting> result = DnsmasqDhcpOption.Parse(line, force);
        Assert.True(result.IsParsed, $"'{line}': {result.Outcome} {result.Message}");
        return result.Value!;
    }

    [Fact]
    public void Parse_TaggedRouter_FourBytes()
    {
        OptionSetting o = Parsed("tag:tag0,option:router,10.10.10.1");
        Assert.Equal(["tag0"], o.RequiredTags);
        Assert.Equal(3, o.Code);
        Assert.Equal([10, 10, 10, 1], o.Value);
        Assert.False(o.Force);
    }

    [Fact]
    public void Parse_DnsServerList_EightBytes()
    {
        OptionSetting o = Parsed("tag:subnet-SUB,option:dns-server,10.77.0.53,8.8.8.8");
        Assert.Equal(["subnet-SUB"], o.RequiredTags);
        Assert.Equal(6, o.Code);
        Assert.Equal([10, 77, 0, 53, 8, 8, 8, 8], o.Value);
    }

    [Theory]
    [InlineData("option:dns-server")]
    [InlineData("option:dns-server,")]
    [InlineData("tag:x,6,")]
    public void Parse_DnsServerWithoutValue_EmptyValueMeansSendNone(string line)
    {
        OptionSetting o = Parsed(line);
        Assert.Equal(6, o.Code);
        Assert.Empty(o.Value);
    }

    [Theory]
    [InlineData("option:mtu,1450")]
    [InlineData("26,1450")]
    [InlineData("tag:tag0,option:mtu,1450")]
    public void Parse_Mtu_TwoBytesFromTable(string line) => Assert.Equal([0x05, 0xAA], Parsed(line).Value);

    [Fact]
    public void Parse_MtuForce_SetsForce()
    {
        OptionSetting o = Parsed("option:mtu,1500", force: true);
        Assert.True(o.Force);
        Assert.Equal([0x05, 0xDC], o.Value);
    }

    [Fact]
    public void Parse_ClasslessStaticRoute_GoldenBytes()
    {
        OptionSetting o = Parsed("tag:tag0,option:classless-static-route,169.254.169.254/32,10.10.10.3,0.0.0.0/0,10.10.10.1");
        Assert.Equal(121, o.Code);
        Assert.Equal(GoldenRoutes, o.Value);
    }

    [Fact]
    public void Parse_Option249ByNumber_InferredAsRoutes_SameGoldenBytes()
    {
        OptionSetting o = Parsed("tag:tag0,249,169.254.169.254/32,10.10.10.3,0.0.0.0/0,10.10.10.1");
        Assert.Equal(249, o.Code);
        Assert.Equal(GoldenRoutes, o.Value);
    }

    [Theory]
    [InlineData("option:classless-static-route,10.0.0.0/8")]
    [InlineData("option:classless-static-route,10.0.0.0,10.0.0.1")]
    [InlineData("option:classless-static-route,10.0.0.0/33,10.0.0.1")]
    public void Parse_BadClasslessRoutes_Invalid(string line) =>
        Assert.Equal(LineOutcome.Invalid, DnsmasqDhcpOption.Parse(line).Outcome);

    [Fact]
    public void Parse_RoutePrefixes_OnlySignificantOctets()
    {
        // 10.0.0.0/8 -> 08 0a; 172.16.0.0/12 -> 0c ac 10; 192.168.1.0/24 -> 18 c0 a8 01.
        OptionSetting o = Parsed("121,10.0.0.0/8,1.1.1.1,172.16.0.0/12,1.1.1.1,192.168.1.0/24,1.1.1.1");
        Assert.Equal([8, 10, 1, 1, 1, 1, 12, 172, 16, 1, 1, 1, 1, 24, 192, 168, 1, 1, 1, 1, 1], o.Value);
    }

    [Fact]
    public void Parse_DomainSearch_Rfc1035Labels()
    {
        OptionSetting o = Parsed("option:domain-search,example.com,lab.example.org.");
        Assert.Equal(119, o.Code);
        byte[] expected =
        [
            7, .. "example"u8, 3, .. "com"u8, 0,
            3, .. "lab"u8, 7, .. "example"u8, 3, .. "org"u8, 0,
        ];
        Assert.Equal(expected, o.Value);
    }

    [Fact]
    public void Parse_DomainName_StringBytes() => Assert.Equal("openstacklocal"u8.ToArray(), Parsed("option:domain-name,openstacklocal").Value);

    [Fact]
    public void Parse_QuotedStringWithComma_KeptWhole()
    {
        OptionSetting o = Parsed("56,\"hello, world\"");
        Assert.Equal("hello, world"u8.ToArray(), o.Value);
    }

    [Fact]
    public void Parse_QuotedAddress_IsString() => Assert.Equal("1.2.3.4"u8.ToArray(), Parsed("66,\"1.2.3.4\"").Value);

    [Fact]
    public void Parse_TftpServerName_String() => Assert.Equal("tftp.example"u8.ToArray(), Parsed("option:tftp-server,tftp.example").Value);

    [Theory]
    [InlineData("250,5", new byte[] { 5 })]
    [InlineData("250,300", new byte[] { 1, 44 })]
    [InlineData("250,70000", new byte[] { 0, 1, 0x11, 0x70 })]
    [InlineData("250,5s", new byte[] { 0, 5 })]
    [InlineData("250,5i", new byte[] { 0, 0, 0, 5 })]
    [InlineData("250,01:02:ab", new byte[] { 1, 2, 0xab })]
    [InlineData("250,10.0.0.1,10.0.0.2", new byte[] { 10, 0, 0, 1, 10, 0, 0, 2 })]
    [InlineData("250,abc", new byte[] { (byte)'a', (byte)'b', (byte)'c' })]
    public void Parse_UnknownCode_InferredLikeDnsmasq(string line, byte[] expected) => Assert.Equal(expected, Parsed(line).Value);

    [Theory]
    [InlineData("option:time-offset,-3600", new byte[] { 0xff, 0xff, 0xf1, 0xf0 })]
    [InlineData("option:lease-time,1h", new byte[] { 0, 0, 0x0e, 0x10 })]
    [InlineData("option:T1,infinite", new byte[] { 0xff, 0xff, 0xff, 0xff })]
    [InlineData("option:ip-forward-enable,1", new byte[] { 1 })]
    [InlineData("option:netbios-nodetype,8", new byte[] { 8 })]
    [InlineData("option:sip-server,10.0.0.1", new byte[] { 1, 10, 0, 0, 1 })]
    [InlineData("option:sip-server,sip.example", new byte[] { 0, 3, (byte)'s', (byte)'i', (byte)'p', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 0 })]
    [InlineData("option:boot-file-size,5", new byte[] { 0, 5 })]
    public void Parse_TypedValues(string line, byte[] expected) => Assert.Equal(expected, Parsed(line).Value);

    [Theory]
    [InlineData("net:foo,3,1.2.3.4", "foo")]
    [InlineData("tag:!known,3,1.2.3.4", "!known")]
    [InlineData("oldtag,3,1.2.3.4", "oldtag")]
    public void Parse_TagForms(string line, string tag) => Assert.Equal([tag], Parsed(line).RequiredTags);

    [Fact]
    public void Parse_SeveralTags_AllRequired() => Assert.Equal(["a", "!b"], Parsed("tag:a,tag:!b,option:router,1.2.3.4").RequiredTags);

    [Theory]
    [InlineData("option6:dns-server,[2001:db8::1]")]
    [InlineData("tag:x,option6:23,[::]")]
    public void Parse_Option6_Ignored(string line) => Assert.Equal(LineOutcome.Ignored, DnsmasqDhcpOption.Parse(line).Outcome);

    [Theory]
    [InlineData("vendor:PXEClient,1,0.0.0.0")]
    [InlineData("encap:175,190,\"iscsi-client0\"")]
    [InlineData("vi-encap:2,10,\"text\"")]
    [InlineData("tag:port-1,option:server-ip-address,10.0.0.1")]
    public void Parse_VendorEncapSiaddr_Unsupported(string line)
    {
        LineResult<OptionSetting> r = DnsmasqDhcpOption.Parse(line);
        Assert.Equal(LineOutcome.Unsupported, r.Outcome);
        Assert.False(string.IsNullOrEmpty(r.Message));
    }

    [Theory]
    [InlineData("option:routr,1.2.3.4", "unknown option name 'routr'")]
    [InlineData("0,1.2.3.4", "out of range")]
    [InlineData("255,1.2.3.4", "out of range")]
    [InlineData("256,1.2.3.4", "out of range")]
    [InlineData("option:router,10.0.0", "'10.0.0' is not an IPv4 address")]
    [InlineData("option:mtu,70000", "'70000' is not a number 0..65535")]
    [InlineData("option:netmask,255.255.255.0,255.0.0.0", "expects one IPv4 address")]
    [InlineData("tag:x", "no option given")]
    [InlineData("", "no option given")]
    [InlineData("set:x,3,1.2.3.4", "only match tags")]
    [InlineData("250,[2001:db8::1]", "IPv6")]
    public void Parse_Bad_InvalidWithReason(string line, string reason)
    {
        LineResult<OptionSetting> r = DnsmasqDhcpOption.Parse(line);
        Assert.Equal(LineOutcome.Invalid, r.Outcome);
        Assert.Contains(reason, r.Message);
    }

    [Fact]
    public void Catalog_NamesAndCodesAreUnique()
    {
        Assert.Equal(Dhcp4OptionCatalog.All.Count, Dhcp4OptionCatalog.All.Select(d => d.Name).Distinct().Count());
        Assert.Equal(Dhcp4OptionCatalog.All.Count, Dhcp4OptionCatalog.All.Select(d => d.Code).Distinct().Count());
        Assert.True(Dhcp4OptionCatalog.TryGetByName("fqdn", out Dhcp4OptionDefinition fqdn));
        Assert.Equal(81, fqdn.Code);
    }
}
