using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Tests;

/// <summary>
/// What compaction relies on: the table hands out its host names and client-id arrays (<see cref="Dhcp4LeaseTable.TryCopyLeases"/>)
/// and never writes into them, and a renewal that changes neither allocates nothing.
/// </summary>
public class Dhcp4LeaseTableTests
{
    private static readonly IPv4Subnet Subnet = new(IPv4Address.Parse("10.40.0.0"), 24);
    private static readonly IPv4Address Address = IPv4Address.Parse("10.40.0.7");
    private static readonly MacAddress Mac = MacAddress.Parse("fa:16:3e:40:00:07");

    [Fact]
    public void Renewal_WithEqualHostNameAndClientId_AllocatesNothing_AndKeepsTheTablesInstances()
    {
        Dhcp4LeaseTable table = new();
        byte[] clientId = [0x01, 0xfa, 0x16, 0x3e, 0x40, 0x00, 0x07];
        table.Grant(Address, Mac, clientId, "host-7", 100, Subnet);
        LeaseEntry before = Single(table);

        // An equal name in another string (the host's name after a reload) and the client-id in another buffer (the packet).
        string reloadedName = new("host-7".AsSpan());
        byte[] packetClientId = [.. clientId];
        table.Grant(Address, Mac, packetClientId, reloadedName, 101, Subnet);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            table.Grant(Address, Mac, packetClientId, reloadedName, 200 + i, Subnet);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(0, allocated);
        LeaseEntry after = Single(table);
        Assert.Equal(1199, after.ExpiresUnixSeconds);
        Assert.Same(before.HostName, after.HostName);
        Assert.Same(before.ClientId, after.ClientId);
    }

    [Fact]
    public void Renewal_WithAnotherClientId_ReplacesTheArray_AndLeavesTheCopiedOneAsItWas()
    {
        Dhcp4LeaseTable table = new();
        table.Grant(Address, Mac, [1, 2, 3], "a", 100, Subnet);
        LeaseEntry copied = Single(table);

        table.Grant(Address, Mac, [1, 2, 4], "b", 100, Subnet);

        // A compaction still formatting the earlier copy sees the earlier lease, whole.
        Assert.Equal([1, 2, 3], copied.ClientId);
        Assert.Equal("a", copied.HostName);
        LeaseEntry now = Single(table);
        Assert.Equal([1, 2, 4], now.ClientId);
        Assert.Equal("b", now.HostName);
    }

    private static LeaseEntry Single(Dhcp4LeaseTable table)
    {
        LeaseEntry[] buffer = new LeaseEntry[1];
        Assert.True(table.TryCopyLeases(buffer, out int count));
        Assert.Equal(1, count);
        return buffer[0];
    }
}
