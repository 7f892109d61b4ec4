using System.Net;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Wire.Tests;

public class IPv4AddressTests
{
    [Theory]
    [InlineData("0.0.0.0", 0x00000000u)]
    [InlineData("10.10.10.2", 0x0A0A0A02u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    [InlineData("169.254.169.254", 0xA9FEA9FEu)]
    [InlineData(" 10.0.0.1 ", 0x0A000001u)] // surrounding whitespace is trimmed
    [InlineData("01.2.3.4", 0x01020304u)] // leading zeros are decimal, never octal (unlike inet_aton)
    [InlineData("010.010.010.010", 0x0A0A0A0Au)]
    [InlineData("000.000.000.000", 0u)]
    public void TryParse_DottedQuad_HostOrderValue(string text, uint expected)
    {
        Assert.True(IPv4Address.TryParse(text, out IPv4Address address));
        Assert.Equal(expected, address.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("1.1.1.256")]
    [InlineData("999.1.1.1")]
    [InlineData("1.2.3.0004")]
    [InlineData("1..3.4")]
    [InlineData(".1.2.3")]
    [InlineData("1.2.3.")]
    [InlineData("1.2.3.4.")]
    [InlineData("+1.2.3.4")]
    [InlineData("1.2.3.-4")]
    [InlineData("a.b.c.d")]
    [InlineData("1.2.3.4/24")]
    [InlineData("1.2.3.4 x")]
    [InlineData("1 .2.3.4")]
    [InlineData("0x1.2.3.4")]
    [InlineData("16909060")] // inet_aton's single-number form is not accepted
    [InlineData("\u0661.2.3.4")] // Arabic-Indic digit one
    [InlineData("::1")]
    public void TryParse_BadInput_False(string text)
    {
        Assert.False(IPv4Address.TryParse(text, out IPv4Address address));
        Assert.Equal(default, address);
        Assert.Throws<FormatException>(() => IPv4Address.Parse(text));
    }

    [Theory]
    [InlineData(0u, "0.0.0.0")]
    [InlineData(0x0A0A0AFFu, "10.10.10.255")]
    [InlineData(0xFFFFFFFFu, "255.255.255.255")]
    [InlineData(0x01020304u, "1.2.3.4")]
    public void ToString_Value_DottedQuad(uint value, string expected)
    {
        var address = new IPv4Address(value);

        Assert.Equal(expected, address.ToString());
        Span<char> destination = stackalloc char[15];
        Assert.True(address.TryFormat(destination, out int written, default, null));
        Assert.Equal(expected, destination[..written].ToString());
        Assert.Equal(address, IPv4Address.Parse(expected));
    }

    [Fact]
    public void TryFormat_DestinationTooSmall_False()
    {
        Span<char> destination = stackalloc char[14];

        Assert.False(IPv4Address.Broadcast.TryFormat(destination, out _, default, null));
    }

    [Fact]
    public void TryFormat_Warm_DoesNotAllocate()
    {
        IPv4Address address = IPv4Address.Parse("169.254.169.254");
        Span<char> destination = stackalloc char[15];
        address.TryFormat(destination, out _, default, null);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            address.TryFormat(destination, out _, default, null);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Interpolation_Address_DottedQuad()
    {
        Assert.Equal("server 10.10.10.3/24", $"server {IPv4Address.Parse("10.10.10.3")}/24");
    }

    [Fact]
    public void ReadWrite_WireOrder_BigEndian()
    {
        IPv4Address address = IPv4Address.Read([10, 10, 10, 3]);

        Assert.Equal(IPv4Address.FromOctets(10, 10, 10, 3), address);
        byte[] output = new byte[4];
        address.Write(output);
        Assert.Equal(new byte[] { 10, 10, 10, 3 }, output);
    }

    [Fact]
    public void Comparison_Operators_NumericOrder()
    {
        IPv4Address low = IPv4Address.Parse("10.10.10.2");
        IPv4Address high = IPv4Address.Parse("10.10.10.10");

        Assert.True(low < high);
        Assert.True(high > low);
        Assert.True(low <= IPv4Address.Parse("10.10.10.2"));
        Assert.True(high >= low);
        Assert.True(low.CompareTo(high) < 0);
        Assert.True(IPv4Address.Parse("9.255.255.255") < IPv4Address.Parse("10.0.0.0"));
        Assert.True(IPv4Address.Any.IsAny);
        Assert.False(IPv4Address.Broadcast.IsAny);
    }

    [Fact]
    public void IPAddressConversion_RoundTrip_SameAddress()
    {
        IPAddress ip = IPAddress.Parse("192.168.1.20");

        IPv4Address address = IPv4Address.FromIPAddress(ip);

        Assert.Equal(IPv4Address.Parse("192.168.1.20"), address);
        Assert.Equal(ip, address.ToIPAddress());
        Assert.Throws<ArgumentException>(() => IPv4Address.FromIPAddress(IPAddress.IPv6Loopback));
    }

    [Theory]
    [InlineData(-1, "0.0.0.0")]
    [InlineData(0, "0.0.0.0")]
    [InlineData(1, "128.0.0.0")]
    [InlineData(8, "255.0.0.0")]
    [InlineData(24, "255.255.255.0")]
    [InlineData(31, "255.255.255.254")]
    [InlineData(32, "255.255.255.255")]
    [InlineData(33, "255.255.255.255")]
    public void MaskOf_PrefixLength_Netmask(int prefixLength, string expected)
    {
        Assert.Equal(expected, IPv4Address.MaskOf(prefixLength).ToString());
    }

    [Theory]
    [InlineData("0.0.0.0", 0)]
    [InlineData("128.0.0.0", 1)]
    [InlineData("255.255.255.0", 24)]
    [InlineData("255.255.255.252", 30)]
    [InlineData("255.255.255.255", 32)]
    [InlineData("255.0.255.0", -1)]
    [InlineData("0.255.255.255", -1)]
    [InlineData("255.255.255.1", -1)]
    [InlineData("0.0.0.1", -1)]
    public void PrefixLengthOfMask_Mask_PrefixOrMinusOne(string mask, int expected)
    {
        Assert.Equal(expected, IPv4Address.Parse(mask).PrefixLengthOfMask());
    }

    [Fact]
    public void MaskOf_EveryPrefix_RoundTripsThroughPrefixLengthOfMask()
    {
        for (int prefix = 0; prefix <= 32; prefix++)
        {
            Assert.Equal(prefix, IPv4Address.MaskOf(prefix).PrefixLengthOfMask());
        }
    }
}
