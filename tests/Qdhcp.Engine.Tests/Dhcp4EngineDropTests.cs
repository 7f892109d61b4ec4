using System.Buffers.Binary;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;
using static Qdhcp.Engine.Tests.TestNetwork;

namespace Qdhcp.Engine.Tests;

/// <summary>What the engine refuses before any decision, and the counters.</summary>
public class Dhcp4EngineDropTests
{
    private static Dhcp4EngineResult Process(Dhcp4Engine engine, byte[] request)
    {
        byte[] reply = new byte[1500];
        return engine.Process(new Dhcp4RequestContext(Interface, Epoch), request, reply);
    }

    [Fact]
    public void Process_BootReplyOp_DroppedAsNotARequest()
    {
        Dhcp4Engine engine = NewEngine();
        byte[] discover = new TestDhcp4Client(engine, Vm1).BuildDiscover();
        discover[Dhcp4Header.OpOffset] = (byte)BootpOperation.BootReply;
        Dhcp4EngineResult result = Process(engine, discover);
        Assert.False(result.HasReply);
        Assert.Equal(Dhcp4DropReason.NotARequest, result.DropReason);
    }

    [Theory]
    [InlineData(Dhcp4MessageType.Offer)]
    [InlineData(Dhcp4MessageType.Ack)]
    [InlineData(Dhcp4MessageType.Nak)]
    [InlineData((Dhcp4MessageType)9)]
    [InlineData((Dhcp4MessageType)200)]
    public void Process_ServerOrUnknownMessageType_DroppedAsNotARequest(Dhcp4MessageType type)
    {
        Dhcp4Engine engine = NewEngine();
        var client = new TestDhcp4Client(engine, Vm1);
        Assert.Null(client.Send(client.Build(type, IPv4Address.Any, Vm1Address, ServerAddress)));
        Assert.Equal(Dhcp4DropReason.NotARequest, client.LastResult.DropReason);
        Assert.Equal(type, client.LastResult.RequestType);
    }

    [Fact]
    public void Process_NoOption53_DroppedAsNotDhcp()
    {
        Dhcp4Engine engine = NewEngine();
        byte[] buffer = new byte[600];
        var writer = new Dhcp4Writer(buffer, buffer.Length);
        byte[] chaddr = new byte[16];
        Vm1.Write(chaddr);
        writer.WriteHeader(BootpOperation.BootRequest, 1, 6, 0, 42, 0, 0, IPv4Address.Any, IPv4Address.Any, IPv4Address.Any, IPv4Address.Any, chaddr);
        writer.TryWriteOption(Dhcp4OptionCode.ParameterRequestList, [1, 3]);
        byte[] bootp = buffer[..writer.WriteEnd()];

        Dhcp4EngineResult result = Process(engine, bootp);
        Assert.Equal(Dhcp4DropReason.NotDhcp, result.DropReason);
        Assert.Equal(Dhcp4MessageType.None, result.RequestType);
    }

    [Fact]
    public void Process_Option53WrongLength_DroppedAsNotDhcp()
    {
        Dhcp4Engine engine = NewEngine();
        var client = new TestDhcp4Client(engine, Vm1);
        byte[] discover = client.BuildDiscover();
        Assert.Equal(53, discover[Dhcp4Header.OptionsOffset]);
        discover[Dhcp4Header.OptionsOffset + 1] = 0; // option 53 with length 0 ...
        discover[Dhcp4Header.OptionsOffset + 2] = 0; // ... and its old type byte becomes Pad
        Assert.Equal(Dhcp4DropReason.NotDhcp, Process(engine, discover).DropReason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(239)]
    public void Process_Truncated_DroppedAsMalformed(int length)
    {
        Dhcp4Engine engine = NewEngine();
        byte[] discover = new TestDhcp4Client(engine, Vm1).BuildDiscover();
        Dhcp4EngineResult result = Process(engine, discover[..length]);
        Assert.Equal(Dhcp4DropReason.Malformed, result.DropReason);
        Assert.Equal(1, engine.Counters.Dropped(Dhcp4DropReason.Malformed));
    }

    [Fact]
    public void Process_BadMagicCookie_DroppedAsMalformed()
    {
        Dhcp4Engine engine = NewEngine();
        byte[] discover = new TestDhcp4Client(engine, Vm1).BuildDiscover();
        BinaryPrimitives.WriteUInt32BigEndian(discover.AsSpan(Dhcp4Header.MagicCookieOffset), 0xdeadbeef);
        Assert.Equal(Dhcp4DropReason.Malformed, Process(engine, discover).DropReason);
    }

    [Fact]
    public void Process_ReplyBufferTooSmallForAnything_StillNoThrowOnDrops()
    {
        // A drop writes nothing, so even a tiny buffer is fine for it.
        Dhcp4Engine engine = NewEngine();
        byte[] discover = new TestDhcp4Client(engine, Stranger).BuildDiscover();
        Dhcp4EngineResult result = engine.Process(new Dhcp4RequestContext(Interface, Epoch), discover, new byte[10]);
        Assert.Equal(Dhcp4DropReason.UnknownClient, result.DropReason);
    }

    [Fact]
    public void Counters_MixedTraffic_CountReceivedSentAndDropped()
    {
        Dhcp4Engine engine = NewEngine();
        var vm1 = new TestDhcp4Client(engine, Vm1);
        var vm3 = new TestDhcp4Client(engine, Vm3);
        var stranger = new TestDhcp4Client(engine, Stranger);

        vm1.DoDora();                                   // DISCOVER -> OFFER, REQUEST -> ACK
        vm1.DoRenew();                                  // REQUEST -> ACK
        vm3.DoInitReboot(IPv4Address.Parse("10.10.10.99")); // REQUEST -> NAK
        stranger.DoDiscover();                          // DISCOVER -> dropped, unknown
        stranger.DoDiscover();                          // again
        vm1.DoInform(Vm1Address);                       // INFORM -> ACK
        vm1.DoRelease();                                // RELEASE -> no reply
        vm3.Send(vm3.BuildRequestSelecting(IPv4Address.Parse("10.10.10.4"), Vm3Address)); // other server
        Process(engine, new byte[50]);                  // malformed

        Dhcp4Counters c = engine.Counters;
        Assert.Equal(3, c.Received(Dhcp4MessageType.Discover));
        Assert.Equal(4, c.Received(Dhcp4MessageType.Request));
        Assert.Equal(1, c.Received(Dhcp4MessageType.Inform));
        Assert.Equal(1, c.Received(Dhcp4MessageType.Release));
        Assert.Equal(0, c.Received(Dhcp4MessageType.Decline));
        Assert.Equal(1, c.Sent(Dhcp4MessageType.Offer));
        Assert.Equal(3, c.Sent(Dhcp4MessageType.Ack));
        Assert.Equal(1, c.Sent(Dhcp4MessageType.Nak));
        Assert.Equal(2, c.Dropped(Dhcp4DropReason.UnknownClient));
        Assert.Equal(1, c.Dropped(Dhcp4DropReason.NoReplyExpected));
        Assert.Equal(1, c.Dropped(Dhcp4DropReason.OtherServer));
        Assert.Equal(1, c.Dropped(Dhcp4DropReason.Malformed));
        Assert.Equal(0, c.Dropped(Dhcp4DropReason.None));
    }

    [Fact]
    public void Process_RequestFromReply_ReplyFieldsCopiedFromRequest()
    {
        Dhcp4Engine engine = NewEngine();
        var client = new TestDhcp4Client(engine, Vm1) { Xid = 0x149f4c0e };
        ParsedReply offer = client.Send(client.BuildDiscover())!;
        Assert.Equal(0x149f4c0eu, offer.Xid);
        Assert.Equal(1, offer.Htype);
        Assert.Equal(6, offer.Hlen);
        byte[] chaddr = new byte[16];
        Vm1.Write(chaddr);
        Assert.Equal(chaddr, offer.Chaddr);
        Assert.Equal(IPv4Address.Any, offer.Giaddr);
    }
}
