using System.Buffers.Binary;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Benchmarks;

/// <summary>
/// The network bench/run.sh serves, as the engine sees it after loading Neutron's files: 10.64.0.0/15, server
/// 10.64.0.1, host i = MAC fa:16:3e:00:00:00 + i at 10.64.1.0 + i, options router/DNS (tagged), MTU forced, domain.
/// </summary>
internal static class BenchNetwork
{
    public const long Now = 1_700_000_000;
    public static readonly IPv4Address Server = IPv4Address.Parse("10.64.0.1");
    public static readonly IPv4Address Relay = IPv4Address.Parse("10.64.0.2");
    public static readonly ServerInterface Interface = new("qdbs1", 2, MacAddress.Parse("02:00:00:00:00:01"), [new InterfaceAddress(Server, 15)]);
    public static readonly Dhcp4RequestContext Context = new(Interface, Now);
    private const ulong MacBase = 0xFA163E000000;
    private static readonly uint FirstHost = IPv4Address.Parse("10.64.1.0").Value;

    public static MacAddress Mac(int i) => MacAddress.Read(BitConverter.GetBytes(BinaryPrimitives.ReverseEndianness((MacBase + (ulong)i) << 16)));

    public static IPv4Address Address(int i) => new(FirstHost + (uint)i);

    public static Dhcp4Configuration Configuration(int hosts) => new()
    {
        Ranges = [new DhcpRange(["subnet-bench"], [], IPv4Address.Parse("10.64.0.0"), IPv4Address.Parse("10.64.0.0"), IsStatic: true, IPv4Address.Parse("255.254.0.0"), 86400)],
        Reservations = [.. Enumerable.Range(0, hosts).Select(i => new Reservation(Mac(i), null, "host-" + Address(i).ToString().Replace('.', '-'), Address(i), null, []))],
        Options =
        [
            new OptionSetting(["subnet-bench"], 6, [10, 64, 0, 53]),
            new OptionSetting(["subnet-bench"], 3, [10, 64, 0, 254]),
            new OptionSetting([], 26, [0x05, 0xDC], Force: true),
        ],
        Matches = [new RequestMatch("ipxe", 175, null)],
        Domain = "openstacklocal",
        LeaseMax = 131072,

        // The benchmarks send one client's request millions of times a second: with the default per-client limit
        // (10/s) all but the first few would be dropped as rate-limited, and the figures would be the drop's.
        ClientRateLimit = 0,
    };

    /// <summary>A request as dhclient (direct) or perfdhcp (relay: giaddr set) sends it.</summary>
    public static byte[] Request(Dhcp4MessageType type, int host, IPv4Address giaddr, IPv4Address ciaddr = default, IPv4Address? requested = null, IPv4Address? serverId = null)
    {
        byte[] packet = new byte[300];
        Span<byte> chaddr = stackalloc byte[16];
        Mac(host).Write(chaddr);
        Dhcp4Writer writer = new(packet, packet.Length);
        writer.WriteHeader(BootpOperation.BootRequest, 1, 6, 0, 0x12345678u + (uint)host, 0, 0, ciaddr, IPv4Address.Any, IPv4Address.Any, giaddr, chaddr);
        writer.TryWriteByte(Dhcp4OptionCode.DhcpMessageType, (byte)type);
        if (requested is { } r)
        {
            writer.TryWriteAddress(Dhcp4OptionCode.RequestedIPAddress, r);
        }

        if (serverId is { } s)
        {
            writer.TryWriteAddress(Dhcp4OptionCode.ServerIdentifier, s);
        }

        writer.TryWriteOption(Dhcp4OptionCode.ParameterRequestList, [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42]);
        int length = writer.WriteEnd();
        return packet.AsSpan(0, Math.Max(length, 300)).ToArray();
    }
}
