// The abuse modes of qdhcp-loadgen (issue 7): what a hostile or broken port does to a DHCP server.
//
//   flood   --interface IF [--rate R] [--duration S] [--request 1] [--seed N] [--giaddr A]
//       DISCOVERs, each from a new random MAC (locally administered, as dhcpig and macof do), at R per second or
//       as fast as the socket takes them (R=0); with --request 1 every OFFER is answered with a REQUEST for it
//       (a client that takes whatever it is offered: the pool starvation attack). --giaddr sends as a relay
//       would (giaddr set, to port 67) so the server's per-relay limit applies.
//       Prints: sent, offers, requests, acks, naks, distinct addresses offered and acked, acks per second.
//   garbage --interface IF [--rate R] [--duration S] [--seed N]
//       Broken datagrams to 255.255.255.255:67 from port 68: random bytes of random length, valid DHCP messages
//       with random bytes changed, cut short, with option lengths that lie, random options; as fast as possible
//       by default. Prints what was sent (packets, bytes, per second) and the replies seen (there should be few).
//
// Both only ever send on IF (SO_BINDTODEVICE) and read replies from an AF_PACKET socket bound to IF.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

internal static class Abuse
{
    public static int Run(string mode, string iface, Func<string, string, string> get)
    {
        double rate = double.Parse(get("rate", "0"), CultureInfo.InvariantCulture);
        TimeSpan duration = TimeSpan.FromSeconds(double.Parse(get("duration", "10"), CultureInfo.InvariantCulture));
        int seed = int.Parse(get("seed", Environment.TickCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        using AbuseSockets sockets = new(iface);
        if (mode == "flood")
        {
            IPAddress? giaddr = get("giaddr", "") is { Length: > 0 } g ? IPAddress.Parse(g) : null;
            Console.WriteLine(new Flood(sockets, new Random(seed), get("request", "0") == "1", giaddr).Run(rate, duration));
        }
        else
        {
            Console.WriteLine(new Garbage(sockets, new Random(seed)).Run(rate, duration));
        }

        return 0;
    }

    /// <summary>Sleeps or spins until the <paramref name="sent"/>-th packet is due at <paramref name="rate"/> per second (0: never waits).</summary>
    public static void Pace(long start, long sent, double rate)
    {
        if (rate <= 0)
        {
            return;
        }

        while (true)
        {
            long due = (long)((Stopwatch.GetTimestamp() - start) * rate / Stopwatch.Frequency);
            if (sent < due)
            {
                return;
            }

            if (rate < 2000)
            {
                Thread.Sleep(1);
            }
            else
            {
                Thread.SpinWait(50);
            }
        }
    }
}

/// <summary>A UDP socket on port 68 bound to the interface for sending, and an AF_PACKET socket on it for replies.</summary>
internal sealed class AbuseSockets : IDisposable
{
    public AbuseSockets(string iface)
    {
        byte[] device = Encoding.ASCII.GetBytes(iface + "\0");
        Send = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Send.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        Send.EnableBroadcast = true;
        Send.SetRawSocketOption(1, 25, device);  // SOL_SOCKET, SO_BINDTODEVICE
        Send.Bind(new IPEndPoint(IPAddress.Any, 68));
        Send.SendBufferSize = 8 << 20;

        // AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP), bound to the interface: whole IPv4 packets to any MAC on it.
        Receive = new Socket(AddressFamily.Packet, SocketType.Dgram, (ProtocolType)0x0008);
        Receive.ReceiveBufferSize = 32 << 20;
        Receive.ReceiveTimeout = 200;
        int index = NetworkInterfaceIndex(iface);
        SocketAddress ll = new(AddressFamily.Packet, 20);
        BinaryPrimitives.WriteUInt16BigEndian(ll.Buffer.Span[2..], 0x0800);
        BinaryPrimitives.WriteInt32LittleEndian(ll.Buffer.Span[4..], index);
        Receive.Bind(new RawEndPoint(ll));
    }

    public Socket Send { get; }

    public Socket Receive { get; }

    public IPEndPoint Broadcast { get; } = new(IPAddress.Broadcast, 67);

    private static int NetworkInterfaceIndex(string iface) =>
        int.Parse(File.ReadAllText($"/sys/class/net/{iface}/ifindex").Trim(), CultureInfo.InvariantCulture);

    /// <summary>
    /// The DHCP message of a frame read from <see cref="Receive"/> when it is a BOOTREPLY to port 68 (or 67 for a
    /// relay), else empty.
    /// </summary>
    public static Span<byte> ReplyIn(Span<byte> ip)
    {
        if (ip.Length < 28 + 240 || ip[9] != 17 || (ip[0] >> 4) != 4)
        {
            return [];
        }

        int ihl = (ip[0] & 0x0F) * 4;
        Span<byte> udp = ip[ihl..];
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(udp[2..]);
        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(udp);
        if (sourcePort != 67 || port is not (68 or 67))
        {
            return [];
        }

        Span<byte> dhcp = udp[8..];
        return dhcp.Length >= 244 && dhcp[0] == 2 ? dhcp : [];
    }

    /// <summary>Option 53 and 54 of a DHCP message (0 when absent).</summary>
    public static (byte Type, uint ServerId) TypeAndServer(ReadOnlySpan<byte> dhcp)
    {
        byte type = 0;
        uint serverId = 0;
        for (int o = 240; o + 1 < dhcp.Length && dhcp[o] != 255;)
        {
            if (dhcp[o] == 0)
            {
                o++;
                continue;
            }

            int len = dhcp[o + 1];
            if (o + 2 + len > dhcp.Length)
            {
                break;
            }

            if (dhcp[o] == 53 && len == 1)
            {
                type = dhcp[o + 2];
            }
            else if (dhcp[o] == 54 && len == 4)
            {
                serverId = BinaryPrimitives.ReadUInt32BigEndian(dhcp[(o + 2)..]);
            }

            o += 2 + len;
        }

        return (type, serverId);
    }

    public void Dispose()
    {
        Send.Dispose();
        Receive.Dispose();
    }

    /// <summary>An EndPoint over a ready sockaddr_ll, for Bind.</summary>
    private sealed class RawEndPoint(SocketAddress address) : EndPoint
    {
        public override AddressFamily AddressFamily => AddressFamily.Packet;

        public override SocketAddress Serialize() => address;
    }
}

/// <summary>Random-MAC DISCOVERs (and REQUESTs for what is offered): DHCP starvation.</summary>
internal sealed class Flood(AbuseSockets sockets, Random random, bool request, IPAddress? giaddr)
{
    private const byte Discover = 1, Offer = 2, Request = 3, Ack = 5, Nak = 6;
    private readonly uint _tag = (uint)random.Next(0x100) << 24;   // xid's high byte: this run's replies only
    private readonly HashSet<uint> _offered = [];
    private readonly HashSet<uint> _acked = [];
    private readonly List<long> _ackTimes = [];
    private long _offers, _requests, _acks, _naks, _otherReplies;
    private volatile bool _stop;

    public string Run(double rate, TimeSpan duration)
    {
        Thread receiver = new(ReceiveLoop) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
        receiver.Start();
        byte[] packet = new byte[300];
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long sent = 0;
        Span<byte> mac = stackalloc byte[6];
        while (Stopwatch.GetTimestamp() < end)
        {
            Abuse.Pace(start, sent, rate);
            random.NextBytes(mac);
            mac[0] = (byte)((mac[0] & 0xFC) | 0x02);   // unicast, locally administered
            int length = Build(packet, Discover, _tag | (uint)(sent & 0xFFFFFF), mac, 0, 0);
            try
            {
                sockets.Send.SendTo(packet, 0, length, SocketFlags.None, sockets.Broadcast);
                sent++;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.NoBufferSpaceAvailable or SocketError.WouldBlock)
            {
                Thread.Yield();
            }
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Thread.Sleep(1000);   // replies still on their way
        _stop = true;
        receiver.Join();
        lock (_acked)
        {
            string perSecond = string.Join(',', _ackTimes.GroupBy(t => (int)((t - start) / Stopwatch.Frequency)).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}"));
            return FormattableString.Invariant(
                $"mode=flood seconds={seconds:F1} sent={sent} sent_per_s={sent / seconds:F0} offers={_offers} requests={_requests} acks={_acks} naks={_naks} other_replies={_otherReplies} distinct_offered={_offered.Count} distinct_acked={_acked.Count} acks_by_second={(perSecond.Length == 0 ? "-" : perSecond)}");
        }
    }

    /// <summary>A DISCOVER or REQUEST from <paramref name="mac"/> as a client without an address (or via giaddr).</summary>
    private int Build(Span<byte> p, byte type, uint xid, ReadOnlySpan<byte> mac, uint requested, uint serverId)
    {
        p.Clear();
        p[0] = 1; p[1] = 1; p[2] = 6;
        if (giaddr is not null)
        {
            p[3] = 1;   // hops
            giaddr.TryWriteBytes(p[24..], out _);
        }

        BinaryPrimitives.WriteUInt32BigEndian(p[4..], xid);
        mac.CopyTo(p[28..]);
        BinaryPrimitives.WriteUInt32BigEndian(p[236..], 0x63825363);
        int o = 240;
        p[o++] = 53; p[o++] = 1; p[o++] = type;
        if (requested != 0)
        {
            p[o++] = 50; p[o++] = 4; BinaryPrimitives.WriteUInt32BigEndian(p[o..], requested); o += 4;
            p[o++] = 54; p[o++] = 4; BinaryPrimitives.WriteUInt32BigEndian(p[o..], serverId); o += 4;
        }

        p[o++] = 55; p[o++] = 4; p[o++] = 1; p[o++] = 3; p[o++] = 6; p[o++] = 15;
        p[o++] = 255;
        return Math.Max(o, 300);
    }

    private void ReceiveLoop()
    {
        byte[] buffer = new byte[2048];
        byte[] reply = new byte[300];
        while (!_stop)
        {
            int n;
            try
            {
                n = sockets.Receive.Receive(buffer);
            }
            catch (SocketException)
            {
                continue;
            }

            Span<byte> dhcp = AbuseSockets.ReplyIn(buffer.AsSpan(0, n));
            if (dhcp.IsEmpty)
            {
                continue;
            }

            uint xid = BinaryPrimitives.ReadUInt32BigEndian(dhcp[4..]);
            if ((xid & 0xFF000000) != _tag)
            {
                _otherReplies++;
                continue;
            }

            uint yiaddr = BinaryPrimitives.ReadUInt32BigEndian(dhcp[16..]);
            (byte type, uint serverId) = AbuseSockets.TypeAndServer(dhcp);
            switch (type)
            {
                case Offer:
                    _offers++;
                    lock (_acked)
                    {
                        _offered.Add(yiaddr);
                    }

                    if (request)
                    {
                        // The same client (chaddr, xid) takes the offer: REQUEST in SELECTING state (RFC 2131 §4.3.2).
                        int length = Build(reply, Request, xid, dhcp.Slice(28, 6), yiaddr, serverId);
                        try
                        {
                            sockets.Send.SendTo(reply, 0, length, SocketFlags.None, sockets.Broadcast);
                            _requests++;
                        }
                        catch (SocketException)
                        {
                        }
                    }

                    break;
                case Ack:
                    _acks++;
                    lock (_acked)
                    {
                        _acked.Add(yiaddr);
                        _ackTimes.Add(Stopwatch.GetTimestamp());
                    }

                    break;
                case Nak:
                    _naks++;
                    break;
            }
        }
    }
}

/// <summary>Broken datagrams to port 67 as fast as the socket takes them.</summary>
internal sealed class Garbage(AbuseSockets sockets, Random random)
{
    private long _replies;
    private volatile bool _stop;

    public string Run(double rate, TimeSpan duration)
    {
        Thread receiver = new(ReceiveLoop) { IsBackground = true };
        receiver.Start();
        byte[] packet = new byte[1472];
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long sent = 0, bytes = 0, refused = 0;
        long[] kinds = new long[Kinds];
        while (Stopwatch.GetTimestamp() < end)
        {
            Abuse.Pace(start, sent, rate);
            int kind = random.Next(Kinds);
            int length = Make(packet, kind);
            try
            {
                sockets.Send.SendTo(packet, 0, length, SocketFlags.None, sockets.Broadcast);
                sent++;
                bytes += length;
                kinds[kind]++;
            }
            catch (SocketException)
            {
                refused++;
                Thread.Yield();
            }
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Thread.Sleep(500);
        _stop = true;
        receiver.Join();
        return FormattableString.Invariant(
            $"mode=garbage seconds={seconds:F1} sent={sent} sent_per_s={sent / seconds:F0} mbit_per_s={bytes * 8 / seconds / 1e6:F1} refused_by_socket={refused} replies={_replies} kinds={string.Join(',', kinds)}");
    }

    private const int Kinds = 6;

    /// <summary>One broken datagram of kind <paramref name="kind"/> in <paramref name="p"/>; returns its length.</summary>
    private int Make(byte[] p, int kind)
    {
        switch (kind)
        {
            case 0:
            {
                // Random bytes, random length (0 to a full Ethernet payload).
                int length = random.Next(0, p.Length + 1);
                random.NextBytes(p.AsSpan(0, length));
                return length;
            }

            case 1:
            {
                // A valid DISCOVER with 1 to 16 random bytes changed anywhere.
                int length = ValidDiscover(p);
                for (int i = random.Next(1, 17); i > 0; i--)
                {
                    p[random.Next(length)] = (byte)random.Next(256);
                }

                return length;
            }

            case 2:
                // A valid DISCOVER cut short anywhere, header included.
                return random.Next(0, ValidDiscover(p));

            case 3:
            {
                // Options whose lengths run past the end, or are zero, or overlap the End.
                int length = ValidDiscover(p);
                int o = 240;
                while (o + 2 < length)
                {
                    p[o] = (byte)random.Next(1, 255);
                    p[o + 1] = (byte)random.Next(256);
                    o += 2 + random.Next(0, 8);
                }

                return length;
            }

            case 4:
            {
                // The header and cookie right, then up to 1,232 bytes of random options (overload, split, huge).
                ValidDiscover(p);
                int length = random.Next(241, p.Length + 1);
                random.NextBytes(p.AsSpan(240, length - 240));
                p[240] = 53; p[241] = 1; p[242] = (byte)random.Next(0, 20);
                return length;
            }

            default:
            {
                // Odd headers: op, htype, hlen, hops, flags, giaddr at random, otherwise valid.
                int length = ValidDiscover(p);
                random.NextBytes(p.AsSpan(0, 4));
                random.NextBytes(p.AsSpan(10, 2));
                if (random.Next(2) == 0)
                {
                    random.NextBytes(p.AsSpan(24, 4));
                }

                return length;
            }
        }
    }

    private int ValidDiscover(byte[] p)
    {
        Span<byte> s = p.AsSpan(0, 300);
        s.Clear();
        s[0] = 1; s[1] = 1; s[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(s[4..], (uint)random.Next());
        random.NextBytes(s.Slice(28, 6));
        s[28] = (byte)((s[28] & 0xFC) | 0x02);
        BinaryPrimitives.WriteUInt32BigEndian(s[236..], 0x63825363);
        s[240] = 53; s[241] = 1; s[242] = 1;
        s[243] = 55; s[244] = 3; s[245] = 1; s[246] = 3; s[247] = 6;
        s[248] = 255;
        return 300;
    }

    private void ReceiveLoop()
    {
        byte[] buffer = new byte[2048];
        while (!_stop)
        {
            try
            {
                int n = sockets.Receive.Receive(buffer);
                if (!AbuseSockets.ReplyIn(buffer.AsSpan(0, n)).IsEmpty)
                {
                    _replies++;
                }
            }
            catch (SocketException)
            {
            }
        }
    }
}
