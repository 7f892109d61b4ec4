using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>A reply as it arrived at the VM: the frame's addressing (L2, L3, ports) and the decoded message.</summary>
public sealed record DhcpReply(Frame Frame, DhcpPacket Packet)
{
    public Dhcp4MessageType Type => Packet.MessageType;

    public IPv4Address Yiaddr => Packet.Yiaddr;

    public override string ToString() => $"{Frame} {Packet}";
}

/// <summary>
/// Sends hand-made DHCP packets from a VM namespace and receives the replies. An AF_PACKET socket, opened on a
/// thread that joined the VM's namespace, sends whole Ethernet/IPv4/UDP frames (so the source can be 0.0.0.0:68
/// and the MAC any MAC) and sees every frame on eth0, whatever IP it is addressed to (the VM has none yet). For
/// messages from a configured address (renewal, INFORM, a relay), ordinary UDP sockets bound inside the namespace
/// send, and the packet socket still shows how the reply was addressed.
/// </summary>
public sealed class CraftedClient : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    private readonly int _fd;
    private readonly Dictionary<(IPv4Address, int), Socket> _udp = [];
    private bool _disposed;

    private CraftedClient(Vm vm, int fd)
    {
        Vm = vm;
        _fd = fd;
    }

    public Vm Vm { get; }

    /// <summary>When set, <see cref="Discover"/>, <see cref="Request"/> and <see cref="Dora"/> send it as option 61.</summary>
    public byte[]? ClientId { get; set; }

    /// <summary>Frames seen and skipped by receive calls (not a matching DHCP reply); shown when a test fails.</summary>
    public List<string> Skipped { get; } = [];

    public static CraftedClient Open(Vm vm)
    {
        // Frames to the MACs this client makes up must reach the socket too.
        Shell.Ip("-n", vm.Namespace, "link", "set", vm.Interface, "promisc", "on");
        int fd = Netns.Run(vm.Namespace, () => OpenPacketSocket(vm.Interface));
        return new CraftedClient(vm, fd);
    }

    private static unsafe int OpenPacketSocket(string iface)
    {
        uint index = Native.if_nametoindex(iface);
        if (index == 0)
        {
            throw new InvalidOperationException($"if_nametoindex({iface}): {Native.LastError()}");
        }

        int fd = Native.socket(Native.AfPacket, Native.SockRaw, Native.HostToNetwork(Native.EthPAll));
        if (fd < 0)
        {
            throw new InvalidOperationException($"socket(AF_PACKET): {Native.LastError()}");
        }

        // struct sockaddr_ll { u16 family; be16 protocol; i32 ifindex; u16 hatype; u8 pkttype; u8 halen; u8 addr[8]; }
        byte* address = stackalloc byte[20];
        new Span<byte>(address, 20).Clear();
        *(ushort*)address = Native.AfPacket;
        *(ushort*)(address + 2) = Native.HostToNetwork(Native.EthPAll);
        *(int*)(address + 4) = (int)index;
        if (Native.bind(fd, address, 20) != 0)
        {
            string error = Native.LastError();
            Native.close(fd);
            throw new InvalidOperationException($"bind(AF_PACKET, {iface}): {error}");
        }

        return fd;
    }

    public static uint NewXid() => (uint)Random.Shared.NextInt64(1, uint.MaxValue);

    /// <summary>Sends one raw frame out of eth0.</summary>
    public unsafe void Send(Frame frame)
    {
        byte[] bytes = frame.Encode();
        fixed (byte* p = bytes)
        {
            if (Native.send(_fd, p, bytes.Length, 0) != bytes.Length)
            {
                throw new InvalidOperationException($"send(AF_PACKET): {Native.LastError()}");
            }
        }
    }

    /// <summary>Sends raw bytes as a UDP payload (well-formed or not) from 0.0.0.0:68 to 255.255.255.255:67.</summary>
    public void SendBroadcastPayload(byte[] payload, MacAddress? sourceMac = null) =>
        Send(new Frame(sourceMac ?? Vm.Mac, MacAddress.Broadcast, IPv4Address.Any, IPv4Address.Broadcast,
            Dhcp4Header.ClientPort, Dhcp4Header.ServerPort, payload));

    /// <summary>A client without an address: from 0.0.0.0:68 (or ciaddr) to 255.255.255.255:67, L2 broadcast, source MAC = chaddr.</summary>
    public void SendBroadcast(DhcpPacket packet) =>
        Send(new Frame(packet.Chaddr, MacAddress.Broadcast, packet.Ciaddr, IPv4Address.Broadcast,
            Dhcp4Header.ClientPort, Dhcp4Header.ServerPort, packet.Encode()));

    /// <summary>
    /// Sends a UDP datagram from <paramref name="from"/>:<paramref name="fromPort"/> (an address configured on the
    /// VM) through the kernel, as a bound client or a relay agent does. The socket stays open to receive replies.
    /// </summary>
    public void SendUdp(byte[] payload, IPv4Address from, IPv4Address to, int fromPort = Dhcp4Header.ClientPort, int toPort = Dhcp4Header.ServerPort)
    {
        Socket socket = UdpSocket(from, fromPort);
        socket.SendTo(payload, new IPEndPoint(new IPAddress(ToNetworkBytes(to)), toPort));
    }

    /// <summary>A UDP socket bound inside the VM namespace (kept for the client's life).</summary>
    public Socket UdpSocket(IPAddress? bind, int port) =>
        UdpSocket(bind is null ? IPv4Address.Any : IPv4Address.FromIPAddress(bind), port);

    private Socket UdpSocket(IPv4Address bind, int port)
    {
        if (_udp.TryGetValue((bind, port), out Socket? existing))
        {
            return existing;
        }

        Socket socket = Netns.Run(Vm.Namespace, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.EnableBroadcast = true;
            s.Bind(new IPEndPoint(new IPAddress(ToNetworkBytes(bind)), port));
            return s;
        });
        _udp[(bind, port)] = socket;
        return socket;
    }

    private static byte[] ToNetworkBytes(IPv4Address address)
    {
        byte[] bytes = new byte[4];
        address.Write(bytes);
        return bytes;
    }

    /// <summary>The next BOOTREPLY with this xid (and type, if given) that arrives on eth0; null on timeout.</summary>
    public DhcpReply? ReceiveReply(uint xid, TimeSpan? timeout = null, Dhcp4MessageType? type = null) =>
        ReceiveReplies(r => r.Packet.Xid == xid && (type is null || r.Type == type), 1, timeout ?? DefaultTimeout).FirstOrDefault();

    /// <summary>Collects BOOTREPLY messages that match until <paramref name="count"/> arrived or the timeout passed.</summary>
    public List<DhcpReply> ReceiveReplies(Func<DhcpReply, bool> match, int count, TimeSpan timeout)
    {
        List<DhcpReply> replies = [];
        var clock = Stopwatch.StartNew();
        byte[] buffer = new byte[65536];
        while (replies.Count < count)
        {
            int remaining = (int)(timeout - clock.Elapsed).TotalMilliseconds;
            if (remaining <= 0)
            {
                break;
            }

            int length = ReceiveFrame(buffer, remaining, out bool outgoing);
            if (length <= 0 || outgoing)
            {
                continue;
            }

            Frame? frame = Frame.TryParse(buffer.AsSpan(0, length));
            if (frame is null || frame.SourcePort != Dhcp4Header.ServerPort)
            {
                continue;
            }

            DhcpPacket? packet = DhcpPacket.Decode(frame.Payload);
            if (packet is null || packet.Op != BootpOperation.BootReply)
            {
                Skipped.Add($"undecodable reply: {frame}");
                continue;
            }

            var reply = new DhcpReply(frame, packet);
            if (match(reply))
            {
                replies.Add(reply);
            }
            else
            {
                Skipped.Add($"other reply: {reply}");
            }
        }

        return replies;
    }

    private unsafe int ReceiveFrame(byte[] buffer, int timeoutMilliseconds, out bool outgoing)
    {
        outgoing = false;
        var poll = new Native.PollFd { Fd = _fd, Events = Native.PollIn };
        int ready = Native.poll(&poll, 1, timeoutMilliseconds);
        if (ready <= 0)
        {
            return 0;
        }

        byte* address = stackalloc byte[20];
        int addressLength = 20;
        fixed (byte* p = buffer)
        {
            nint n = Native.recvfrom(_fd, p, buffer.Length, 0, address, &addressLength);
            outgoing = address[10] == Native.PacketOutgoing;
            return (int)n;
        }
    }

    // ---- the client's messages -------------------------------------------------------------------------------

    /// <summary>A DISCOVER as Linux clients send it: broadcast flag clear unless asked, typical request list.</summary>
    public static DhcpPacket DiscoverPacket(MacAddress mac, uint xid, bool broadcast = false)
    {
        DhcpPacket packet = DhcpPacket.ClientMessage(Dhcp4MessageType.Discover, mac, xid);
        packet.Broadcast = broadcast;
        packet.Add(Dhcp4OptionCode.ParameterRequestList, DhcpPacket.TypicalParameterRequestList);
        return packet;
    }

    /// <summary>
    /// A REQUEST: SELECTING when <paramref name="serverId"/> is given (with the requested address), INIT-REBOOT
    /// when not; with <paramref name="ciaddr"/> (and no requested address) it is a RENEWING/REBINDING request.
    /// </summary>
    public static DhcpPacket RequestPacket(MacAddress mac, uint xid, IPv4Address? requested, IPv4Address? serverId = null,
        IPv4Address? ciaddr = null, bool broadcast = false)
    {
        DhcpPacket packet = DhcpPacket.ClientMessage(Dhcp4MessageType.Request, mac, xid);
        packet.Broadcast = broadcast;
        packet.Ciaddr = ciaddr ?? IPv4Address.Any;
        if (requested is { } r)
        {
            packet.AddAddress(Dhcp4OptionCode.RequestedIPAddress, r);
        }

        if (serverId is { } s)
        {
            packet.AddAddress(Dhcp4OptionCode.ServerIdentifier, s);
        }

        packet.Add(Dhcp4OptionCode.ParameterRequestList, DhcpPacket.TypicalParameterRequestList);
        return packet;
    }

    public DhcpReply? Discover(MacAddress? mac = null, bool broadcast = false, TimeSpan? timeout = null)
    {
        uint xid = NewXid();
        SendBroadcast(WithClientId(DiscoverPacket(mac ?? Vm.Mac, xid, broadcast)));
        return ReceiveReply(xid, timeout);
    }

    public DhcpReply? Request(MacAddress? mac, IPv4Address? requested, IPv4Address? serverId, bool broadcast = false, TimeSpan? timeout = null)
    {
        uint xid = NewXid();
        SendBroadcast(WithClientId(RequestPacket(mac ?? Vm.Mac, xid, requested, serverId, broadcast: broadcast)));
        return ReceiveReply(xid, timeout);
    }

    private DhcpPacket WithClientId(DhcpPacket packet) => ClientId is { } id ? packet.Add(Dhcp4OptionCode.ClientIdentifier, id) : packet;

    /// <summary>DISCOVER, OFFER, REQUEST (selecting the offer), ACK. Returns the ACK, or fails the test with what happened.</summary>
    /// <summary>
    /// A DORA that retransmits its DISCOVER until an OFFER comes or <paramref name="within"/> passes, as real clients
    /// do (RFC 2131 §4.1): for a server that is still setting the network up (an agent applying a change on its own).
    /// </summary>
    public DhcpReply DoraRetrying(TimeSpan within, MacAddress? mac = null)
    {
        MacAddress client = mac ?? Vm.Mac;
        System.Diagnostics.Stopwatch waited = System.Diagnostics.Stopwatch.StartNew();
        DhcpReply? offer;
        while ((offer = Discover(client, broadcast: false, timeout: TimeSpan.FromSeconds(1))) is null && waited.Elapsed < within)
        {
        }

        Assert.True(offer is not null, $"No OFFER for {client} within {within.TotalSeconds:F0} s. Skipped: {string.Join("; ", Skipped)}");
        IPv4Address serverId = offer!.Packet.ServerId ?? throw new InvalidOperationException($"OFFER without server id: {offer}");
        DhcpReply? ack = Request(client, offer.Yiaddr, serverId, broadcast: false);
        Assert.True(ack is not null && ack.Type == Dhcp4MessageType.Ack, $"Expected an ACK for {offer.Yiaddr}, got {ack?.ToString() ?? "nothing"}");
        return ack!;
    }

    public DhcpReply Dora(MacAddress? mac = null, bool broadcast = false)
    {
        MacAddress client = mac ?? Vm.Mac;
        DhcpReply? offer = Discover(client, broadcast);
        Assert.True(offer is not null, $"No OFFER for {client}. Skipped: {string.Join("; ", Skipped)}");
        Assert.Equal(Dhcp4MessageType.Offer, offer!.Type);
        IPv4Address serverId = offer.Packet.ServerId ?? throw new InvalidOperationException($"OFFER without server id: {offer}");
        DhcpReply? ack = Request(client, offer.Yiaddr, serverId, broadcast);
        Assert.True(ack is not null, $"No reply to REQUEST for {offer.Yiaddr} from {client}. Skipped: {string.Join("; ", Skipped)}");
        Assert.True(ack!.Type == Dhcp4MessageType.Ack, $"Expected ACK, got {ack}");
        return ack;
    }

    /// <summary>RELEASE (RFC 2131 §4.4.6): unicast from ciaddr to the server, no reply expected.</summary>
    public void Release(MacAddress mac, IPv4Address address, IPv4Address serverId)
    {
        DhcpPacket packet = DhcpPacket.ClientMessage(Dhcp4MessageType.Release, mac, NewXid());
        packet.Ciaddr = address;
        packet.AddAddress(Dhcp4OptionCode.ServerIdentifier, serverId);
        Send(new Frame(mac, Vm.Lab.ServerMac, address, serverId, Dhcp4Header.ClientPort, Dhcp4Header.ServerPort, packet.Encode()));
    }

    /// <summary>DECLINE (RFC 2131 §4.4.3): broadcast, requested address = the declined one, no reply expected.</summary>
    public void Decline(MacAddress mac, IPv4Address address, IPv4Address serverId)
    {
        DhcpPacket packet = DhcpPacket.ClientMessage(Dhcp4MessageType.Decline, mac, NewXid());
        packet.AddAddress(Dhcp4OptionCode.RequestedIPAddress, address);
        packet.AddAddress(Dhcp4OptionCode.ServerIdentifier, serverId);
        SendBroadcast(packet);
    }

    /// <summary>INFORM (RFC 2131 §4.4.3) from an address configured on the VM, unicast to the server through the kernel.</summary>
    public DhcpReply? Inform(IPv4Address address, IPv4Address server, TimeSpan? timeout = null)
    {
        uint xid = NewXid();
        DhcpPacket packet = DhcpPacket.ClientMessage(Dhcp4MessageType.Inform, Vm.Mac, xid);
        packet.Ciaddr = address;
        packet.Add(Dhcp4OptionCode.ParameterRequestList, DhcpPacket.TypicalParameterRequestList);
        SendUdp(packet.Encode(), address, server);
        return ReceiveReply(xid, timeout);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Native.close(_fd);
        foreach (Socket socket in _udp.Values)
        {
            socket.Dispose();
        }
    }
}
