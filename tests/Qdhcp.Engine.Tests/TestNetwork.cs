using System.Buffers.Binary;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Tests;

/// <summary>
/// The network of ../shared/captures/README.md, as Neutron configures dnsmasq for it: one static range
/// <c>set:tag0,10.10.10.0,static,120s</c> (no netmask: taken from the interface), three hosts, the tag0 options,
/// MTU forced, domain openstacklocal, lease-max 256.
/// </summary>
internal static class TestNetwork
{
    public const long Epoch = 1_700_000_000;

    public static readonly IPv4Address ServerAddress = IPv4Address.Parse("10.10.10.3");
    public static readonly IPv4Address Gateway = IPv4Address.Parse("10.10.10.1");
    public static readonly IPv4Address Relay = IPv4Address.Parse("10.10.10.254");

    public static readonly ServerInterface Interface = new(
        "tap26c9b807-7c",
        26,
        MacAddress.Parse("fa:16:3e:00:00:03"),
        [new InterfaceAddress(ServerAddress, 24)]);

    public static readonly MacAddress Vm1 = MacAddress.Parse("fa:16:3e:fe:c7:87");
    public static readonly MacAddress Vm2 = MacAddress.Parse("fa:16:3e:ac:00:05");
    public static readonly MacAddress Vm3 = MacAddress.Parse("fa:16:3e:ac:00:06");
    public static readonly MacAddress Stranger = MacAddress.Parse("fa:16:3e:99:99:99");

    public static readonly IPv4Address Vm1Address = IPv4Address.Parse("10.10.10.2");
    public static readonly IPv4Address Vm2Address = IPv4Address.Parse("10.10.10.5");
    public static readonly IPv4Address Vm3Address = IPv4Address.Parse("10.10.10.6");

    /// <summary>169.254.169.254/32 via 10.10.10.3, default via 10.10.10.1 (RFC 3442 encoding), for 121 and 249.</summary>
    public static readonly byte[] ClasslessRoutes = Convert.FromHexString("20a9fea9fe0a0a0a03000a0a0a01");

    public static DhcpRange Range(uint leaseSeconds = 120) =>
        new(["tag0"], [], IPv4Address.Parse("10.10.10.0"), IPv4Address.Parse("10.10.10.0"), IsStatic: true, Netmask: null, leaseSeconds);

    public static Reservation Host(MacAddress mac, IPv4Address address, string? hostName = null, uint? leaseSeconds = null, string[]? setTags = null) =>
        new(mac, null, hostName, address, leaseSeconds, setTags ?? []);

    public static IReadOnlyList<Reservation> DefaultHosts =>
    [
        Host(Vm1, Vm1Address, "host-10-10-10-2"),
        Host(Vm2, Vm2Address, "host-10-10-10-5"),
        Host(Vm3, Vm3Address, "host-10-10-10-6"),
    ];

    public static IReadOnlyList<OptionSetting> DefaultOptions =>
    [
        Option(3, Address(Gateway), "tag0"),
        Option(6, Address(ServerAddress), "tag0"),
        Option(121, ClasslessRoutes, "tag0"),
        Option(249, ClasslessRoutes, "tag0"),
        new OptionSetting([], 26, UInt16(1450), Force: true),
    ];

    public static Dhcp4Configuration Configuration(
        IReadOnlyList<Reservation>? hosts = null,
        IReadOnlyList<OptionSetting>? options = null,
        uint leaseSeconds = 120,
        int leaseMax = 256) =>
        new()
        {
            Ranges = [Range(leaseSeconds)],
            Reservations = hosts ?? DefaultHosts,
            Options = options ?? DefaultOptions,
            Matches = [new RequestMatch("ipxe", 175, null)],
            Domain = "openstacklocal",
            LeaseMax = leaseMax,
        };

    public static Dhcp4Engine NewEngine(Dhcp4Configuration? configuration = null) =>
        new(Dhcp4NetworkSnapshot.Compile(configuration ?? Configuration()));

    public static OptionSetting Option(byte code, byte[] value, params string[] tags) => new(tags, code, value);

    public static byte[] Address(params IPv4Address[] addresses)
    {
        byte[] bytes = new byte[4 * addresses.Length];
        for (int i = 0; i < addresses.Length; i++)
        {
            addresses[i].Write(bytes.AsSpan(4 * i));
        }

        return bytes;
    }

    public static byte[] Address(string address) => Address(IPv4Address.Parse(address));

    public static byte[] UInt16(ushort value)
    {
        byte[] bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] UInt32(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }
}

/// <summary>A controllable receive time for the request context.</summary>
internal sealed class TestClock(long now = TestNetwork.Epoch)
{
    public long Now { get; set; } = now;

    public void Advance(long seconds) => Now += seconds;
}
