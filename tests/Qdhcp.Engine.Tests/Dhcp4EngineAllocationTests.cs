using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;
using static Qdhcp.Engine.Tests.TestNetwork;

namespace Qdhcp.Engine.Tests;

/// <summary>
/// The warm packet path allocates nothing (STYLE.md §5): parse, decide, write, for renewals and for DISCOVERs of
/// known hosts. Request bytes are built beforehand; only <see cref="Dhcp4Engine.Process"/> runs in the measured loop.
/// </summary>
public class Dhcp4EngineAllocationTests
{
    private const int Iterations = 1000;

    [Fact]
    public void Process_WarmRenewals_AllocatesNothing()
    {
        (Dhcp4Engine engine, TestDhcp4Client client) = WarmEngine(Configuration());
        byte[] renew = client.BuildRequestRenewing(Vm1Address);
        AssertNoAllocation(engine, client.Context, renew, Dhcp4MessageType.Ack);
    }

    [Fact]
    public void Process_WarmDiscovers_AllocatesNothing()
    {
        (Dhcp4Engine engine, TestDhcp4Client client) = WarmEngine(Configuration());
        byte[] discover = client.BuildDiscover();
        AssertNoAllocation(engine, client.Context, discover, Dhcp4MessageType.Offer);
    }

    [Fact]
    public void Process_WarmRequestSelectingWithClientIdAndRelay_AllocatesNothing()
    {
        (Dhcp4Engine engine, TestDhcp4Client client) = WarmEngine(Configuration(), c =>
        {
            c.ClientId = [0x01, 0xfa, 0x16, 0x3e, 0xfe, 0xc7, 0x87];
            c.Giaddr = Relay;
            c.RelayAgentInfo = [1, 4, 1, 2, 3, 4];
            c.MaxMessageSize = 576;
        });
        byte[] request = client.BuildRequestSelecting(ServerAddress, Vm1Address);
        AssertNoAllocation(engine, client.Context, request, Dhcp4MessageType.Ack);
    }

    [Fact]
    public void Process_WarmDiscoversWithRequestTagsConfiguredButAbsent_AllocatesNothing()
    {
        // An option depends on tag:ipxe, so request tags matter; a request without option 175 sets none.
        Dhcp4Configuration configuration = Configuration(options: [.. DefaultOptions, Option(67, "boot.ipxe"u8.ToArray(), "ipxe")]);
        (Dhcp4Engine engine, TestDhcp4Client client) = WarmEngine(configuration);
        AssertNoAllocation(engine, client.Context, client.BuildDiscover(), Dhcp4MessageType.Offer);
    }

    [Fact]
    public void Process_WarmRenewalsInRangeWithNegatedRequiredTag_AllocatesNothing()
    {
        DhcpRange range = Range() with { RequiredTags = ["!blocked", "!other"] };
        (Dhcp4Engine engine, TestDhcp4Client client) = WarmEngine(Configuration() with { Ranges = [range] });
        AssertNoAllocation(engine, client.Context, client.BuildRequestRenewing(Vm1Address), Dhcp4MessageType.Ack);
    }

    [Fact]
    public void Process_WarmDropsAndNaks_AllocateNothing()
    {
        (Dhcp4Engine engine, TestDhcp4Client client) = WarmEngine(Configuration());
        var stranger = new TestDhcp4Client(engine, Stranger);
        AssertNoAllocation(engine, client.Context, stranger.BuildDiscover(), Dhcp4MessageType.None);
        AssertNoAllocation(engine, client.Context, client.BuildRequestSelecting(IPv4Address.Parse("10.10.10.4"), Vm1Address), Dhcp4MessageType.None);
        AssertNoAllocation(engine, client.Context, client.BuildRequestInitReboot(IPv4Address.Parse("10.10.10.99")), Dhcp4MessageType.Nak);
    }

    [Fact]
    public void Process_FirstRenewalAfterReload_AllocatesNothing()
    {
        // A reload compiles a new snapshot; the host names the leases hold are handed over to it, so a host's first
        // ACK after a SIGHUP does not make its name again.
        Dhcp4Configuration configuration = Configuration() with { ClientRateLimit = 1_000_000 };
        (Dhcp4Engine engine, TestDhcp4Client vm1) = WarmEngine(configuration);
        var vm2 = new TestDhcp4Client(engine, Vm2, vm1.Clock);
        Assert.Equal(Dhcp4MessageType.Ack, vm2.DoDora()!.MessageType);
        byte[] renew = vm1.BuildRequestRenewing(Vm1Address);
        byte[] reply = new byte[1500];

        engine.Reload(Dhcp4NetworkSnapshot.Compile(configuration));
        vm1.Clock.Advance(60);
        Assert.Equal(Dhcp4MessageType.Ack, vm2.DoRenew()!.MessageType); // builds what a new snapshot builds once: the option block of the hosts' tags
        long before = GC.GetAllocatedBytesForCurrentThread();
        Dhcp4EngineResult result = engine.Process(vm1.Context, renew, reply);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Dhcp4MessageType.Ack, result.ReplyType);
        Assert.True(allocated == 0, $"the first renewal after a reload allocated {allocated} bytes");
    }

    private static (Dhcp4Engine Engine, TestDhcp4Client Client) WarmEngine(Dhcp4Configuration configuration, Action<TestDhcp4Client>? setup = null)
    {
        // One client sends every measured request within a second: the per-client limit is set high enough never
        // to drop one, so its bucket is still taken (and measured) on every request.
        Dhcp4Engine engine = NewEngine(configuration with { ClientRateLimit = 1_000_000 });
        var client = new TestDhcp4Client(engine, Vm1);
        setup?.Invoke(client);
        Assert.Equal(Dhcp4MessageType.Ack, client.DoDora()!.MessageType);
        for (int i = 0; i < 3; i++)
        {
            client.Clock.Advance(60);
            Assert.Equal(Dhcp4MessageType.Ack, client.DoRenew()!.MessageType);
        }

        return (engine, client);
    }

    private static void AssertNoAllocation(Dhcp4Engine engine, Dhcp4RequestContext context, byte[] request, Dhcp4MessageType expectedReply)
    {
        byte[] reply = new byte[1500];

        // Warm up this exact path (JIT tiering, lazy caches, statics).
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(expectedReply, engine.Process(context, request, reply).ReplyType);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            engine.Process(context, request, reply);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{Iterations} requests allocated {allocated} bytes ({allocated / (double)Iterations:F1} per request)");
    }
}
