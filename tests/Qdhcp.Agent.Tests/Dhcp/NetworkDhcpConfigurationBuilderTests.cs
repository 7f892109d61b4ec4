using Qdhcp.Agent.Dhcp;
using Qdhcp.Agent.Model;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Model;

namespace Qdhcp.Agent.Tests.Dhcp;

/// <summary>
/// The builder against what Neutron's DHCP agent writes (shared/neutron-samples: Neutron 21.0.0, one flat network
/// 10.77.0.0/24, DHCP port 10.77.0.10): the same text run through the dnsmasq parsers must give the same configuration.
/// </summary>
public class NetworkDhcpConfigurationBuilderTests
{
    private const string Net = "5f833617-6179-4797-b7c0-7d420d84040c";
    private const string Sub = "0c6a8f8e-aaaa-4a52-9ed4-000000000001";
    private const string Sub2 = "0c6a8f8e-aaaa-4a52-9ed4-000000000002";

    private static readonly Network Network = new(Net, "flat", 1500, true, "brq5f833617-61");

    private static Subnet SampleSubnet(string? gateway = "10.77.0.1", IReadOnlyList<HostRoute>? routes = null, IReadOnlyList<string>? dns = null) =>
        new(Sub, Net, "s", "10.77.0.0/24", gateway, dns ?? ["10.77.0.53"], routes ?? [], true, [new AllocationPool("10.77.0.2", "10.77.0.254")], 86400);

    private static Port VmPort(string id, string mac, string ip, IReadOnlyList<ExtraDhcpOpt>? extra = null, bool up = true, string? host = null, string subnet = Sub) =>
        new(id, Net, id, mac, [new FixedIp(subnet, ip)], "compute:nova", "vm", host, extra ?? [], up);

    private static readonly Port DhcpPort = new("26c9b807-7c11-4a52-9ed4-1234", Net, string.Empty, "fa:16:3e:00:00:10", [new FixedIp(Sub, "10.77.0.10")], Port.DhcpDeviceOwner, "dhcp", null, [], true);

    [Fact]
    public void Build_NeutronSample_SameAsTheAgentsFiles()
    {
        Dhcp4Configuration built = NetworkDhcpConfigurationBuilder.Build(
            Network,
            [SampleSubnet()],
            [DhcpPort, VmPort("p42", "fa:16:3e:77:00:42", "10.77.0.42"), VmPort("p46", "fa:16:3e:77:00:43", "10.77.0.46")]);

        DhcpRange range = DnsmasqDhcpRange.Parse($"set:subnet-{Sub},10.77.0.0,static,255.255.255.0,86400s").Value!;
        DnsmasqHostsFile hosts = DnsmasqHostsFile.Parse(
            "fa:16:3e:77:00:42,host-10-77-0-42.openstacklocal,10.77.0.42\nfa:16:3e:77:00:43,host-10-77-0-46.openstacklocal,10.77.0.46\n",
            "host",
            "openstacklocal");
        DnsmasqOptsFile opts = DnsmasqOptsFile.Parse($"tag:subnet-{Sub},option:dns-server,10.77.0.53\ntag:subnet-{Sub},option:router,10.77.0.1", "opts");
        OptionSetting mtu = DnsmasqDhcpOption.Parse("option:mtu,1500", force: true).Value!;

        Assert.Equal([Describe(range)], built.Ranges.Select(Describe));
        Assert.Equal(hosts.Entries.SelectMany(e => e.ToReservations()).Select(Describe), built.Reservations.Select(Describe));
        Assert.Equal([.. opts.Options.Select(Describe), Describe(mtu)], built.Options.Select(Describe));
        Assert.Equal("openstacklocal", built.Domain);
        Assert.Equal(65536, built.LeaseMax);
        Assert.True(built.DnsEnabled);
        Assert.Equal(
            [Describe(DnsmasqRequestMatch.ParseMatch("set:ipxe,175").Value!), Describe(DnsmasqRequestMatch.ParseUserClass("set:ipxe6,iPXE").Value!)],
            built.Matches.Select(Describe));
    }

    [Fact]
    public void Build_NoGatewayNoDns_RouterAnnouncedAsNoneAndNoDnsOption()
    {
        Dhcp4Configuration built = NetworkDhcpConfigurationBuilder.Build(Network, [SampleSubnet(gateway: null, dns: [])], []);
        Assert.Equal([Line($"tag:subnet-{Sub},option:router"), Describe(Mtu(1500))], built.Options.Select(Describe));
        Assert.Empty(built.Options[0].Value);
    }

    [Fact]
    public void Build_HostRoutes_ClasslessRoutesAnd249WithDefaultRouteLast()
    {
        Subnet subnet = SampleSubnet(routes: [new HostRoute("192.168.0.0/16", "10.77.0.254"), new HostRoute("0.0.0.0/0", "10.77.0.99")]);
        Dhcp4Configuration built = NetworkDhcpConfigurationBuilder.Build(Network with { Mtu = 1450 }, [subnet], []);
        Assert.Equal(
            [
                Line($"tag:subnet-{Sub},option:dns-server,10.77.0.53"),
                Line($"tag:subnet-{Sub},option:classless-static-route,192.168.0.0/16,10.77.0.254,0.0.0.0/0,10.77.0.1"),
                Line($"tag:subnet-{Sub},249,192.168.0.0/16,10.77.0.254,0.0.0.0/0,10.77.0.1"),
                Line($"tag:subnet-{Sub},option:router,10.77.0.1"),
                Describe(Mtu(1450)),
            ],
            built.Options.Select(Describe));
    }

    [Fact]
    public void Build_DefaultHostRouteWithoutGateway_BecomesTheRouter()
    {
        Subnet subnet = SampleSubnet(gateway: null, dns: [], routes: [new HostRoute("0.0.0.0/0", "10.77.0.99")]);
        Dhcp4Configuration built = NetworkDhcpConfigurationBuilder.Build(Network, [subnet], []);
        Assert.Equal([Line($"tag:subnet-{Sub},option:router,10.77.0.99"), Describe(Mtu(1500))], built.Options.Select(Describe));
    }

    [Fact]
    public void Build_TwoSubnets_OtherSubnetRoutedOnLinkAndDisabledSubnetNotServed()
    {
        Subnet second = new(Sub2, Net, "s2", "10.88.0.0/24", "10.88.0.1", [], [], true, [], 600);
        Dhcp4Configuration built = NetworkDhcpConfigurationBuilder.Build(Network, [SampleSubnet(dns: []), second], []);
        Assert.Equal(
            [
                Line($"tag:subnet-{Sub},option:classless-static-route,10.88.0.0/24,0.0.0.0,0.0.0.0/0,10.77.0.1"),
                Line($"tag:subnet-{Sub},249,10.88.0.0/24,0.0.0.0,0.0.0.0/0,10.77.0.1"),
                Line($"tag:subnet-{Sub},option:router,10.77.0.1"),
                Line($"tag:subnet-{Sub2},option:classless-static-route,10.77.0.0/24,0.0.0.0,0.0.0.0/0,10.88.0.1"),
                Line($"tag:subnet-{Sub2},249,10.77.0.0/24,0.0.0.0,0.0.0.0/0,10.88.0.1"),
                Line($"tag:subnet-{Sub2},option:router,10.88.0.1"),
                Describe(Mtu(1500)),
            ],
            built.Options.Select(Describe));
        Assert.Equal(2, built.Ranges.Count);
        Assert.Equal(600u, built.Ranges[1].LeaseSeconds);

        Dhcp4Configuration disabled = NetworkDhcpConfigurationBuilder.Build(
            Network, [SampleSubnet(), second with { EnableDhcp = false }], [VmPort("p1", "fa:16:3e:00:00:01", "10.88.0.5", subnet: Sub2)]);
        Assert.Single(disabled.Ranges);
        Assert.Empty(disabled.Reservations);
        Assert.DoesNotContain(disabled.Options, o => o.RequiredTags.Contains($"subnet-{Sub2}"));
    }

    [Fact]
    public void Build_ExtraDhcpOpts_TaggedReservationClientIdAndPortOptions()
    {
        Port port = VmPort("p1", "fa:16:3e:00:00:01", "10.77.0.5", host: "vm1.example.org", extra:
        [
            new ExtraDhcpOpt("bootfile-name", "pxelinux.0"),
            new ExtraDhcpOpt("tag:ipxe,bootfile-name", "http://boot/ipxe"),
            new ExtraDhcpOpt("26", "1400"),
            new ExtraDhcpOpt("client-id", "01:fa:16:3e:00:00:01"),
            new ExtraDhcpOpt("bootfile-name", "ignored.efi", 6),
        ]);
        Dhcp4Configuration built = NetworkDhcpConfigurationBuilder.Build(Network, [SampleSubnet()], [port]);

        Reservation r = Assert.Single(built.Reservations);
        Assert.Equal(Describe(DnsmasqHostsFile.ParseLine("fa:16:3e:00:00:01,id:01:fa:16:3e:00:00:01,vm1,10.77.0.5,set:port-p1", null).Value!.ToReservations().Single()), Describe(r));
        Assert.Equal(
            [
                Line("tag:port-p1,option:bootfile-name,pxelinux.0"),
                Line("tag:port-p1,tag:ipxe,option:bootfile-name,http://boot/ipxe"),
                Line("tag:port-p1,26,1400"),
            ],
            built.Options.Where(o => o.RequiredTags.Contains("port-p1")).Select(Describe));
    }

    [Fact]
    public void Build_AdminDownAndDhcpPorts_NotReserved()
    {
        Dhcp4Configuration built = NetworkDhcpConfigurationBuilder.Build(
            Network,
            [SampleSubnet()],
            [DhcpPort, VmPort("down", "fa:16:3e:00:00:02", "10.77.0.6", up: false), VmPort("up", "fa:16:3e:00:00:03", "10.77.0.7")]);
        Assert.Equal(["10.77.0.7"], built.Reservations.Select(r => r.Address.ToString()));
    }

    [Fact]
    public void Build_Settings_DomainLeaseMaxDns()
    {
        Dhcp4Configuration built = NetworkDhcpConfigurationBuilder.Build(Network, [SampleSubnet()], [], new NetworkDhcpSettings("example.org", 100, DnsEnabled: false));
        Assert.Equal("example.org", built.Domain);
        Assert.Equal(100, built.LeaseMax);
        Assert.False(built.DnsEnabled);
    }

    private static OptionSetting Mtu(int mtu) => DnsmasqDhcpOption.Parse($"option:mtu,{mtu}", force: true).Value!;

    private static string Line(string optsLine) => Describe(DnsmasqDhcpOption.Parse(optsLine).Value!);

    private static string Describe(OptionSetting o) => $"[{string.Join(',', o.RequiredTags)}] {o.Code} {Convert.ToHexString(o.Value)} force={o.Force}";

    private static string Describe(Reservation r) =>
        $"{r.Mac} id={(r.ClientId is null ? "-" : Convert.ToHexString(r.ClientId))} {r.HostName} {r.Address} lease={r.LeaseSeconds} [{string.Join(',', r.SetTags)}] ignore={r.Ignore}";

    private static string Describe(DhcpRange d) =>
        $"[{string.Join(',', d.SetTags)}] [{string.Join(',', d.RequiredTags)}] {d.Start}-{d.End} static={d.IsStatic} mask={d.Netmask} {d.LeaseSeconds}";

    private static string Describe(RequestMatch m) => $"{m.SetTag} {m.Code} {(m.Value is null ? "-" : Convert.ToHexString(m.Value))}";
}
