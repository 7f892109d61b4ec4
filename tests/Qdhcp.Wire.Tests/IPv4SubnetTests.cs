using Qdhcp.Wire.Primitives;

namespace Qdhcp.Wire.Tests;

public class IPv4SubnetTests
{
    [Theory]
    [InlineData("10.10.10.0/24", "10.10.10.0", 24)]
    [InlineData("10.10.10.77/24", "10.10.10.0", 24)] // host bits are masked off
    [InlineData("169.254.169.254", "169.254.169.254", 32)] // bare address is a /32
    [InlineData("169.254.169.254/32", "169.254.169.254", 32)]
    [InlineData("0.0.0.0/0", "0.0.0.0", 0)]
    [InlineData("1.2.3.4/0", "0.0.0.0", 0)]
    [InlineData("172.16.5.4/12", "172.16.0.0", 12)]
    public void TryParse_Cidr_NetworkAndPrefix(string text, string network, int prefixLength)
    {
        Assert.True(IPv4Subnet.TryParse(text, out IPv4Subnet subnet));

        Assert.Equal(IPv4Address.Parse(network), subnet.Network);
        Assert.Equal(prefixLength, subnet.PrefixLength);
        Assert.Equal($"{network}/{prefixLength}", subnet.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("/24")]
    [InlineData("10.10.10.0/")]
    [InlineData("10.10.10.0/33")]
    [InlineData("10.10.10.0/-1")]
    [InlineData("10.10.10.0/+24")]
    [InlineData("10.10.10.0/24/8")]
    [InlineData("10.10.10.0/ 24")]
    [InlineData("10.10.10/24")]
    [InlineData("10.10.10.0/255.255.255.0")]
    [InlineData("10.10.10.0/99999999999")]
    public void TryParse_BadInput_False(string text)
    {
        Assert.False(IPv4Subnet.TryParse(text, out IPv4Subnet subnet));
        Assert.Equal(default, subnet);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(33)]
    public void Constructor_PrefixOutOfRange_Throws(int prefixLength)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IPv4Subnet(IPv4Address.Any, prefixLength));
    }

    [Theory]
    [InlineData("10.10.10.0/24", "10.10.10.0", true)]
    [InlineData("10.10.10.0/24", "10.10.10.1", true)]
    [InlineData("10.10.10.0/24", "10.10.10.255", true)]
    [InlineData("10.10.10.0/24", "10.10.11.0", false)]
    [InlineData("10.10.10.0/24", "10.10.9.255", false)]
    [InlineData("10.10.10.0/24", "0.0.0.0", false)]
    [InlineData("169.254.169.254/32", "169.254.169.254", true)]
    [InlineData("169.254.169.254/32", "169.254.169.255", false)]
    [InlineData("0.0.0.0/0", "255.255.255.255", true)]
    [InlineData("0.0.0.0/0", "0.0.0.0", true)]
    [InlineData("192.168.0.0/31", "192.168.0.1", true)]
    [InlineData("192.168.0.0/31", "192.168.0.2", false)]
    public void Contains_Address_ByPrefix(string subnet, string address, bool expected)
    {
        Assert.Equal(expected, IPv4Subnet.TryParse(subnet, out IPv4Subnet s) && s.Contains(IPv4Address.Parse(address)));
    }

    [Theory]
    [InlineData("10.10.10.0/24", "255.255.255.0", "10.10.10.255")]
    [InlineData("10.0.0.0/8", "255.0.0.0", "10.255.255.255")]
    [InlineData("192.168.0.0/31", "255.255.255.254", "192.168.0.1")]
    [InlineData("192.168.0.5/32", "255.255.255.255", "192.168.0.5")]
    [InlineData("0.0.0.0/0", "0.0.0.0", "255.255.255.255")]
    public void BroadcastAddress_Subnet_AllHostBitsSet(string text, string mask, string broadcast)
    {
        IPv4Subnet subnet = Parse(text);

        Assert.Equal(IPv4Address.Parse(mask), subnet.Mask);
        Assert.Equal(IPv4Address.Parse(broadcast), subnet.BroadcastAddress);
        Assert.True(subnet.Contains(subnet.BroadcastAddress));
        Assert.True(subnet.Contains(subnet.Network));
    }

    [Fact]
    public void Equality_SameNetworkDifferentHostBits_Equal()
    {
        Assert.Equal(Parse("10.10.10.0/24"), new IPv4Subnet(IPv4Address.Parse("10.10.10.9"), 24));
        Assert.NotEqual(Parse("10.10.10.0/24"), Parse("10.10.10.0/25"));
    }

    private static IPv4Subnet Parse(string text)
    {
        Assert.True(IPv4Subnet.TryParse(text, out IPv4Subnet subnet));
        return subnet;
    }
}
