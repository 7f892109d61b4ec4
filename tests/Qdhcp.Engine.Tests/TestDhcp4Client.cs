using Qdhcp.Engine.Dhcp4;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Tests;

/// <summary>The client's RFC 2131 §4.4 state, as far as the test client follows it.</summary>
internal enum ClientState
{
    Init,
    Selecting,
    Requesting,
    Bound,
    Renewing,
    Rebinding,
    InitReboot,
}

/// <summary>
/// An in-memory DHCPv4 client after Kea's <c>Dhcp4Client</c> (dhcp4_client.h): it holds a MAC, an optional
/// client-id, the xid and its state, builds requests with <see cref="Dhcp4Writer"/>, runs them through an
/// engine with a fixed context (the captures' interface, a controllable clock) and parses replies back with
/// <see cref="Dhcp4Reader"/>. The <c>Do*</c> helpers run whole exchanges and track the lease like a client.
/// </summary>
internal sealed class TestDhcp4Client
{
    private static int s_nextXid = 0x1000;

    public TestDhcp4Client(Dhcp4Engine engine, MacAddress mac, TestClock? clock = null)
    {
        Engine = engine;
        Mac = mac;
        Clock = clock ?? new TestClock();
        Xid = (uint)Interlocked.Increment(ref s_nextXid);
    }

    /// <summary>The server; swap it for a fresh engine to simulate a restart.</summary>
    public Dhcp4Engine Engine { get; set; }

    public TestClock Clock { get; }

    public ServerInterface Interface { get; set; } = TestNetwork.Interface;

    public MacAddress Mac { get; set; }

    /// <summary>Option 61, or null for none.</summary>
    public byte[]? ClientId { get; set; }

    public uint Xid { get; set; }

    public ClientState State { get; private set; } = ClientState.Init;

    public byte Htype { get; set; } = Dhcp4Header.HardwareTypeEthernet;

    public byte Hlen { get; set; } = MacAddress.Length;

    /// <summary>The 16 chaddr bytes to send instead of the MAC (non-Ethernet clients).</summary>
    public byte[]? Chaddr { get; set; }

    /// <summary>Option 55, or null for none (then the server sends everything).</summary>
    public byte[]? RequestedOptions { get; set; } = [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42];

    /// <summary>Option 57, or null for none.</summary>
    public ushort? MaxMessageSize { get; set; }

    /// <summary>giaddr, as a relay on the client's link would set it.</summary>
    public IPv4Address Giaddr { get; set; }

    public bool BroadcastFlag { get; set; }

    /// <summary>Option 82 as a relay would add it, or null.</summary>
    public byte[]? RelayAgentInfo { get; set; }

    /// <summary>More options to put in every request (e.g. 175 for iPXE).</summary>
    public List<(byte Code, byte[] Data)> ExtraOptions { get; } = [];

    /// <summary>The address of the last ACK (or OFFER while selecting).</summary>
    public IPv4Address Address { get; private set; }

    /// <summary>Option 54 of the last OFFER or ACK.</summary>
    public IPv4Address ServerId { get; private set; }

    public Dhcp4EngineResult LastResult { get; private set; }

    public ParsedReply? LastReply { get; private set; }

    public int ReplyBufferSize { get; set; } = 1500;

    public Dhcp4RequestContext Context => new(Interface, Clock.Now);

    public byte[] BuildDiscover() => Build(Dhcp4MessageType.Discover, IPv4Address.Any, requested: null, serverId: null);

    public byte[] BuildRequestSelecting(IPv4Address serverId, IPv4Address requested) =>
        Build(Dhcp4MessageType.Request, IPv4Address.Any, requested, serverId);

    public byte[] BuildRequestInitReboot(IPv4Address requested) => Build(Dhcp4MessageType.Request, IPv4Address.Any, requested, serverId: null);

    /// <summary>RENEWING (unicast to the server) and REBINDING (broadcast) look the same in DHCP: ciaddr, no 50, no 54.</summary>
    public byte[] BuildRequestRenewing(IPv4Address ciaddr) => Build(Dhcp4MessageType.Request, ciaddr, requested: null, serverId: null);

    public byte[] BuildDecline(IPv4Address declined, IPv4Address serverId) => Build(Dhcp4MessageType.Decline, IPv4Address.Any, declined, serverId);

    public byte[] BuildRelease(IPv4Address ciaddr, IPv4Address? serverId) => Build(Dhcp4MessageType.Release, ciaddr, requested: null, serverId);

    public byte[] BuildInform(IPv4Address ciaddr) => Build(Dhcp4MessageType.Inform, ciaddr, requested: null, serverId: null);

    /// <summary>Builds a request of any type from the client's settings.</summary>
    public byte[] Build(Dhcp4MessageType type, IPv4Address ciaddr, IPv4Address? requested, IPv4Address? serverId)
    {
        byte[] buffer = new byte[1500];
        var writer = new Dhcp4Writer(buffer, buffer.Length);
        Span<byte> chaddr = stackalloc byte[Dhcp4Header.ChaddrLength];
        if (Chaddr is not null)
        {
            Chaddr.CopyTo(chaddr);
        }
        else
        {
            Mac.Write(chaddr);
        }

        writer.WriteHeader(
            BootpOperation.BootRequest,
            Htype,
            Hlen,
            hops: Giaddr.IsAny ? (byte)0 : (byte)1,
            Xid,
            secs: 0,
            BroadcastFlag ? Dhcp4Header.BroadcastFlag : (ushort)0,
            ciaddr,
            IPv4Address.Any,
            IPv4Address.Any,
            Giaddr,
            chaddr);
        Assert.True(writer.TryWriteByte(Dhcp4OptionCode.DhcpMessageType, (byte)type));
        if (ClientId is not null)
        {
            Assert.True(writer.TryWriteOption(Dhcp4OptionCode.ClientIdentifier, ClientId));
        }

        if (requested is { } address)
        {
            Assert.True(writer.TryWriteAddress(Dhcp4OptionCode.RequestedIPAddress, address));
        }

        if (serverId is { } server)
        {
            Assert.True(writer.TryWriteAddress(Dhcp4OptionCode.ServerIdentifier, server));
        }

        if (MaxMessageSize is { } size)
        {
            Assert.True(writer.TryWriteOption(Dhcp4OptionCode.MaximumMessageSize, TestNetwork.UInt16(size)));
        }

        if (RequestedOptions is not null)
        {
            Assert.True(writer.TryWriteOption(Dhcp4OptionCode.ParameterRequestList, RequestedOptions));
        }

        foreach ((byte code, byte[] data) in ExtraOptions)
        {
            Assert.True(writer.TryWriteOption(code, data));
        }

        if (RelayAgentInfo is not null)
        {
            // RFC 3046 §2.1: the relay appends option 82 last, before End.
            Assert.True(writer.TryWriteOption(Dhcp4OptionCode.RelayAgentInformation, RelayAgentInfo));
        }

        int length = writer.WriteEnd();
        return buffer[..length];
    }

    /// <summary>Runs one datagram through the engine; the parsed reply, or null when it was dropped.</summary>
    public ParsedReply? Send(byte[] request)
    {
        byte[] reply = new byte[ReplyBufferSize];
        LastResult = Engine.Process(Context, request, reply);
        if (!LastResult.HasReply)
        {
            Assert.Equal(Dhcp4MessageType.None, LastResult.ReplyType);
            LastReply = null;
            return null;
        }

        Assert.Equal(Dhcp4DropReason.None, LastResult.DropReason);
        LastReply = ParsedReply.Parse(reply.AsSpan(0, LastResult.Length), LastResult);
        Assert.Equal(BootpOperation.BootReply, LastReply.Op);
        Assert.Equal(Xid, LastReply.Xid);
        Assert.Equal(LastResult.ReplyType, LastReply.MessageType);
        return LastReply;
    }

    public ParsedReply? DoDiscover()
    {
        NewXid();
        State = ClientState.Selecting;
        ParsedReply? offer = Send(BuildDiscover());
        if (offer?.MessageType == Dhcp4MessageType.Offer)
        {
            Address = offer.Yiaddr;
            ServerId = offer.AddressOption(Dhcp4OptionCode.ServerIdentifier);
        }

        return offer;
    }

    /// <summary>DISCOVER, then REQUEST in SELECTING for the offer. The ACK or NAK; null when no OFFER came or the REQUEST was dropped.</summary>
    public ParsedReply? DoDora()
    {
        ParsedReply? offer = DoDiscover();
        if (offer?.MessageType != Dhcp4MessageType.Offer)
        {
            State = ClientState.Init;
            return null;
        }

        State = ClientState.Requesting;
        return Accept(Send(BuildRequestSelecting(ServerId, offer.Yiaddr)));
    }

    public ParsedReply? DoRenew()
    {
        NewXid();
        State = ClientState.Renewing;
        return Accept(Send(BuildRequestRenewing(Address)));
    }

    public ParsedReply? DoRebind()
    {
        NewXid();
        State = ClientState.Rebinding;
        return Accept(Send(BuildRequestRenewing(Address)));
    }

    public ParsedReply? DoInitReboot(IPv4Address address)
    {
        NewXid();
        State = ClientState.InitReboot;
        return Accept(Send(BuildRequestInitReboot(address)));
    }

    public void DoRelease()
    {
        NewXid();
        Assert.Null(Send(BuildRelease(Address, ServerId.IsAny ? TestNetwork.ServerAddress : ServerId)));
        State = ClientState.Init;
        Address = IPv4Address.Any;
    }

    public void DoDecline()
    {
        NewXid();
        Assert.Null(Send(BuildDecline(Address, ServerId.IsAny ? TestNetwork.ServerAddress : ServerId)));
        State = ClientState.Init;
        Address = IPv4Address.Any;
    }

    public ParsedReply? DoInform(IPv4Address ciaddr)
    {
        NewXid();
        return Send(BuildInform(ciaddr));
    }

    private ParsedReply? Accept(ParsedReply? reply)
    {
        if (reply?.MessageType == Dhcp4MessageType.Ack)
        {
            State = ClientState.Bound;
            Address = reply.Yiaddr;
            ServerId = reply.AddressOption(Dhcp4OptionCode.ServerIdentifier);
        }
        else if (reply?.MessageType == Dhcp4MessageType.Nak)
        {
            State = ClientState.Init;
            Address = IPv4Address.Any;
        }

        return reply;
    }

    private void NewXid() => Xid = (uint)Interlocked.Increment(ref s_nextXid);
}
