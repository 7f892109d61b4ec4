using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;
using static Qdhcp.Engine.Tests.TestNetwork;

namespace Qdhcp.Engine.Tests;

/// <summary>
/// Dynamic pools (<c>--dhcp-range=10.10.10.100,10.10.10.109,600s</c>) beside static reservations: what an unknown
/// client is offered and ACKed, offer holds, returning clients, declines, lease-max, reclaim, rate limits.
/// </summary>
public class Dhcp4EnginePoolTests
{
    private static readonly IPv4Address PoolStart = IPv4Address.Parse("10.10.10.100");
    private static readonly IPv4Address PoolEnd = IPv4Address.Parse("10.10.10.109");

    /// <summary>Reserved for <see cref="TestNetwork.Vm3"/>, inside the pool: never handed to anyone else.</summary>
    private static readonly IPv4Address ReservedInPool = IPv4Address.Parse("10.10.10.105");

    private readonly TestClock _clock = new();

    internal static DhcpRange Pool(IPv4Address start, IPv4Address end, uint leaseSeconds = 600) =>
        new(["tag0"], [], start, end, IsStatic: false, Netmask: null, leaseSeconds);

    internal static Dhcp4Configuration PoolConfiguration(int leaseMax = 256) =>
        Configuration(hosts: [Host(Vm1, Vm1Address, "host-10-10-10-2"), Host(Vm3, ReservedInPool, "reserved")], leaseMax: leaseMax) with
        {
            Ranges = [Pool(PoolStart, PoolEnd)],
            PoolRateLimit = 0,
        };

    private static MacAddress Mac(int i) => new(0xfa163e000000UL + 0x1000UL + (ulong)i);

    private TestDhcp4Client Client(Dhcp4Engine engine, MacAddress mac) => new(engine, mac, _clock);

    private static bool InPool(IPv4Address address) => address >= PoolStart && address <= PoolEnd;

    [Fact]
    public void Dora_UnknownClient_GetsAPoolAddressAndALease()
    {
        Dhcp4Engine engine = NewEngine(PoolConfiguration());
        var client = Client(engine, Mac(1));

        ParsedReply ack = client.DoDora()!;

        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.True(InPool(ack.Yiaddr), $"{ack.Yiaddr} is not in the pool");
        Assert.NotEqual(ReservedInPool, ack.Yiaddr);
        Assert.Equal(Dhcp4LeaseChange.Bound, client.LastResult.LeaseChange);
        Assert.True(engine.Leases.TryGet(ack.Yiaddr, out LeaseRecord lease));
        Assert.Equal(Mac(1), lease.Mac);
        Assert.Equal(_clock.Now + 600, lease.ExpiresUnixSeconds);
        Assert.Equal(600u, ack.UInt32Option(Dhcp4OptionCode.IPAddressLeaseTime));
    }

    [Fact]
    public void Renew_PoolLease_IsRenewedNotRebound()
    {
        var client = Client(NewEngine(PoolConfiguration()), Mac(1));
        IPv4Address address = client.DoDora()!.Yiaddr;
        _clock.Advance(300);

        Assert.Equal(address, client.DoRenew()!.Yiaddr);
        Assert.Equal(Dhcp4LeaseChange.Renewed, client.LastResult.LeaseChange);
    }

    [Fact]
    public void Discover_TwoClientsRacing_AreOfferedDifferentAddresses()
    {
        // A single free address: the first DISCOVER holds it, the second finds the pool empty.
        Dhcp4Engine engine = NewEngine(PoolConfiguration() with { Ranges = [Pool(PoolStart, PoolStart)] });
        var first = Client(engine, Mac(1));
        var second = Client(engine, Mac(2));

        Assert.Equal(PoolStart, first.DoDiscover()!.Yiaddr);
        Assert.Null(second.DoDiscover());
        Assert.Equal(Dhcp4DropReason.PoolExhausted, second.LastResult.DropReason);

        // The hold ends: the second client gets it, and the first one's late REQUEST is refused.
        _clock.Advance(11);
        Assert.Equal(PoolStart, second.DoDiscover()!.Yiaddr);
        Assert.Equal(Dhcp4MessageType.Nak, first.Send(first.BuildRequestSelecting(ServerAddress, PoolStart))!.MessageType);
        Assert.Equal(Dhcp4MessageType.Ack, second.Send(second.BuildRequestSelecting(ServerAddress, PoolStart))!.MessageType);
    }

    [Fact]
    public void Discover_ManyClients_NoAddressTwiceAndReservedNeverGiven()
    {
        Dhcp4Engine engine = NewEngine(PoolConfiguration());
        HashSet<IPv4Address> given = [];
        for (int i = 0; i < 9; i++)
        {
            ParsedReply ack = Client(engine, Mac(i)).DoDora()!;
            Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
            Assert.True(InPool(ack.Yiaddr));
            Assert.True(given.Add(ack.Yiaddr), $"{ack.Yiaddr} given twice");
        }

        Assert.DoesNotContain(ReservedInPool, given);
        var late = Client(engine, Mac(100));
        Assert.Null(late.DoDiscover());
        Assert.Equal(Dhcp4DropReason.PoolExhausted, late.LastResult.DropReason);

        // The reserved host is served all the same.
        Assert.Equal(ReservedInPool, Client(engine, Vm3).DoDora()!.Yiaddr);
    }

    [Fact]
    public void Dora_ReturningClientAfterRelease_GetsItsAddressBack()
    {
        Dhcp4Engine engine = NewEngine(PoolConfiguration());
        for (int i = 20; i < 24; i++)
        {
            Client(engine, Mac(i)).DoDora();
        }

        // The scan starts where the MAC hashes to, so a client whose lease is gone lands on the same free address.
        var client = Client(engine, Mac(7));
        IPv4Address first = client.DoDora()!.Yiaddr;
        client.DoRelease();
        Assert.False(engine.Leases.TryGet(first, out _));
        Assert.Equal(first, client.DoDora()!.Yiaddr);
    }

    [Fact]
    public void Dora_ReturningClientAfterExpiry_GetsItsAddressBack()
    {
        Dhcp4Engine engine = NewEngine(PoolConfiguration());
        var client = Client(engine, Mac(7));
        IPv4Address first = client.DoDora()!.Yiaddr;
        _clock.Advance(10_000);

        Assert.Equal(first, client.DoDora()!.Yiaddr);
    }

    [Fact]
    public void Discover_RequestedAddress_HonouredWhenFreeIgnoredWhenTaken()
    {
        Dhcp4Engine engine = NewEngine(PoolConfiguration());
        IPv4Address wanted = IPv4Address.Parse("10.10.10.108");
        var owner = Client(engine, Mac(1));
        owner.ExtraOptions.Add(((byte)Dhcp4OptionCode.RequestedIPAddress, Address(wanted)));
        Assert.Equal(wanted, owner.DoDiscover()!.Yiaddr);

        // Held for the owner by its offer: another client asking for it is offered something else.
        var other = Client(engine, Mac(2));
        other.ExtraOptions.Add(((byte)Dhcp4OptionCode.RequestedIPAddress, Address(wanted)));
        IPv4Address got = other.DoDiscover()!.Yiaddr;
        Assert.NotEqual(wanted, got);
        Assert.True(InPool(got));

        var wantsReserved = Client(engine, Mac(3));
        wantsReserved.ExtraOptions.Add(((byte)Dhcp4OptionCode.RequestedIPAddress, Address(ReservedInPool)));
        Assert.NotEqual(ReservedInPool, wantsReserved.DoDiscover()!.Yiaddr);
    }

    [Fact]
    public void Decline_PoolAddress_NotOfferedUntilTheQuarantineEnds()
    {
        Dhcp4Engine engine = NewEngine(PoolConfiguration() with { Ranges = [Pool(PoolStart, PoolStart)], DeclineQuarantineSeconds = 60 });
        var client = Client(engine, Mac(1));
        Assert.Equal(PoolStart, client.DoDora()!.Yiaddr);
        client.DoDecline();

        var other = Client(engine, Mac(2));
        Assert.Null(other.DoDiscover());
        Assert.Null(client.DoDiscover());
        _clock.Advance(61);
        Assert.Equal(PoolStart, other.DoDora()!.Yiaddr);
    }

    [Fact]
    public void Discover_LeaseMaxReached_NewClientNotOfferedButLeaseHolderIs()
    {
        Dhcp4Engine engine = NewEngine(PoolConfiguration(leaseMax: 2));
        var a = Client(engine, Mac(1));
        a.DoDora();
        Client(engine, Mac(2)).DoDora();

        var third = Client(engine, Mac(3));
        Assert.Null(third.DoDiscover());
        Assert.Equal(Dhcp4DropReason.LeaseMaxReached, third.LastResult.DropReason);
        Assert.Equal(Dhcp4MessageType.Ack, a.DoRenew()!.MessageType);
    }

    [Fact]
    public void Discover_PoolFullOfExpiredLeases_ReclaimsThem()
    {
        Dhcp4Engine engine = NewEngine(PoolConfiguration());
        for (int i = 0; i < 9; i++)
        {
            Client(engine, Mac(i)).DoDora();
        }

        var late = Client(engine, Mac(100));
        Assert.Null(late.DoDiscover());
        _clock.Advance(601);
        ParsedReply ack = late.DoDora()!;
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.True(InPool(ack.Yiaddr));
    }

    [Fact]
    public void InitReboot_NoLeaseOnRecord_FreeAddressIsKeptTakenOneIsNaked()
    {
        // After a restart that lost the lease file: a client rebooting with a free pool address keeps it.
        Dhcp4Engine engine = NewEngine(PoolConfiguration());
        var client = Client(engine, Mac(1));
        Assert.Equal(Dhcp4MessageType.Ack, client.DoInitReboot(IPv4Address.Parse("10.10.10.101"))!.MessageType);

        var other = Client(engine, Mac(2));
        Assert.Equal(Dhcp4MessageType.Nak, other.DoInitReboot(IPv4Address.Parse("10.10.10.101"))!.MessageType);
        Assert.Equal(Dhcp4MessageType.Nak, other.DoInitReboot(ReservedInPool)!.MessageType);
    }

    [Fact]
    public void InitReboot_AddressOutsideThePools_SilentUnlessAuthoritative()
    {
        var client = Client(NewEngine(PoolConfiguration()), Mac(1));
        Assert.Null(client.DoInitReboot(IPv4Address.Parse("10.10.10.50")));
        Assert.Equal(Dhcp4DropReason.NoRange, client.LastResult.DropReason);

        var strict = Client(NewEngine(PoolConfiguration() with { Authoritative = true }), Mac(1));
        Assert.Equal(Dhcp4MessageType.Nak, strict.DoInitReboot(IPv4Address.Parse("10.10.10.50"))!.MessageType);
    }

    [Fact]
    public void Discover_FirstPoolFull_SecondPoolUsed()
    {
        IPv4Address second = IPv4Address.Parse("10.10.10.200");
        Dhcp4Engine engine = NewEngine(PoolConfiguration() with { Ranges = [Pool(PoolStart, PoolStart), Pool(second, second)] });
        Assert.Equal(PoolStart, Client(engine, Mac(1)).DoDora()!.Yiaddr);
        Assert.Equal(second, Client(engine, Mac(2)).DoDora()!.Yiaddr);
        Assert.Null(Client(engine, Mac(3)).DoDiscover());
    }

    [Fact]
    public void Discover_PoolContainsTheServersOwnAddress_NeverOffered()
    {
        Dhcp4Engine engine = NewEngine(PoolConfiguration() with { Ranges = [Pool(ServerAddress, ServerAddress)] });
        var client = Client(engine, Mac(1));
        Assert.Null(client.DoDiscover());
        Assert.Equal(Dhcp4DropReason.PoolExhausted, client.LastResult.DropReason);
    }

    [Fact]
    public void Discover_PoolRateLimit_BoundsNewAddressesPerSourceButNotReturningClients()
    {
        IPv4Address end = IPv4Address.Parse("10.10.10.199");
        Dhcp4Engine engine = NewEngine(PoolConfiguration() with { Ranges = [Pool(PoolStart, end)], PoolRateLimit = 5 });
        var known = Client(engine, Mac(999));
        Assert.Equal(Dhcp4MessageType.Ack, known.DoDora()!.MessageType);
        _clock.Advance(1);

        int offered = 0;
        for (int i = 0; i < 30; i++)
        {
            if (Client(engine, Mac(i)).DoDiscover() is not null)
            {
                offered++;
            }
        }

        Assert.Equal(10, offered); // burst = twice the rate
        Assert.Equal(Dhcp4MessageType.Offer, known.DoDiscover()!.MessageType);
        Assert.Equal(Vm1Address, Client(engine, Vm1).DoDora()!.Yiaddr);

        _clock.Advance(1);
        var next = Client(engine, Mac(500));
        Assert.NotNull(next.DoDiscover());
    }

    [Fact]
    public void Process_ClientRateLimit_DropsOneClientsFloodOnly()
    {
        Dhcp4Engine engine = NewEngine(PoolConfiguration() with { ClientRateLimit = 10 });
        var noisy = Client(engine, Mac(1));
        int answered = 0;
        for (int i = 0; i < 50; i++)
        {
            if (noisy.DoDiscover() is not null)
            {
                answered++;
            }
        }

        Assert.Equal(20, answered);
        Assert.Equal(Dhcp4DropReason.RateLimited, noisy.LastResult.DropReason);
        Assert.Equal(Vm1Address, Client(engine, Vm1).DoDora()!.Yiaddr);
        _clock.Advance(1);
        Assert.NotNull(noisy.DoDiscover());
    }

    [Fact]
    public void Discover_StaticOnlyNetwork_UnknownClientStillIgnored()
    {
        var client = Client(NewEngine(), Mac(1));
        Assert.Null(client.DoDiscover());
        Assert.Equal(Dhcp4DropReason.UnknownClient, client.LastResult.DropReason);
    }
}
