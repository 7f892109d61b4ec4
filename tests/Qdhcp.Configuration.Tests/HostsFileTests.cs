using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Tests;

public class HostsFileTests
{
    private const string Domain = "openstacklocal";

    private static DnsmasqHostEntry Entry(string line, string? domain = Domain)
    {
        LineResult<DnsmasqHostEntry> r = DnsmasqHostsFile.ParseLine(line, domain);
        Assert.True(r.IsParsed, $"'{line}': {r.Message}");
        return r.Value!;
    }

    [Fact]
    public void ParseLine_Seed_MacFqdnIp()
    {
        DnsmasqHostEntry e = Entry("fa:16:3e:fe:c7:87,host-10-10-10-2.openstacklocal,10.10.10.2");
        Assert.Equal([MacAddress.Parse("fa:16:3e:fe:c7:87")], e.Macs);
        Assert.Equal("host-10-10-10-2", e.HostName);
        Assert.Equal(IPv4Address.Parse("10.10.10.2"), e.Address);
        Assert.Null(e.ClientId);
        Assert.Null(e.LeaseSeconds);
        Reservation r = Assert.Single(e.ToReservations());
        Assert.Equal(new Reservation(MacAddress.Parse("fa:16:3e:fe:c7:87"), null, "host-10-10-10-2", IPv4Address.Parse("10.10.10.2"), null, e.SetTags), r);
    }

    [Fact]
    public void ParseLine_ClientId()
    {
        DnsmasqHostEntry e = Entry("fa:16:3e:77:00:42,id:01:fa:16:3e:77:00:42,host-10-77-0-42.openstacklocal,10.77.0.42");
        Assert.Equal([1, 0xfa, 0x16, 0x3e, 0x77, 0, 0x42], e.ClientId);
    }

    [Fact]
    public void ParseLine_ClientIdText_AndStar()
    {
        Assert.Equal("foo"u8.ToArray(), Entry("id:foo,10.0.0.5").ClientId);
        DnsmasqHostEntry star = Entry("fa:16:3e:00:00:01,id:*,10.0.0.5");
        Assert.True(star.IgnoreClientId);
        Assert.Null(star.ClientId);
    }

    [Fact]
    public void ParseLine_SetPortTag()
    {
        DnsmasqHostEntry e = Entry("fa:16:3e:77:00:42,host-10-77-0-42.openstacklocal,10.77.0.42,set:port-1234");
        Assert.Equal(["port-1234"], e.SetTags);
    }

    [Fact]
    public void ParseLine_MacAndTagOnly_NoAddress()
    {
        DnsmasqHostEntry e = Entry("fa:16:3e:77:00:42,set:port-1234");
        Assert.Null(e.Address);
        Assert.Null(e.HostName);
        Assert.Equal(["port-1234"], Assert.Single(e.ToReservations()).SetTags);
    }

    [Fact]
    public void ParseLine_Ipv6_KeptNoV4Address()
    {
        DnsmasqHostEntry e = Entry("fa:16:3e:77:00:42,host-2001-db8--5.openstacklocal,[2001:db8::5]");
        Assert.Equal(["2001:db8::5"], e.Ipv6Addresses);
        Assert.Null(e.Address);
        Assert.True(e.IsIpv6Only);
    }

    [Fact]
    public void ParseLine_FieldsInAnyOrder_LeaseIgnoreTags()
    {
        DnsmasqHostEntry e = Entry("45m,set:a,10.0.0.9,wap,net:b,tag:c,00:20:e0:3b:13:af,ignore");
        Assert.Equal(2700u, e.LeaseSeconds);
        Assert.Equal(["a", "b"], e.SetTags);
        Assert.Equal(["c"], e.RequiredTags);
        Assert.Equal("wap", e.HostName);
        Assert.True(e.Ignore);
    }

    [Theory]
    [InlineData("120s", 120u)]
    [InlineData("1h", 3600u)]
    [InlineData("infinite", LeaseTime.Infinite)]
    [InlineData("600", 600u)]
    [InlineData("10", 120u)]
    public void ParseLine_LeaseTimes(string lease, uint seconds) => Assert.Equal(seconds, Entry($"fa:16:3e:00:00:01,{lease}").LeaseSeconds);

    [Fact]
    public void ParseLine_SeveralMacs_OneReservationEach()
    {
        DnsmasqHostEntry e = Entry("11:22:33:44:55:66,12:34:56:78:90:12,192.168.0.2");
        Reservation[] rs = [.. e.ToReservations()];
        Assert.Equal(2, rs.Length);
        Assert.All(rs, r => Assert.Equal(IPv4Address.Parse("192.168.0.2"), r.Address));
        Assert.Equal(MacAddress.Parse("12:34:56:78:90:12"), rs[1].Mac);
    }

    [Fact]
    public void ParseLine_OtherDomain_FirstLabelWithWarning()
    {
        LineResult<DnsmasqHostEntry> r = DnsmasqHostsFile.ParseLine("fa:16:3e:00:00:01,vm1.example.com,10.0.0.5", Domain);
        Assert.Equal("vm1", r.Value!.HostName);
        Assert.Contains(r.Warnings, w => w.Contains("illegal domain 'example.com'"));
    }

    [Fact]
    public void ParseLine_NoDomainConfigured_FirstLabelWithWarning()
    {
        LineResult<DnsmasqHostEntry> r = DnsmasqHostsFile.ParseLine("fa:16:3e:00:00:01,vm1.openstacklocal,10.0.0.5", null);
        Assert.Equal("vm1", r.Value!.HostName);
        Assert.Single(r.Warnings);
    }

    [Theory]
    [InlineData("fa:16:3e:zz:00:01,host,10.0.0.1", "'fa:16:3e:zz:00:01' is not a MAC address, an IPv4 address, a lease time or a host name")]
    [InlineData("fa:16:3e:00:00:*,ignore", "wildcard MAC")]
    [InlineData("fa:16:3e:00:00:01,10.0.0.1,10.0.0.2", "two IPv4 addresses")]
    [InlineData("fa:16:3e:00:00:01,a,b", "two host names")]
    [InlineData("10.0.0.1", "names no client")]
    [InlineData("fa:16:3e:00:00:01,10.0.0.256", "'10.0.0.256' is not a MAC address")]
    [InlineData("fa:16:3e:00:00:01,[nope]", "bracketed IPv6")]
    [InlineData("06-fa:16:3e:00:00:01,10.0.0.1", "ARP type 01")]
    [InlineData("fa:16:3e:00:00:01,id:", "'id:' has no client-id")]
    public void ParseLine_Bad_Invalid(string line, string reason)
    {
        LineResult<DnsmasqHostEntry> r = DnsmasqHostsFile.ParseLine(line, Domain);
        Assert.Equal(LineOutcome.Invalid, r.Outcome);
        Assert.Contains(reason, r.Message);
    }

    [Fact]
    public void Parse_BadLine_DiagnosticWithFileAndLine_RestUsed()
    {
        string text = """
            # written by neutron
            fa:16:3e:fe:c7:87,host-10-10-10-2.openstacklocal,10.10.10.2

            fa:16:3e:zz:00:01,host-10-10-10-9.openstacklocal,10.10.10.9
            fa:16:3e:ac:00:05,host-10-10-10-5.openstacklocal,10.10.10.5
            """;
        DnsmasqHostsFile file = DnsmasqHostsFile.Parse(text, "/var/lib/neutron/dhcp/NET/host", Domain);
        Assert.Equal(2, file.Reservations.Count);
        ConfigDiagnostic d = Assert.Single(file.Diagnostics);
        Assert.Equal(ConfigSeverity.Error, d.Severity);
        Assert.Equal(
            "/var/lib/neutron/dhcp/NET/host:4: 'fa:16:3e:zz:00:01' is not a MAC address, an IPv4 address, a lease time or a host name; line skipped",
            d.ToString());
    }

    [Fact]
    public void Parse_CaptureHosts_ThreeReservations()
    {
        string text = "fa:16:3e:fe:c7:87,host-10-10-10-2.openstacklocal,10.10.10.2\nfa:16:3e:ac:00:05,host-10-10-10-5.openstacklocal,10.10.10.5\nfa:16:3e:ac:00:06,host-10-10-10-6.openstacklocal,10.10.10.6\n";
        DnsmasqHostsFile file = DnsmasqHostsFile.Parse(text, "host", Domain);
        Assert.Empty(file.Diagnostics);
        Assert.Equal(["host-10-10-10-2", "host-10-10-10-5", "host-10-10-10-6"], file.Reservations.Select(r => r.HostName));
    }

    [Fact]
    public void Parse_SameAddressTwoMacs_WarningFirstKept()
    {
        string text = "fa:16:3e:00:00:01,a,10.0.0.5\nfa:16:3e:00:00:02,b,10.0.0.5\n";
        DnsmasqHostsFile file = DnsmasqHostsFile.Parse(text, "host", Domain);
        Assert.Equal("a", Assert.Single(file.Reservations).HostName);
        ConfigDiagnostic d = Assert.Single(file.Diagnostics);
        Assert.Equal(ConfigSeverity.Warning, d.Severity);
        Assert.Equal(2, d.Line);
        Assert.Contains("10.0.0.5 is already reserved for fa:16:3e:00:00:01 at host:1", d.Message);
    }

    [Fact]
    public void Parse_SameMacTwice_WarningFirstKept()
    {
        string text = "fa:16:3e:00:00:01,a,10.0.0.5\nfa:16:3e:00:00:01,b,10.0.0.6\n";
        DnsmasqHostsFile file = DnsmasqHostsFile.Parse(text, "host", Domain);
        Assert.Equal("a", Assert.Single(file.Reservations).HostName);
        Assert.Contains("fa:16:3e:00:00:01 already has 10.0.0.5 reserved at host:1", Assert.Single(file.Diagnostics).Message);
    }

    [Fact]
    public void Parse_SameMacInTwoKnownSubnets_BothKept()
    {
        string text = "fa:16:3e:00:00:01,a,10.0.0.5\nfa:16:3e:00:00:01,a,10.0.1.5\n";
        IPv4Subnet[] subnets = [new(IPv4Address.Parse("10.0.0.0"), 24), new(IPv4Address.Parse("10.0.1.0"), 24)];
        DnsmasqHostsFile file = DnsmasqHostsFile.Parse(text, "host", Domain, subnets: subnets);
        Assert.Equal(2, file.Reservations.Count);
        Assert.Empty(file.Diagnostics);
    }

    [Fact]
    public void Parse_DualStackPort_V6LineNoConflictNoReservation()
    {
        string text = "fa:16:3e:00:00:01,host-10-0-0-5.openstacklocal,10.0.0.5\nfa:16:3e:00:00:01,host-10-0-0-5.openstacklocal,[2001:db8::5]";
        DnsmasqHostsFile file = DnsmasqHostsFile.Parse(text, "host", Domain);
        Assert.Empty(file.Diagnostics);
        Assert.Equal(2, file.Entries.Count);
        Assert.Single(file.Reservations);
    }

    [Fact]
    public void FormatLine_ParsesBack()
    {
        DnsmasqHostEntry e = Entry("fa:16:3e:00:00:01,id:01:02,set:p,vm,10.0.0.5,[2001:db8::5],1h,ignore");
        string line = DnsmasqHostsFile.FormatLine(e);
        Assert.Equal("fa:16:3e:00:00:01,id:01:02,set:p,vm,10.0.0.5,[2001:db8::5],3600s,ignore", line);
        Assert.Equal(line, DnsmasqHostsFile.FormatLine(Entry(line)));
    }
}

/// <summary>Host lines the fuzzer found that parsed but could not be written back as the same line.</summary>
public class HostsFileFuzzFindingTests
{
    [Theory]
    [InlineData("fa:16:3e:ac:00:08,10.openstacklocal,10.0.0.8", "would read as a lease time")]
    [InlineData("fa:16:3e:ac:00:08,0d.openstacklocal,10.0.0.8", "would read as a lease time")]
    [InlineData("fa:16:3e:ac:00:08,id:01:02,id:*,10.0.0.8", "two client-ids")]
    public void ParseLine_AmbiguousLine_RejectedWithReason(string line, string reason)
    {
        LineResult<DnsmasqHostEntry> result = DnsmasqHostsFile.ParseLine(line, "openstacklocal");
        Assert.Equal(LineOutcome.Invalid, result.Outcome);
        Assert.Contains(reason, result.Message, StringComparison.Ordinal);
    }
}
