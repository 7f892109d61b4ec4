// qdhcp-loadgen: a small DHCPv4 client simulator for bench/run.sh.
//
// perfdhcp 2.2 always acts as a relay (giaddr set, replies to port 67), so it cannot load the path most Neutron
// VMs use: a client with no address, answered by unicast to its MAC (RFC 2131 §4.1), which the server sends from
// an AF_PACKET socket (or, for dnsmasq, through an ARP entry). This tool sends DISCOVER/REQUEST as such a client
// (ciaddr = giaddr = 0, broadcast flag clear, from port 68 to 255.255.255.255:67) and reads the replies from an
// AF_PACKET socket, which sees frames addressed to any MAC on the veth (the simulated clients' MACs are not the
// veth's). Client MACs follow perfdhcp's sequence, base + i for i < clients, so one hosts file serves both tools.
//
// With --relay A --server S it plays a relay agent instead (RFC 2131 §4.1, RFC 1542): giaddr = A, hops = 1,
// unicast from A:67 to S:67, replies read from that UDP socket. This is the path perfdhcp measures, with a
// generator light enough (one socket, no per-packet allocation) that at 20,000 DORA/s it is not itself the limit,
// as perfdhcp is on 2 cores.
//
//   qdhcp-loadgen dora  --interface IF [--rate R] [--duration S] [--clients N] [--mac-base M] [--timeout-ms T]
//                       [--relay A --server S]
//   qdhcp-loadgen probe --interface IF [--wait S]      prints the wall-clock time (unix seconds) of the first OFFER
//   qdhcp-loadgen flood|garbage ...                    abuse: random-MAC starvation, broken datagrams (Abuse.cs)
//
// dora prints one line of key=value: sent, completed, drops, achieved DORA/s, DO and RA delay median/max (ms).
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

var opts = new Dictionary<string, string>(StringComparer.Ordinal);
string mode = args.Length > 0 ? args[0] : "";
for (int i = 1; i + 1 < args.Length; i += 2)
{
    opts[args[i].TrimStart('-')] = args[i + 1];
}

string Get(string key, string fallback) => opts.TryGetValue(key, out string? v) ? v : fallback;
string iface = Get("interface", "");
if (mode is not ("dora" or "probe" or "flood" or "garbage") || iface.Length == 0)
{
    Console.Error.WriteLine("usage: qdhcp-loadgen dora|probe --interface IF [--rate R] [--duration S] [--clients N] [--mac-base M] [--timeout-ms T] [--wait S]");
    Console.Error.WriteLine("       qdhcp-loadgen flood --interface IF [--rate R] [--duration S] [--request 1] [--seed N] [--giaddr A]   (random-MAC starvation, see Abuse.cs)");
    Console.Error.WriteLine("       qdhcp-loadgen garbage --interface IF [--rate R] [--duration S] [--seed N]                           (broken datagrams at line rate)");
    return 2;
}

if (mode is "flood" or "garbage")
{
    return Abuse.Run(mode, iface, Get);
}

ulong macBase = ParseMac(Get("mac-base", "fa:16:3e:00:00:00"));
int clients = int.Parse(Get("clients", "1000"), CultureInfo.InvariantCulture);
IPAddress? relay = opts.TryGetValue("relay", out string? relayText) ? IPAddress.Parse(relayText) : null;
IPAddress? serverAddress = opts.TryGetValue("server", out string? serverText) ? IPAddress.Parse(serverText) : null;
if ((relay is null) != (serverAddress is null))
{
    Console.Error.WriteLine("qdhcp-loadgen: --relay and --server go together");
    return 2;
}

using var gen = new Generator(iface, macBase, clients, TimeSpan.FromMilliseconds(double.Parse(Get("timeout-ms", "1000"), CultureInfo.InvariantCulture)), relay, serverAddress);
if (mode == "probe")
{
    // Sends DISCOVERs every 2 ms from before the event: with --exec, the start of a server (the command runs
    // through sh; its pid is printed); with --signal PID, a SIGHUP to PID. Prints the time from the event to the
    // first OFFER.
    double wait = double.Parse(Get("wait", "30"), CultureInfo.InvariantCulture);
    gen.StartProbe();
    Thread.Sleep(100);
    long eventAt = Stopwatch.GetTimestamp();
    if (opts.TryGetValue("exec", out string? command))
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", "exec " + command]) { UseShellExecute = false };
        using Process server = Process.Start(start)!;
        Console.WriteLine(FormattableString.Invariant($"pid={server.Id}"));
        eventAt = Stopwatch.GetTimestamp();
    }
    else if (opts.TryGetValue("signal", out string? pid))
    {
        gen.ResetProbe();
        eventAt = Stopwatch.GetTimestamp();
        if (Native.kill(int.Parse(pid, CultureInfo.InvariantCulture), 1) != 0)
        {
            Console.Error.WriteLine("kill failed");
            return 1;
        }
    }

    long? at = gen.WaitForOffer(eventAt, TimeSpan.FromSeconds(wait));
    Console.WriteLine(at is { } t ? FormattableString.Invariant($"first_offer_ms={(t - eventAt) * 1000.0 / Stopwatch.Frequency:F1}") : "first_offer_ms=none");
    return at is null ? 1 : 0;
}

double rate = double.Parse(Get("rate", "0"), CultureInfo.InvariantCulture);
double duration = double.Parse(Get("duration", "10"), CultureInfo.InvariantCulture);
Console.WriteLine(gen.Run(rate, TimeSpan.FromSeconds(duration)));
return 0;

static ulong ParseMac(string text)
{
    ulong value = 0;
    foreach (string part in text.Split(':'))
    {
        value = (value << 8) | byte.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    return value;
}

internal sealed class Generator : IDisposable
{
    private const int Slots = 1 << 20;           // outstanding exchanges by xid; far more than rate x timeout
    private const byte Discover = 1, Offer = 2, Request = 3, Ack = 5, Nak = 6;
    private readonly Socket _send;
    private readonly Socket? _receive;     // the AF_PACKET socket of the direct path; null as a relay
    private readonly uint _giaddr;         // 0 on the direct path
    private readonly ulong _macBase;
    private readonly int _clients;
    private readonly long _timeoutTicks;
    private readonly IPEndPoint _destination = new(IPAddress.Broadcast, 67);

    // Per xid slot: when DISCOVER and REQUEST went out, when OFFER and ACK came back (Stopwatch ticks), client.
    private readonly long[] _discoverAt = new long[Slots];
    private readonly long[] _requestAt = new long[Slots];
    private readonly int[] _state = new int[Slots];   // 0 free, 1 discover sent, 2 request sent, 3 done, 4 nak
    private readonly int[] _client = new int[Slots];
    private readonly List<double> _doDelays = new(1 << 20);
    private readonly List<double> _raDelays = new(1 << 20);
    private long _completed, _naks, _offers;
    private volatile bool _stop;

    public Generator(string iface, ulong macBase, int clients, TimeSpan timeout, IPAddress? relay = null, IPAddress? server = null)
    {
        _macBase = macBase;
        _clients = clients;
        _timeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        byte[] device = Encoding.ASCII.GetBytes(iface + "\0");
        _send = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _send.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _send.EnableBroadcast = true;
        _send.SetRawSocketOption(1, 25, device);  // SOL_SOCKET, SO_BINDTODEVICE
        _send.SendBufferSize = 8 << 20;
        if (relay is not null && server is not null)
        {
            // A relay agent: its own address on port 67, to the server's; the replies come back to this socket.
            _giaddr = BinaryPrimitives.ReadUInt32BigEndian(relay.GetAddressBytes());
            _destination = new IPEndPoint(server, 67);
            _send.Bind(new IPEndPoint(relay, 67));
            Span<byte> size = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(size, 32 << 20);
            _send.SetRawSocketOption(1, 33, size);   // SO_RCVBUFFORCE (root): bursts of replies must not overflow it
            _send.ReceiveTimeout = 200;
            return;
        }

        _send.Bind(new IPEndPoint(IPAddress.Any, 68));

        // AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP): whole IPv4 packets, any destination MAC.
        _receive = new Socket(AddressFamily.Packet, SocketType.Dgram, (ProtocolType)0x0008);
        AttachClientPortFilter(_receive);
        _receive.ReceiveBufferSize = 32 << 20;
        _receive.ReceiveTimeout = 200;
    }

    /// <summary>
    /// A classic BPF filter so the kernel hands this socket only what a client receives: IPv4, UDP, first fragment,
    /// destination port 68. Without it the socket copies every IPv4 packet of the namespace, the generator's own
    /// requests and, during a SIGHUP measurement, perfdhcp's 40,000 packets/s, and parsing them took CPU from the
    /// very exchange being measured. Offsets are from the IP header (SOCK_DGRAM packet sockets, packet(7)).
    /// </summary>
    private static unsafe void AttachClientPortFilter(Socket socket)
    {
        ulong[] program =
        [
            Insn(0x30, 0, 0, 9),          // ldb [9]                 IP protocol
            Insn(0x15, 0, 6, 17),         // jeq #17 (UDP), else drop
            Insn(0x28, 0, 0, 6),          // ldh [6]                 flags and fragment offset
            Insn(0x45, 4, 0, 0x1fff),     // jset #0x1fff: a later fragment, drop
            Insn(0xb1, 0, 0, 0),          // ldxb 4*([0]&0xf)        IP header length
            Insn(0x48, 0, 0, 2),          // ldh [x+2]               UDP destination port
            Insn(0x15, 0, 1, 68),         // jeq #68, else drop
            Insn(0x06, 0, 0, 0x40000),    // ret: accept
            Insn(0x06, 0, 0, 0),          // ret: drop
        ];
        fixed (ulong* filter = program)
        {
            Span<byte> fprog = stackalloc byte[16];   // struct sock_fprog { u16 len; (pad) struct sock_filter *filter; }
            fprog.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(fprog, (ushort)program.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(fprog[8..], (ulong)filter);
            socket.SetRawSocketOption(1, 26, fprog);   // SOL_SOCKET, SO_ATTACH_FILTER
        }

        // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } as one little-endian 64-bit word.
        static ulong Insn(ushort code, byte jt, byte jf, uint k) => code | ((ulong)jt << 16) | ((ulong)jf << 24) | ((ulong)k << 32);
    }

    private Thread? _prober;
    private long _firstOfferAt;

    /// <summary>Starts sending a DISCOVER every 2 ms (distinct xids, client 0) and receiving.</summary>
    public void StartProbe()
    {
        new Thread(ReceiveLoop) { IsBackground = true }.Start();
        _prober = new Thread(() =>
        {
            while (!_stop)
            {
                SendDiscover((uint)Interlocked.Increment(ref _probeXid) % Slots);
                Thread.Sleep(2);
            }
        }) { IsBackground = true };
        _prober.Start();
    }

    /// <summary>Forgets OFFERs seen so far (they answered DISCOVERs sent before the event).</summary>
    public void ResetProbe()
    {
        Volatile.Write(ref _minProbeXid, Interlocked.Read(ref _probeXid) + 1);
        Interlocked.Exchange(ref _firstOfferAt, 0);
    }

    private long _probeXid;
    private long _minProbeXid;

    /// <summary>The Stopwatch time of the first OFFER received after <paramref name="since"/>, or null.</summary>
    public long? WaitForOffer(long since, TimeSpan wait)
    {
        long end = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            long at = Interlocked.Read(ref _firstOfferAt);
            if (at > since)
            {
                _stop = true;
                return at;
            }

            Thread.Sleep(1);
        }

        _stop = true;
        return null;
    }

    public string Run(double rate, TimeSpan duration)
    {
        var receiver = new Thread(ReceiveLoop) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
        receiver.Start();
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long sent = 0;
        uint xid = 0;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= end)
            {
                break;
            }

            // Pace: as many DISCOVERs as the rate allows up to now (unlimited: as fast as the socket takes them,
            // with at most 4,096 exchanges outstanding so the server's socket buffer is not simply flooded).
            long due = rate > 0 ? (long)((now - start) * rate / Stopwatch.Frequency) : long.MaxValue;
            if (sent >= due || (rate <= 0 && sent - Interlocked.Read(ref _completed) - Interlocked.Read(ref _naks) > 4096 && !TimedOutMostly(now)))
            {
                Thread.SpinWait(50);
                if (rate > 0 && due - sent <= 0)
                {
                    Thread.Sleep(0);
                }

                continue;
            }

            uint slot = ++xid % Slots;
            _client[slot] = (int)(sent % _clients);
            Volatile.Write(ref _state[slot], 1);
            _discoverAt[slot] = Stopwatch.GetTimestamp();
            SendDiscover(slot);
            sent++;
        }

        // Let the last exchanges finish (or time out).
        Thread.Sleep(TimeSpan.FromTicks(_timeoutTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
        _stop = true;
        receiver.Join();
        double seconds = duration.TotalSeconds;
        long completed = Interlocked.Read(ref _completed);
        _doDelays.Sort();
        _raDelays.Sort();
        return FormattableString.Invariant(
            $"sent={sent} completed={completed} naks={_naks} drops={sent - completed} drop_pct={(sent == 0 ? 0 : 100.0 * (sent - completed) / sent):F3} achieved={completed / seconds:F0} do_median_ms={Median(_doDelays):F3} do_max_ms={Max(_doDelays):F3} ra_median_ms={Median(_raDelays):F3} ra_max_ms={Max(_raDelays):F3}");
    }

    // Unlimited mode: when nothing has come back for a while the window would block forever; let sending go on.
    private bool TimedOutMostly(long now) => now - _lastReply > _timeoutTicks;

    private long _lastReply = Stopwatch.GetTimestamp();

    private static double Median(List<double> v) => v.Count == 0 ? 0 : v[v.Count / 2];

    private static double Max(List<double> v) => v.Count == 0 ? 0 : v[^1];

    private readonly byte[] _sendBuffer = new byte[300];
    private readonly byte[] _requestBuffer = new byte[300];

    private void SendDiscover(uint slot) => Send(_sendBuffer, slot, Discover, 0, 0);

    private void Send(byte[] packet, uint xid, byte type, uint requested, uint serverId)
    {
        Span<byte> p = packet;
        p.Clear();
        p[0] = 1; p[1] = 1; p[2] = 6;                                  // BOOTREQUEST, Ethernet, hlen 6
        p[3] = _giaddr == 0 ? (byte)0 : (byte)1;                      // hops: one relay
        BinaryPrimitives.WriteUInt32BigEndian(p[4..], xid);
        BinaryPrimitives.WriteUInt32BigEndian(p[24..], _giaddr);
        ulong mac = _macBase + (ulong)_client[xid % Slots];
        for (int i = 0; i < 6; i++)
        {
            p[28 + i] = (byte)(mac >> (8 * (5 - i)));
        }

        BinaryPrimitives.WriteUInt32BigEndian(p[236..], 0x63825363);   // magic cookie
        int o = 240;
        p[o++] = 53; p[o++] = 1; p[o++] = type;
        if (requested != 0)
        {
            p[o++] = 50; p[o++] = 4; BinaryPrimitives.WriteUInt32BigEndian(p[o..], requested); o += 4;
            p[o++] = 54; p[o++] = 4; BinaryPrimitives.WriteUInt32BigEndian(p[o..], serverId); o += 4;
        }

        // What dhclient asks for (subnet mask, broadcast, time offset, router, domain, DNS, host name, MTU, routes).
        ReadOnlySpan<byte> prl = [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42];
        p[o++] = 55; p[o++] = (byte)prl.Length; prl.CopyTo(p[o..]); o += prl.Length;
        p[o++] = 255;
        _send.SendTo(packet, 0, Math.Max(o, 300), SocketFlags.None, _destination);
    }

    private void ReceiveLoop()
    {
        byte[] buffer = new byte[2048];
        while (!_stop)
        {
            int n;
            try
            {
                n = (_receive ?? _send).Receive(buffer);
            }
            catch (SocketException)
            {
                continue;   // receive timeout: look at _stop again
            }

            Span<byte> dhcp;
            if (_receive is null)
            {
                dhcp = buffer.AsSpan(0, n);     // a relay's UDP socket: the DHCP message itself
            }
            else
            {
                Span<byte> ip = buffer.AsSpan(0, n);
                if (n < 28 + 240 || ip[9] != 17)
                {
                    continue;
                }

                int ihl = (ip[0] & 0x0F) * 4;
                Span<byte> udp = ip[ihl..];
                if (BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != 68)
                {
                    continue;
                }

                dhcp = udp[8..];
            }

            if (dhcp.Length < 244 || dhcp[0] != 2)
            {
                continue;
            }

            uint xid = BinaryPrimitives.ReadUInt32BigEndian(dhcp[4..]);
            uint yiaddr = BinaryPrimitives.ReadUInt32BigEndian(dhcp[16..]);
            (byte type, uint serverId) = AbuseSockets.TypeAndServer(dhcp);

            long now = Stopwatch.GetTimestamp();
            _lastReply = now;
            uint slot = xid % Slots;
            if (type == Offer)
            {
                Interlocked.Increment(ref _offers);
                if (xid >= Volatile.Read(ref _minProbeXid))
                {
                    Interlocked.CompareExchange(ref _firstOfferAt, now, 0);
                }

                if (_state[slot] != 1 || now - _discoverAt[slot] > _timeoutTicks)
                {
                    continue;
                }

                _doDelays.Add((now - _discoverAt[slot]) * 1000.0 / Stopwatch.Frequency);
                _state[slot] = 2;
                _requestAt[slot] = Stopwatch.GetTimestamp();
                Send(_requestBuffer, slot, Request, yiaddr, serverId);
            }
            else if (type is Ack or Nak)
            {
                if (_state[slot] != 2 || now - _requestAt[slot] > _timeoutTicks)
                {
                    continue;
                }

                _state[slot] = type == Ack ? 3 : 4;
                if (type == Ack)
                {
                    _raDelays.Add((now - _requestAt[slot]) * 1000.0 / Stopwatch.Frequency);
                    Interlocked.Increment(ref _completed);
                }
                else
                {
                    Interlocked.Increment(ref _naks);
                }
            }
        }
    }

    public void Dispose()
    {
        _send.Dispose();
        _receive?.Dispose();
    }
}

internal static partial class Native
{
    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int signal);
}
