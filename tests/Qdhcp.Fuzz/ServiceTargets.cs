using System.Net;
using Qdhcp.Dns;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Fuzz;

/// <summary>
/// The whole DHCPv4 engine, packet in and reply out, on the seed network as Neutron configures dnsmasq for it
/// (tests/Qdhcp.Engine.Tests/TestNetwork.cs): a fresh lease table per input so runs are reproducible. The input is
/// processed twice (the second time 60 s later, as a retransmission or a renewal), and every reply must be a
/// DHCP message the reader accepts that fits the buffer. Besides the static range, two small dynamic pools (one
/// local, one behind a relay): an address given is a reserved one to its own host, or a pool's.
/// </summary>
public static class Dhcp4EngineTarget
{
    private const long Epoch = 1_700_000_000;

    private static readonly ServerInterface Interface = new(
        "tap26c9b807-7c",
        26,
        MacAddress.Parse("fa:16:3e:00:00:03"),
        [new InterfaceAddress(IPv4Address.Parse("10.10.10.3"), 24)]);

    private static readonly IPv4Address LocalPoolStart = IPv4Address.Parse("10.10.10.100");
    private static readonly IPv4Address LocalPoolEnd = IPv4Address.Parse("10.10.10.103");
    private static readonly IPv4Address RelayPoolStart = IPv4Address.Parse("10.20.0.10");
    private static readonly IPv4Address RelayPoolEnd = IPv4Address.Parse("10.20.0.13");

    /// <summary>The reservations by address, to check an address is only ever given to its host.</summary>
    private static readonly Dictionary<IPv4Address, MacAddress> Reserved = new()
    {
        [IPv4Address.Parse("10.10.10.2")] = MacAddress.Parse("fa:16:3e:fe:c7:87"),
        [IPv4Address.Parse("10.10.10.5")] = MacAddress.Parse("fa:16:3e:ac:00:05"),
        [IPv4Address.Parse("10.10.10.6")] = MacAddress.Parse("fa:16:3e:ac:00:06"),
    };

    private static readonly Dhcp4NetworkSnapshot Snapshot = Dhcp4NetworkSnapshot.Compile(new Dhcp4Configuration
    {
        Ranges =
        [
            new DhcpRange(["tag0"], [], IPv4Address.Parse("10.10.10.0"), IPv4Address.Parse("10.10.10.0"), IsStatic: true, Netmask: null, 120),
            // Dynamic pools: one on the interface's subnet, one behind a relay (giaddr 10.20.0.x), small enough to run dry.
            new DhcpRange(["pool"], [], LocalPoolStart, LocalPoolEnd, IsStatic: false, Netmask: null, 600),
            new DhcpRange(["relayed"], [], RelayPoolStart, RelayPoolEnd, IsStatic: false, Netmask: IPv4Address.Parse("255.255.255.0"), 600),
        ],
        Reservations =
        [
            new Reservation(MacAddress.Parse("fa:16:3e:fe:c7:87"), null, "host-10-10-10-2", IPv4Address.Parse("10.10.10.2"), null, []),
            new Reservation(MacAddress.Parse("fa:16:3e:ac:00:05"), null, "host-10-10-10-5", IPv4Address.Parse("10.10.10.5"), null, []),
            new Reservation(MacAddress.Parse("fa:16:3e:ac:00:06"), null, "host-10-10-10-6", IPv4Address.Parse("10.10.10.6"), 60, ["special"]),
        ],
        Options =
        [
            new OptionSetting(["tag0"], 3, [10, 10, 10, 1]),
            new OptionSetting(["tag0"], 6, [10, 10, 10, 3]),
            new OptionSetting(["tag0"], 121, Convert.FromHexString("20a9fea9fe0a0a0a03000a0a0a01")),
            new OptionSetting(["tag0"], 249, Convert.FromHexString("20a9fea9fe0a0a0a03000a0a0a01")),
            new OptionSetting(["ipxe"], 67, "undionly.kpxe"u8.ToArray()),
            new OptionSetting([], 26, [0x05, 0xaa], Force: true),
        ],
        Matches = [new RequestMatch("ipxe", 175, null)],
        Domain = "openstacklocal",
        LeaseMax = 256,
    });

    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        var engine = new Dhcp4Engine(Snapshot);
        Span<byte> reply = stackalloc byte[1500];
        for (int round = 0; round < 2; round++)
        {
            Dhcp4EngineResult result = engine.Process(new Dhcp4RequestContext(Interface, Epoch + (60 * round)), data, reply);
            Check.That(result.Length >= 0 && result.Length <= reply.Length, $"reply length {result.Length} outside the buffer");
            if (result.HasReply)
            {
                Check.That(Dhcp4Reader.TryRead(reply[..result.Length], out Dhcp4Reader parsed) == Dhcp4ParseStatus.Ok, "the engine wrote a reply its own reader rejects");
                Check.That(parsed.MessageType == result.ReplyType, "reply message type differs from the result");
                CheckAddressGiven(parsed);
            }
        }
    }

    /// <summary>
    /// An OFFER or ACK that gives an address (yiaddr) gives a reserved one only to its host, else one of a pool;
    /// never the server's own address or anything else on the subnet (the static range is for reserved hosts only).
    /// </summary>
    private static void CheckAddressGiven(in Dhcp4Reader reply)
    {
        IPv4Address given = reply.Yiaddr;
        if (reply.MessageType is not (Dhcp4MessageType.Offer or Dhcp4MessageType.Ack) || given == IPv4Address.Any)
        {
            return;
        }

        if (Reserved.TryGetValue(given, out MacAddress host))
        {
            Check.That(reply.ClientMac == host, $"{reply.MessageType} gives {given}, reserved for {host}, to {reply.ClientMac}");
            return;
        }

        bool inPool = (given >= LocalPoolStart && given <= LocalPoolEnd) || (given >= RelayPoolStart && given <= RelayPoolEnd);
        Check.That(inPool, $"{reply.MessageType} gives {given}: neither reserved nor in a pool");
    }
}

/// <summary>The DNS responder over the seed's zone, for a local client over UDP and a remote one over TCP.</summary>
public static class DnsResponderTarget
{
    private static readonly IPv4Subnet[] Subnets = [new(IPv4Address.Parse("10.10.10.0"), 24)];

    private static readonly DnsZone Zone = DnsZone.Build("openstacklocal",
    [
        new DnsHostName("host-10-10-10-2", IPAddress.Parse("10.10.10.2"), true),
        new DnsHostName("host-10-10-10-5", IPAddress.Parse("10.10.10.5"), true),
        new DnsHostName("vm7.openstacklocal", IPAddress.Parse("10.10.10.7"), true),
        new DnsHostName("vm7", IPAddress.Parse("10.10.10.7"), false),
        new DnsHostName("vm7.openstacklocal", IPAddress.Parse("fd00::7"), true),
        new DnsHostName("far.example.net", IPAddress.Parse("198.51.100.4"), true),
    ], serial: 42);

    private static readonly DnsResponder Forwarding = new(Zone, new DnsResponderOptions(CanForward: true));
    private static readonly DnsResponder LocalOnly = new(Zone, new DnsResponderOptions(LocalServiceOnly: true, CanForward: true, UdpPayloadSize: 512));

    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        Span<byte> response = stackalloc byte[4096];
        Run(Forwarding, new DnsRequestContext(IPv4Address.Parse("10.10.10.2"), false, Subnets), data, response);
        Run(LocalOnly, new DnsRequestContext(IPv4Address.Parse("192.0.2.9"), true, Subnets), data, response);
        Run(Forwarding, new DnsRequestContext(IPv4Address.Parse("10.10.10.2"), false, Subnets), data, response[..512]);
    }

    private static void Run(DnsResponder responder, DnsRequestContext context, ReadOnlySpan<byte> query, Span<byte> response)
    {
        DnsResult result = responder.Process(context, query, response);
        Check.That(result.Length >= 0 && result.Length <= response.Length, $"response length {result.Length} outside the buffer");
        if (result.Action == DnsAction.Reply)
        {
            Check.That(DnsReader.TryRead(response[..result.Length], out _) == DnsParseStatus.Ok, "the responder wrote a response its own reader rejects");
        }

        int failure = responder.WriteServerFailure(query, response, context.OverTcp);
        Check.That(failure >= 0 && failure <= response.Length, $"SERVFAIL length {failure} outside the buffer");
    }
}
