using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Tests;

public class DhcpRangeAndMatchTests
{
    private static DhcpRange Range(string value)
    {
        LineResult<DhcpRange> r = DnsmasqDhcpRange.Parse(value);
        Assert.True(r.IsParsed, $"'{value}': {r.Outcome} {r.Message}");
        return r.Value!;
    }

    [Fact]
    public void Parse_SeedOldSyntax_BareWordIsSetTag()
    {
        DhcpRange r = Range("tag0,10.10.10.0,static,120s");
        Assert.Equal(["tag0"], r.SetTags);
        Assert.Empty(r.RequiredTags);
        Assert.Equal(IPv4Address.Parse("10.10.10.0"), r.Start);
        Assert.Equal(r.Start, r.End);
        Assert.True(r.IsStatic);
        Assert.Null(r.Netmask);
        Assert.Equal(120u, r.LeaseSeconds);
    }

    [Fact]
    public void Parse_NeutronStaticWithNetmask()
    {
        DhcpRange r = Range("set:subnet-SUB,10.77.0.0,static,255.255.255.0,86400s");
        Assert.Equal(["subnet-SUB"], r.SetTags);
        Assert.True(r.IsStatic);
        Assert.Equal(IPv4Address.Parse("255.255.255.0"), r.Netmask);
        Assert.Equal(86400u, r.LeaseSeconds);
    }

    [Fact]
    public void Parse_CaptureRange() => Assert.Equal(120u, Range("set:tag0,10.10.10.0,static,255.255.255.0,120s").LeaseSeconds);

    [Fact]
    public void Parse_Infinite() => Assert.Equal(LeaseTime.Infinite, Range("set:x,10.10.10.0,static,infinite").LeaseSeconds);

    [Fact]
    public void Parse_NetOldForm_SetsTag() => Assert.Equal(["x"], Range("net:x,10.10.10.0,static").SetTags);

    [Fact]
    public void Parse_DynamicPool()
    {
        DhcpRange r = Range("10.10.10.100,10.10.10.200,12h");
        Assert.False(r.IsStatic);
        Assert.Equal(IPv4Address.Parse("10.10.10.100"), r.Start);
        Assert.Equal(IPv4Address.Parse("10.10.10.200"), r.End);
        Assert.Equal(43200u, r.LeaseSeconds);
        Assert.Empty(r.SetTags);
    }

    [Fact]
    public void Parse_DynamicPoolWithNetmask() =>
        Assert.Equal(IPv4Address.Parse("255.255.255.0"), Range("10.10.10.100,10.10.10.200,255.255.255.0,12h").Netmask);

    [Fact]
    public void Parse_FullForm_TagSetNetmaskBroadcast()
    {
        LineResult<DhcpRange> result = DnsmasqDhcpRange.Parse("tag:x,set:y,10.0.0.10,10.0.0.20,255.255.255.0,10.0.0.255,1d");
        DhcpRange r = result.Value!;
        Assert.Equal(["x"], r.RequiredTags);
        Assert.Equal(["y"], r.SetTags);
        Assert.Equal(86400u, r.LeaseSeconds);
        Assert.Contains(result.Warnings, w => w.Contains("broadcast"));
    }

    [Theory]
    [InlineData("10.0.0.1,10.0.0.9", LeaseTime.DefaultSeconds)]
    [InlineData("10.0.0.1,10.0.0.9,300", 300u)]
    [InlineData("10.0.0.1,10.0.0.9,45m", 2700u)]
    [InlineData("10.0.0.1,10.0.0.9,1h", 3600u)]
    [InlineData("10.0.0.1,10.0.0.9,2d", 172800u)]
    [InlineData("10.0.0.1,10.0.0.9,1w", 604800u)]
    [InlineData("10.0.0.1,10.0.0.9,30s", 120u)]
    public void Parse_LeaseUnits(string value, uint seconds) => Assert.Equal(seconds, Range(value).LeaseSeconds);

    [Fact]
    public void Parse_ShortLease_RaisedWithWarning() => Assert.Contains(DnsmasqDhcpRange.Parse("10.0.0.1,10.0.0.9,60").Warnings, w => w.Contains("120"));

    [Fact]
    public void Parse_StartAfterEnd_Swapped()
    {
        DhcpRange r = Range("10.0.0.9,10.0.0.1");
        Assert.Equal(IPv4Address.Parse("10.0.0.1"), r.Start);
    }

    [Theory]
    [InlineData("set:subnet-v6,2001:db8::,static,off-link,64,86400s")]
    [InlineData("::1,::400,constructor:eth0")]
    [InlineData("set:x,::,ra-only")]
    public void Parse_Ipv6_Ignored(string value) => Assert.Equal(LineOutcome.Ignored, DnsmasqDhcpRange.Parse(value).Outcome);

    [Fact]
    public void Parse_Proxy_Unsupported() => Assert.Equal(LineOutcome.Unsupported, DnsmasqDhcpRange.Parse("10.0.0.0,proxy").Outcome);

    [Theory]
    [InlineData("10.0.0.300,static", "is not an IPv4 start address")]
    [InlineData("set:a,set:b,10.0.0.0,static", "only one tag")]
    [InlineData("10.0.0.1,10.0.0.9,255.0.255.0", "not a netmask")]
    [InlineData("10.0.0.1,10.0.0.9,12x", "not a lease time")]
    [InlineData("10.0.0.1,10.0.0.9,1h,extra", "unexpected 'extra'")]
    [InlineData("10.0.0.1,10.1.0.9,255.255.255.0", "not in the same subnet")]
    [InlineData("", "no start address")]
    public void Parse_Bad_Invalid(string value, string reason)
    {
        LineResult<DhcpRange> r = DnsmasqDhcpRange.Parse(value);
        Assert.Equal(LineOutcome.Invalid, r.Outcome);
        Assert.Contains(reason, r.Message);
    }

    [Fact]
    public void ParseMatch_NeutronIpxe()
    {
        RequestMatch m = DnsmasqRequestMatch.ParseMatch("set:ipxe,175").Value!;
        Assert.Equal("ipxe", m.SetTag);
        Assert.Equal(175, m.Code);
        Assert.Null(m.Value);
    }

    [Fact]
    public void ParseMatch_NamedOptionWithValue_EncodedByType()
    {
        RequestMatch m = DnsmasqRequestMatch.ParseMatch("set:efi64,option:client-arch,7").Value!;
        Assert.Equal(93, m.Code);
        Assert.Equal([0, 7], m.Value);
    }

    [Fact]
    public void ParseUserClass_NeutronIpxe6()
    {
        RequestMatch m = DnsmasqRequestMatch.ParseUserClass("set:ipxe6,iPXE").Value!;
        Assert.Equal("ipxe6", m.SetTag);
        Assert.Equal(77, m.Code);
        Assert.Equal("iPXE"u8.ToArray(), m.Value);
    }

    [Fact]
    public void ParseMatch_Option6_Ignored() => Assert.Equal(LineOutcome.Ignored, DnsmasqRequestMatch.ParseMatch("set:x,option6:16").Outcome);

    [Theory]
    [InlineData("set:x")]
    [InlineData("tag:x,175")]
    [InlineData("set:x,option:nope")]
    public void ParseMatch_Bad_Invalid(string value) => Assert.Equal(LineOutcome.Invalid, DnsmasqRequestMatch.ParseMatch(value).Outcome);

    [Fact]
    public void ParseUserClass_NoString_Invalid() => Assert.Equal(LineOutcome.Invalid, DnsmasqRequestMatch.ParseUserClass("set:x").Outcome);
}
