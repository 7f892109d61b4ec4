using Qdhcp.Wire.Primitives;

namespace Qdhcp.Wire.Tests;

public class MacAddressTests
{
    [Fact]
    public void TryParse_Formatted_RoundTrips()
    {
        Assert.True(MacAddress.TryParse("FA:16:3e:fe:c7:87", out MacAddress mac));
        Assert.Equal("fa:16:3e:fe:c7:87", mac.ToString());
        Span<byte> bytes = stackalloc byte[6];
        mac.Write(bytes);
        Assert.Equal(mac, MacAddress.Read(bytes));
    }

    [Theory]
    [InlineData("fa:16:3e:fe:c7:87")]
    [InlineData("FA:16:3E:FE:C7:87")]
    [InlineData("fa-16-3e-fe-c7-87")]
    [InlineData("  fa:16:3e:fe:c7:87\n")] // surrounding whitespace is trimmed (hosts files)
    public void TryParse_AcceptedSpellings_SameValue(string text)
    {
        Assert.True(MacAddress.TryParse(text, out MacAddress mac));
        Assert.Equal(0xfa163efec787UL, mac.Value);
        Assert.Equal(mac, MacAddress.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("fa:16:3e:fe:c7")]
    [InlineData("fa:16:3e:fe:c7:8")]
    [InlineData("fa:16:3e:fe:c7:877")]
    [InlineData("fa:16:3e:fe:c7:87:00")]
    [InlineData("fa163efec787")]
    [InlineData("fa.16.3e.fe.c7.87")]
    [InlineData("fa:16:3e:fe:c7:8g")]
    [InlineData("fa:16:3e:fe:c7:+8")]
    [InlineData("fa:16:3e:fe:c7: 8")]
    [InlineData("fa::16:3e:fe:c7:8")]
    [InlineData("0xfa:16:3e:fe:c7")]
    public void TryParse_BadInput_False(string text)
    {
        Assert.False(MacAddress.TryParse(text, out MacAddress mac));
        Assert.Equal(default, mac);
        Assert.Throws<FormatException>(() => MacAddress.Parse(text));
    }

    [Fact]
    public void ReadWrite_WireOrder_BigEndian()
    {
        byte[] wire = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0xEE];

        MacAddress mac = MacAddress.Read(wire);

        Assert.Equal(0x000102030405UL, mac.Value);
        Assert.Equal("00:01:02:03:04:05", mac.ToString());
        byte[] output = new byte[7];
        output[6] = 0xEE;
        mac.Write(output);
        Assert.Equal(wire, output);
    }

    [Fact]
    public void Broadcast_AllOnes_Formatted()
    {
        Assert.Equal("ff:ff:ff:ff:ff:ff", MacAddress.Broadcast.ToString());
        Assert.Equal(MacAddress.Broadcast, MacAddress.Parse("FF-FF-FF-FF-FF-FF"));
    }

    [Fact]
    public void TryFormat_DestinationTooSmall_False()
    {
        Span<char> destination = stackalloc char[16];

        Assert.False(MacAddress.Parse("fa:16:3e:fe:c7:87").TryFormat(destination, out int written, default, null));
        Assert.Equal(0, written);
    }

    [Fact]
    public void TryFormat_LargeEnough_WritesLowercase()
    {
        Span<char> destination = stackalloc char[20];

        Assert.True(MacAddress.Parse("FA:16:3E:FE:C7:87").TryFormat(destination, out int written, default, null));

        Assert.Equal(17, written);
        Assert.Equal("fa:16:3e:fe:c7:87", destination[..written].ToString());
        Assert.Equal("mac fa:16:3e:fe:c7:87", $"mac {MacAddress.Parse("FA:16:3E:FE:C7:87")}");
    }

    [Fact]
    public void TryFormat_Warm_DoesNotAllocate()
    {
        MacAddress mac = MacAddress.Parse("fa:16:3e:fe:c7:87");
        Span<char> destination = stackalloc char[17];
        mac.TryFormat(destination, out _, default, null);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            mac.TryFormat(destination, out _, default, null);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
