using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Tests;

public class HostTableTests
{
    private static readonly Reservation[] Reservations =
    [
        new(MacAddress.Parse("fa:16:3e:00:00:01"), null, "host-a", IPv4Address.Parse("10.0.0.2"), null, []),
        new(null, [1, 0xfa, 0x16], null, IPv4Address.Parse("10.0.0.3"), 3600, ["port-1", "x"], Ignore: true),
        new(MacAddress.Parse("fa:16:3e:00:00:02"), [], "", null, 120, ["port-1", "x"]),
        new(MacAddress.Parse("fa:16:3e:00:00:03"), null, "hôte", IPv4Address.Parse("10.0.0.4"), null, ["port-2"]),
    ];

    [Fact]
    public void From_Reservations_ReadsBackEveryField()
    {
        HostTable table = HostTable.From(Reservations);

        Assert.Equal(Reservations.Length, table.Count);
        for (int i = 0; i < Reservations.Length; i++)
        {
            Reservation expected = Reservations[i];
            Reservation actual = table[i];
            Assert.Equal(expected.Mac, actual.Mac);
            Assert.Equal(expected.ClientId, actual.ClientId);
            Assert.Equal(expected.HostName, actual.HostName);
            Assert.Equal(expected.Address, actual.Address);
            Assert.Equal(expected.LeaseSeconds, actual.LeaseSeconds);
            Assert.Equal(expected.SetTags, actual.SetTags);
            Assert.Equal(expected.Ignore, actual.Ignore);
        }
    }

    [Fact]
    public void From_EqualTags_ShareOneTagSet()
    {
        HostTable table = HostTable.From(Reservations);

        Assert.Equal(0, table.GetTagSetId(0));
        Assert.Equal(table.GetTagSetId(1), table.GetTagSetId(2));
        Assert.NotEqual(table.GetTagSetId(1), table.GetTagSetId(3));
        Assert.Equal(3, table.TagSetCount);
    }

    [Fact]
    public void HostName_AsciiOnlyForOption12()
    {
        HostTable table = HostTable.From(Reservations);

        Assert.True(table.IsHostNameAscii(0));
        Assert.Equal("host-a"u8.ToArray(), table.GetHostNameUtf8(0).ToArray());
        Assert.False(table.IsHostNameAscii(3));
        Assert.False(table.HasHostName(1));
    }

    [Fact]
    public void From_HostTable_IsTheSameTable()
    {
        HostTable table = HostTable.From(Reservations);

        Assert.Same(table, HostTable.From(table));
    }
}
