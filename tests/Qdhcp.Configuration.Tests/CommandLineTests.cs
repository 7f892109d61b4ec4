using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Tests;

public class CommandLineTests
{
    /// <summary>The seed article's command line (Neutron, 2014).</summary>
    public static readonly string[] SeedArgs =
    [
        "--no-hosts", "--no-resolv", "--strict-order", "--bind-interfaces",
        "--interface=tap26c9b807-7c", "--except-interface=lo",
        "--pid-file=/var/lib/neutron/dhcp/5f833617-6179-4797-b7c0-7d420d84040c/pid",
        "--dhcp-hostsfile=/var/lib/neutron/dhcp/5f833617-6179-4797-b7c0-7d420d84040c/host",
        "--dhcp-optsfile=/var/lib/neutron/dhcp/5f833617-6179-4797-b7c0-7d420d84040c/opts",
        "--leasefile-ro", "--dhcp-range=tag0,10.10.10.0,static,120s", "--dhcp-lease-max=256",
        "--conf-file=", "--domain=openstacklocal",
    ];

    /// <summary>The golden capture's command line (today's agent, with --keep-in-foreground).</summary>
    public static string[] CaptureArgs(string dir) =>
    [
        "--no-hosts", "--no-resolv", $"--pid-file={dir}/pid", $"--dhcp-hostsfile={dir}/host", $"--addn-hosts={dir}/addn_hosts",
        $"--dhcp-optsfile={dir}/opts", $"--dhcp-leasefile={dir}/leases", "--dhcp-match=set:ipxe,175",
        "--dhcp-userclass=set:ipxe6,iPXE", "--local-service", "--bind-dynamic",
        "--dhcp-range=set:tag0,10.10.10.0,static,255.255.255.0,120s", "--dhcp-option-force=option:mtu,1450",
        "--dhcp-lease-max=256", "--conf-file=/dev/null", "--domain=openstacklocal", "--keep-in-foreground",
    ];

    /// <summary>Neutron 21 (Zed) as recorded in neutron-samples.</summary>
    public static string[] NeutronArgs(string dir) =>
    [
        "--no-hosts", "--no-resolv", $"--pid-file={dir}/pid", $"--dhcp-hostsfile={dir}/host", $"--addn-hosts={dir}/addn_hosts",
        $"--dhcp-optsfile={dir}/opts", $"--dhcp-leasefile={dir}/leases", "--dhcp-match=set:ipxe,175",
        "--dhcp-userclass=set:ipxe6,iPXE", "--local-service", "--bind-dynamic",
        "--dhcp-range=set:subnet-SUB,10.77.0.0,static,255.255.255.0,86400s",
        "--dhcp-option-force=option:mtu,1500", "--dhcp-lease-max=256", "--conf-file=/dev/null",
        "--domain=openstacklocal",
    ];

    private static DnsmasqOptions Ok(params string[] args)
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse(args);
        Assert.True(r.Success, string.Join("\n", r.Errors));
        return r.Options;
    }

    [Fact]
    public void Parse_Seed_NoErrors()
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse(SeedArgs);
        Assert.DoesNotContain(r.Diagnostics, d => d.Severity != ConfigSeverity.Info);
        DnsmasqOptions o = r.Options;
        Assert.True(o.NoHosts && o.NoResolv && o.StrictOrder && o.BindInterfaces && o.LeaseFileReadOnly);
        Assert.Equal(["tap26c9b807-7c"], o.Interfaces);
        Assert.Equal(["lo"], o.ExceptInterfaces);
        Assert.Equal("/var/lib/neutron/dhcp/5f833617-6179-4797-b7c0-7d420d84040c/pid", o.PidFile);
        Assert.Equal(["/var/lib/neutron/dhcp/5f833617-6179-4797-b7c0-7d420d84040c/host"], o.DhcpHostsFiles);
        DhcpRange range = Assert.Single(o.DhcpRanges);
        Assert.Equal(["tag0"], range.SetTags);
        Assert.Equal(256, o.DhcpLeaseMax);
        Assert.Equal("openstacklocal", o.Domain);
        Assert.Empty(o.ConfFiles);
        Assert.True(o.DnsEnabled);
    }

    [Fact]
    public void Parse_Capture_NoErrors()
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse(CaptureArgs("/d"));
        Assert.DoesNotContain(r.Diagnostics, d => d.Severity != ConfigSeverity.Info);
        DnsmasqOptions o = r.Options;
        Assert.True(o.KeepInForeground && o.LocalService && o.BindDynamic);
        Assert.Equal("/d/leases", o.DhcpLeaseFile);
        Assert.Equal(["/d/addn_hosts"], o.AddnHostsFiles);
        Assert.Equal([175, 77], o.DhcpMatches.Select(m => m.Code));
        OptionSetting mtu = Assert.Single(o.DhcpOptions);
        Assert.True(mtu.Force);
        Assert.Equal([0x05, 0xAA], mtu.Value);
    }

    [Fact]
    public void Parse_Neutron_NoErrors() => Assert.DoesNotContain(DnsmasqCommandLine.Parse(NeutronArgs("/var/lib/neutron/dhcp/NET")).Diagnostics, d => d.Severity != ConfigSeverity.Info);

    [Fact]
    public void Parse_SpaceSeparatedValues_SameAsEquals()
    {
        DnsmasqOptions o = Ok("--interface", "tap0", "--dhcp-range", "10.0.0.0,static", "--pid-file", "/run/p", "--conf-file", "/dev/null", "--no-hosts");
        Assert.Equal(["tap0"], o.Interfaces);
        Assert.Single(o.DhcpRanges);
        Assert.Equal("/run/p", o.PidFile);
        Assert.True(o.NoHosts);
    }

    [Fact]
    public void Parse_ShortForms()
    {
        DnsmasqOptions o = Ok("-k", "-d", "-q", "-z", "-i", "tap0", "-I", "lo", "-p", "0", "-F", "10.0.0.0,static",
            "-O", "3,10.0.0.1", "-l", "/l", "-X", "50", "-K", "-h", "-R", "-o", "-H", "/h", "-s", "example.org", "-S", "8.8.8.8", "-8", "-", "-x", "/pid", "-C", "/dev/null");
        Assert.True(o.KeepInForeground && o.NoDaemon && o.LogQueries && o.BindInterfaces && o.DhcpAuthoritative && o.NoHosts && o.NoResolv && o.StrictOrder);
        Assert.Equal(0, o.Port);
        Assert.False(o.DnsEnabled);
        Assert.Equal("/l", o.DhcpLeaseFile);
        Assert.Equal(50, o.DhcpLeaseMax);
        Assert.Equal(["/h"], o.AddnHostsFiles);
        Assert.Equal("example.org", o.Domain);
        Assert.Equal(["8.8.8.8"], o.Servers);
        Assert.Equal("-", o.LogFacility);
        Assert.Equal("/pid", o.PidFile);
        Assert.Single(o.DhcpOptions);
    }

    [Fact]
    public void Parse_ShortClusterAndAttachedValue()
    {
        DnsmasqOptions o = Ok("-kdp5353");
        Assert.True(o.KeepInForeground && o.NoDaemon);
        Assert.Equal(5353, o.Port);
    }

    [Fact]
    public void Parse_Repeatables_Accumulate()
    {
        DnsmasqOptions o = Ok("--dhcp-range=set:a,10.0.0.0,static,255.255.255.0", "--dhcp-range=set:b,10.0.1.0,static,255.255.255.0",
            "--dhcp-option=3,10.0.0.1", "--dhcp-option-force=26,1400", "--server=8.8.8.8", "--server=/example/1.1.1.1");
        Assert.Equal(2, o.DhcpRanges.Count);
        Assert.Equal([false, true], o.DhcpOptions.Select(x => x.Force));
        Assert.Equal(["8.8.8.8", "/example/1.1.1.1"], o.Servers);
    }

    [Fact]
    public void Parse_UnknownOption_ErrorNamesIt()
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse(["--no-hosts", "--foo"]);
        ConfigDiagnostic e = Assert.Single(r.Errors);
        Assert.Equal("unknown option '--foo': qdhcp serve accepts dnsmasq's options; see README \"dnsmasq options\"", e.Message);
    }

    [Theory]
    [InlineData("--no-hosts=1", "takes no value")]
    [InlineData("--interface", "needs a value")]
    [InlineData("--port=99999", "0..65535")]
    [InlineData("--dhcp-lease-max=-1", "non-negative")]
    [InlineData("--dhcp-range=10.0.0.300,static", "not an IPv4 start address")]
    [InlineData("--dhcp-option=option:routr,1.2.3.4", "unknown option name")]
    [InlineData("--dhcp-host=fa:16:3e:zz:00:01,10.0.0.1", "is not a MAC address")]
    [InlineData("--dhcp-boot=pxelinux.0", "not supported yet")]
    [InlineData("-Y", "unknown option '-Y'")]
    [InlineData("stray", "unexpected argument 'stray'")]
    [InlineData("--conf-file=/no/such/qdhcp.conf", "cannot read conf-file")]
    public void Parse_Bad_FatalError(string arg, string reason)
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse([arg]);
        Assert.False(r.Success);
        Assert.Contains(reason, Assert.Single(r.Errors).Message);
    }

    [Fact]
    public void Parse_AcceptedIgnored_RecordedNoError()
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse(["--dhcp-sequential-ip", "--dhcp-client-update", "--enable-ra", "--ra-param=tap0,0,0",
            "--cache-size=0", "--dns-loop-detect", "--all-servers", "--dhcp-script=/bin/true", "--user=nobody", "--group=nogroup",
            "--dhcp-ignore-names", "--no-negcache", "--filterwin2k", "--interface-name=a,eth0", "--dhcp-fqdn", "--domain-needed",
            "--bogus-priv", "--log-async", "--dhcp-no-override", "--no-poll"]);
        Assert.True(r.Success);
        Assert.Equal(20, r.Options.Ignored.Count);
        Assert.All(r.Diagnostics, d => Assert.Equal(ConfigSeverity.Info, d.Severity));
    }

    [Fact]
    public void Parse_DhcpHost_LikeHostsLine_UsesDomainGivenLater()
    {
        DnsmasqOptions o = Ok("--dhcp-host=fa:16:3e:00:00:01,vm1.openstacklocal,10.0.0.5", "--domain=openstacklocal");
        DnsmasqHostEntry h = Assert.Single(o.DhcpHosts);
        Assert.Equal("vm1", h.HostName);
        Assert.Equal(IPv4Address.Parse("10.0.0.5"), h.Address);
    }

    [Fact]
    public void Parse_DomainWithSubnet_FirstPartKeptWithNote()
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse(["--domain=example.org,10.0.0.0/24,local"]);
        Assert.True(r.Success);
        Assert.Equal("example.org", r.Options.Domain);
        Assert.Equal(ConfigSeverity.Info, Assert.Single(r.Diagnostics).Severity);
    }

    [Fact]
    public void Parse_BroadcastForms()
    {
        Assert.True(Ok("--dhcp-broadcast").DhcpBroadcast);
        DnsmasqOptions tagged = Ok("--dhcp-broadcast=tag:old-pxe");
        Assert.False(tagged.DhcpBroadcast);
        Assert.Equal(["old-pxe"], Assert.Single(tagged.DhcpBroadcastTags));
    }

    [Fact]
    public void Parse_Ipv6RangeAndOption_KeptAsInfo()
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse(["--dhcp-range=set:v6,2001:db8::,static,off-link,64,86400s", "--dhcp-option=option6:dns-server,[::]"]);
        Assert.True(r.Success);
        Assert.Single(r.Options.Ipv6DhcpRanges);
        Assert.Single(r.Options.Ipv6DhcpOptions);
        Assert.Empty(r.Options.DhcpRanges);
    }

    [Fact]
    public void Parse_ConfFile_ReadWithSameTable_ErrorsNameFileAndLine()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# qdhcp test\n\ndhcp-range=set:a,10.0.0.0,static,255.255.255.0\nno-ping\n  domain = example.org\nbogus-option=1\nport=5353\n");
            DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse([$"--conf-file={path}", "--port=53"]);
            Assert.Equal([path], r.Options.ConfFiles);
            Assert.Single(r.Options.DhcpRanges);
            Assert.True(r.Options.NoPing);
            Assert.Equal("example.org", r.Options.Domain);
            Assert.Equal(53, r.Options.Port);
            ConfigDiagnostic e = Assert.Single(r.Errors);
            Assert.Equal($"{path}:6: unknown option 'bogus-option': {DnsmasqCommandLine.UnknownOptionHint}", e.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OptionTable_Consistent()
    {
        Assert.Equal(DnsmasqOptionTable.All.Count, DnsmasqOptionTable.All.Select(s => s.LongName).Distinct().Count());
        var shorts = DnsmasqOptionTable.All.Where(s => s.ShortName is not null).Select(s => s.ShortName).ToList();
        Assert.Equal(shorts.Count, shorts.Distinct().Count());
        Assert.All(DnsmasqOptionTable.All, s => Assert.False(string.IsNullOrWhiteSpace(s.Note)));
        string[] required =
        [
            "no-hosts", "no-resolv", "strict-order", "bind-interfaces", "bind-dynamic", "interface", "except-interface", "bridge-interface",
            "local-service", "pid-file", "dhcp-hostsfile", "addn-hosts", "dhcp-optsfile", "dhcp-leasefile", "leasefile-ro", "dhcp-range",
            "dhcp-lease-max", "dhcp-option", "dhcp-option-force", "dhcp-match", "dhcp-userclass", "dhcp-broadcast", "dhcp-authoritative",
            "no-ping", "quiet-dhcp", "conf-file", "domain", "server", "port", "log-queries", "log-dhcp", "log-facility", "keep-in-foreground",
            "no-daemon", "dhcp-host",
        ];
        // The issue's list must be accepted.
        Assert.All(required, name => Assert.NotEqual(DnsmasqOptionStatus.NotYet, DnsmasqOptionTable.All.Single(s => s.LongName == name).Status));
    }

    [Theory]
    [InlineData("--dhcp-client-rate-limit=25", 25, 50, 10u, 600u)]
    [InlineData("--dhcp-pool-rate-limit=0", 10, 0, 10u, 600u)]
    [InlineData("--dhcp-offer-hold=1m", 10, 50, 60u, 600u)]
    [InlineData("--dhcp-decline-time=2h", 10, 50, 10u, 7200u)]
    public void QdhcpExtensions_RateLimitsAndHolds_AreRead(string arg, int clientRate, int poolRate, uint offerHold, uint decline)
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse([arg]);
        Assert.True(r.Success, string.Join("; ", r.Errors));
        Assert.Equal(clientRate, r.Options.ClientRateLimit);
        Assert.Equal(poolRate, r.Options.PoolRateLimit);
        Assert.Equal(offerHold, r.Options.OfferHoldSeconds);
        Assert.Equal(decline, r.Options.DeclineSeconds);
    }

    [Theory]
    [InlineData("--dhcp-client-rate-limit=-1", "client rate limit")]
    [InlineData("--dhcp-pool-rate-limit=fast", "pool rate limit")]
    [InlineData("--dhcp-offer-hold=infinite", "expected a time")]
    public void QdhcpExtensions_BadValues_SayWhatIsExpected(string arg, string expected)
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse([arg]);
        Assert.False(r.Success);
        Assert.Contains(expected, string.Join("; ", r.Errors));
    }

    [Theory]
    [InlineData("--dhcp-receive-buffer=8388608", 8 << 20)]
    [InlineData("--dhcp-receive-buffer=512K", 512 << 10)]
    [InlineData("--dhcp-receive-buffer=16m", 16 << 20)]
    [InlineData("--dhcp-receive-buffer=0", 0)]
    public void ReceiveBuffer_TakesBytesOrKOrM(string arg, int expected)
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse([arg]);
        Assert.True(r.Success, string.Join("; ", r.Errors));
        Assert.Equal(expected, r.Options.ReceiveBufferBytes);
    }

    [Theory]
    [InlineData("--dhcp-receive-buffer=1K")]
    [InlineData("--dhcp-receive-buffer=1G")]
    [InlineData("--dhcp-receive-buffer=300M")]
    [InlineData("--dhcp-receive-buffer=-4M")]
    [InlineData("--dhcp-receive-buffer=M")]
    [InlineData("--dhcp-receive-buffer=99999999999999999999")]
    public void ReceiveBuffer_OutOfRange_SaysWhatIsExpected(string arg)
    {
        DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse([arg]);
        Assert.False(r.Success);
        Assert.Contains("64K..256M", string.Join("; ", r.Errors));
    }

    [Fact]
    public void ReceiveBuffer_NotGiven_IsQdhcpsDefault()
    {
        Assert.Null(DnsmasqCommandLine.Parse([]).Options.ReceiveBufferBytes);
    }

    [Fact]
    public void EverySupportedOption_IsHandled()
    {
        foreach (DnsmasqOptionSpec spec in DnsmasqOptionTable.All.Where(s => s.Status == DnsmasqOptionStatus.Supported))
        {
            string value = spec.LongName switch
            {
                "dhcp-range" => "10.0.0.0,static",
                "dhcp-option" or "dhcp-option-force" => "3,10.0.0.1",
                "dhcp-match" => "set:a,175",
                "dhcp-userclass" => "set:a,iPXE",
                "dhcp-host" => "fa:16:3e:00:00:01,10.0.0.5",
                "port" or "dhcp-lease-max" or "dhcp-client-rate-limit" or "dhcp-pool-rate-limit" => "10",
                "dhcp-offer-hold" or "dhcp-decline-time" => "30s",
                "dhcp-receive-buffer" => "1M",
                "dhcp-broadcast" => "tag:x",
                "conf-file" => "/dev/null",
                _ => "x",
            };
            string arg = spec.Argument == DnsmasqArgument.None ? "--" + spec.LongName : $"--{spec.LongName}={value}";
            DnsmasqCommandLineResult r = DnsmasqCommandLine.Parse([arg]);
            Assert.True(r.Success, arg + ": " + string.Join("; ", r.Errors));
        }
    }
}

public class NeutronProbeTests
{
    [Fact]
    public void Parse_NeutronTagProbe_TestOnlyAndNoError()
    {
        // Neutron's agent runs `dnsmasq --test --dhcp-host=tag:foo` to learn whether host lines take tags.
        DnsmasqCommandLineResult result = DnsmasqCommandLine.Parse(["--test", "--dhcp-host=tag:foo"]);
        Assert.True(result.Success);
        Assert.True(result.Options.TestOnly);
        Assert.DoesNotContain(result.Diagnostics, d => d.Severity is ConfigSeverity.Error or ConfigSeverity.Fatal);
    }

    [Fact]
    public void Parse_Version_ShowVersion()
    {
        Assert.True(DnsmasqCommandLine.Parse(["--version"]).Options.ShowVersion);
        Assert.True(DnsmasqCommandLine.Parse(["-v"]).Options.ShowVersion);
    }
}
