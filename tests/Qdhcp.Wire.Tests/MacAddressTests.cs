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
}
