using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Leases;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Tests;

public class FileFormatTests
{
    [Fact]
    public void OptsFile_Capture_FiveOptions()
    {
        string text = """
            tag:tag0,option:router,10.10.10.1
            tag:tag0,option:dns-server,10.10.10.3
            tag:tag0,option:classless-static-route,169.254.169.254/32,10.10.10.3,0.0.0.0/0,10.10.10.1
            tag:tag0,249,169.254.169.254/32,10.10.10.3,0.0.0.0/0,10.10.10.1
            tag:tag0,option:mtu,1450
            """;
        DnsmasqOptsFile file = DnsmasqOptsFile.Parse(text, "opts");
        Assert.Empty(file.Diagnostics);
        Assert.Equal([3, 6, 121, 249, 26], file.Options.Select(o => o.Code));
        Assert.Equal(file.Options[2].Value, file.Options[3].Value);
    }

    [Fact]
    public void OptsFile_NeutronNoTrailingNewline()
    {
        DnsmasqOptsFile file = DnsmasqOptsFile.Parse("tag:subnet-SUB,option:dns-server,10.77.0.53\ntag:subnet-SUB,option:router,10.77.0.1", "opts");
        Assert.Equal(2, file.Options.Count);
        Assert.Equal([10, 77, 0, 1], file.Options[1].Value);
    }

    [Fact]
    public void OptsFile_BadLines_DiagnosticsWithLine_Option6Kept()
    {
        string text = "# comment\r\ntag:a,option:routr,10.0.0.1\r\n\r\ntag:a,option6:dns-server,[2001:db8::1]\r\ntag:a,vendor:PXEClient,1,0.0.0.0\r\ntag:a,3,10.0.0.1\r\n";
        DnsmasqOptsFile file = DnsmasqOptsFile.Parse(text, "/d/opts");
        Assert.Single(file.Options);
        Assert.Equal(["tag:a,option6:dns-server,[2001:db8::1]"], file.Ipv6Lines);
        Assert.Equal(2, file.Diagnostics.Count);
        Assert.StartsWith("/d/opts:2: unknown option name 'routr'", file.Diagnostics[0].ToString());
        Assert.Equal(ConfigSeverity.Error, file.Diagnostics[0].Severity);
        Assert.Equal((ConfigSeverity.Warning, 5), (file.Diagnostics[1].Severity, file.Diagnostics[1].Line));
    }

    [Fact]
    public void AddnHosts_NeutronTabs()
    {
        string text = "10.77.0.42\thost-10-77-0-42.openstacklocal host-10-77-0-42\n10.77.0.46\thost-10-77-0-46.openstacklocal host-10-77-0-46\n";
        AddnHostsFile file = AddnHostsFile.Parse(text, "addn_hosts");
        Assert.Empty(file.Diagnostics);
        Assert.Equal("10.77.0.42", file.Entries[0].Address);
        Assert.Equal(["host-10-77-0-42.openstacklocal", "host-10-77-0-42"], file.Entries[0].Names);
    }

    [Fact]
    public void AddnHosts_Ipv6CommentsAndBadLines()
    {
        string text = "# hosts\n2001:db8::5   vm5.openstacklocal vm5 # trailing\n\nnot-an-ip vm\n10.0.0.1\n10.0.0.2 bad_name!\n";
        AddnHostsFile file = AddnHostsFile.Parse(text, "h");
        Assert.Equal("2001:db8::5", Assert.Single(file.Entries).Address);
        Assert.Equal([4, 5, 6], file.Diagnostics.Select(d => d.Line));
    }

    [Fact]
    public void LeaseFile_NeutronSample()
    {
        string text = "1795719322 fa:16:3e:77:00:43 10.77.0.46 host-10-77-0-46 01:fa:16:3e:77:00:43\n1795719320 fa:16:3e:77:00:42 10.77.0.42 host-10-77-0-42 01:fa:16:3e:77:00:42\n";
        DnsmasqLeaseFile file = DnsmasqLeaseFile.Parse(text, "leases");
        Assert.Empty(file.Diagnostics);
        LeaseRecord l = file.Leases[0];
        Assert.Equal(1795719322, l.ExpiresUnixSeconds);
        Assert.Equal(MacAddress.Parse("fa:16:3e:77:00:43"), l.Mac);
        Assert.Equal("host-10-77-0-46", l.HostName);
        Assert.Equal([1, 0xfa, 0x16, 0x3e, 0x77, 0, 0x43], l.ClientId);
        Assert.Equal(text, DnsmasqLeaseFile.Format(file.Leases));
    }

    [Fact]
    public void LeaseFile_NeutronSeed_InfiniteNoNameNoClientId()
    {
        LeaseRecord l = Assert.Single(DnsmasqLeaseFile.Parse("0 fa:16:3e:00:00:05 10.0.0.5 * *", "leases").Leases);
        Assert.Equal(0, l.ExpiresUnixSeconds);
        Assert.Null(l.HostName);
        Assert.Null(l.ClientId);
        Assert.Equal("0 fa:16:3e:00:00:05 10.0.0.5 * *", DnsmasqLeaseFile.FormatLine(l));
    }

    [Fact]
    public void LeaseFile_DuidAndIpv6Lines_SkippedSilently_BadLinesReported()
    {
        string text = "0 fa:16:3e:00:00:05 10.0.0.5 * *\nduid 00:01:00:01:2c:5f:1e:aa:fa:16:3e:00:00:01\n1795719322 1234567 2001:db8::5 vm *\nx fa:16:3e:00:00:06 10.0.0.6 * *\n0 nope 10.0.0.6 * *\n0 fa:16:3e:00:00:06 10.0.0.6 * zz\n";
        DnsmasqLeaseFile file = DnsmasqLeaseFile.Parse(text, "/d/leases");
        Assert.Single(file.Leases);
        Assert.Equal([4, 5, 6], file.Diagnostics.Select(d => d.Line));
        Assert.Equal("/d/leases:4: 'x' is not an expiry time (Unix seconds, 0 for infinite); line skipped", file.Diagnostics[0].ToString());
    }

    [Fact]
    public void LeaseFile_ReadMissing_EmptyNoError()
    {
        DnsmasqLeaseFile file = DnsmasqLeaseFile.Read(Path.Combine(Path.GetTempPath(), "qdhcp-no-such-dir-" + Guid.NewGuid(), "leases"));
        Assert.Empty(file.Leases);
        Assert.Empty(file.Diagnostics);
    }

    [Fact]
    public void LeaseFile_HostNameWithSpace_WrittenAsStar() =>
        Assert.Equal("5 fa:16:3e:00:00:05 10.0.0.5 * *", DnsmasqLeaseFile.FormatLine(new LeaseRecord(5, MacAddress.Parse("fa:16:3e:00:00:05"), IPv4Address.Parse("10.0.0.5"), "a b", [])));

    [Fact]
    public void Diagnostic_ToString_WithAndWithoutLine()
    {
        Assert.Equal("/p/host:3: bad", new ConfigDiagnostic(ConfigSeverity.Error, "/p/host", 3, "bad").ToString());
        Assert.Equal("command line: bad", new ConfigDiagnostic(ConfigSeverity.Fatal, ConfigDiagnostic.CommandLine, 0, "bad").ToString());
    }

    [Fact]
    public void LeaseTimeConstants_MatchDnsmasq() => Assert.Equal(3600u, LeaseTime.DefaultSeconds);
}
