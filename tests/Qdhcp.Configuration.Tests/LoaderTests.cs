using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Tests;

public sealed class LoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qdhcp-conf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_dir, name), text);

    private void WriteNeutronFiles()
    {
        Write("host", "fa:16:3e:77:00:42,host-10-77-0-42.openstacklocal,10.77.0.42\nfa:16:3e:77:00:43,host-10-77-0-46.openstacklocal,10.77.0.46\n");
        Write("opts", "tag:subnet-SUB,option:dns-server,10.77.0.53\ntag:subnet-SUB,option:router,10.77.0.1");
        Write("addn_hosts", "10.77.0.42\thost-10-77-0-42.openstacklocal host-10-77-0-42\n10.77.0.46\thost-10-77-0-46.openstacklocal host-10-77-0-46\n");
    }

    [Fact]
    public void Load_NeutronSample_WhatTheVmGets()
    {
        WriteNeutronFiles();
        DnsmasqCommandLineResult cmd = DnsmasqCommandLine.Parse(CommandLineTests.NeutronArgs(_dir));
        Assert.True(cmd.Success);
        DnsmasqLoadResult result = DnsmasqConfigurationLoader.Load(cmd.Options);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        Dhcp4Configuration c = result.Configuration;
        Reservation vm = c.Reservations.Single(r => r.Mac == MacAddress.Parse("fa:16:3e:77:00:42"));
        Assert.Equal(IPv4Address.Parse("10.77.0.42"), vm.Address);
        Assert.Equal("host-10-77-0-42", vm.HostName);
        Assert.Equal([26, 6, 3], c.Options.Select(o => o.Code));
        Assert.Equal(["subnet-SUB"], c.Options[2].RequiredTags);
        Assert.Equal(86400u, Assert.Single(c.Ranges).LeaseSeconds);
        Assert.Equal("openstacklocal", c.Domain);
        Assert.Equal(256, c.LeaseMax);
        Assert.True(c.DnsEnabled);
        Assert.False(c.Authoritative);
        Assert.False(c.AlwaysBroadcast);
        Assert.Equal(2, c.Matches.Count);
        Assert.Equal(2, result.AddnHosts.Count);
    }

    [Fact]
    public void Load_Capture_GoldenOptions()
    {
        WriteNeutronFiles();
        Write("host", "fa:16:3e:fe:c7:87,host-10-10-10-2.openstacklocal,10.10.10.2\nfa:16:3e:ac:00:05,host-10-10-10-5.openstacklocal,10.10.10.5\nfa:16:3e:ac:00:06,host-10-10-10-6.openstacklocal,10.10.10.6\n");
        Write("opts", "tag:tag0,option:router,10.10.10.1\ntag:tag0,option:dns-server,10.10.10.3\ntag:tag0,option:classless-static-route,169.254.169.254/32,10.10.10.3,0.0.0.0/0,10.10.10.1\ntag:tag0,249,169.254.169.254/32,10.10.10.3,0.0.0.0/0,10.10.10.1\ntag:tag0,option:mtu,1450\n");
        DnsmasqLoadResult result = DnsmasqConfigurationLoader.Load(DnsmasqCommandLine.Parse(CommandLineTests.CaptureArgs(_dir)).Options);
        Assert.True(result.Success);
        Assert.Equal(3, result.Configuration.Reservations.Count);
        Assert.Equal([26, 3, 6, 121, 249, 26], result.Configuration.Options.Select(o => o.Code));
    }

    [Fact]
    public void Load_MissingHostsFile_Fatal_MissingLeaseFileFine()
    {
        WriteNeutronFiles();
        File.Delete(Path.Combine(_dir, "host"));
        DnsmasqLoadResult result = DnsmasqConfigurationLoader.Load(DnsmasqCommandLine.Parse(CommandLineTests.NeutronArgs(_dir)).Options);
        Assert.False(result.Success);
        ConfigDiagnostic e = Assert.Single(result.Errors);
        Assert.Equal(Path.Combine(_dir, "host"), e.File);
        Assert.Contains("--dhcp-hostsfile", e.Message);
    }

    [Fact]
    public void Load_Again_RereadsFiles()
    {
        WriteNeutronFiles();
        var loader = new DnsmasqConfigurationLoader(DnsmasqCommandLine.Parse(CommandLineTests.NeutronArgs(_dir)).Options);
        Assert.Equal(2, loader.Load().Configuration.Reservations.Count);
        File.WriteAllText(Path.Combine(_dir, "host.new"), "fa:16:3e:77:00:42,host-10-77-0-42.openstacklocal,10.77.0.42\n");
        File.Move(Path.Combine(_dir, "host.new"), Path.Combine(_dir, "host"), overwrite: true);
        Assert.Single(loader.Load().Configuration.Reservations);
    }

    [Fact]
    public void Load_CommandLineHostsFirst_ConflictsAcrossSources_Ipv6OnlyKeptAside()
    {
        WriteNeutronFiles();
        Write("host", "fa:16:3e:00:00:09,b,10.77.0.42\nfa:16:3e:77:00:42,host-x,[2001:db8::5]\nfa:16:3e:77:00:50,set:port-1,tag:x\n");
        string[] args = [.. CommandLineTests.NeutronArgs(_dir), "--dhcp-host=fa:16:3e:77:00:42,a,10.77.0.42", "--port=0", "--dhcp-broadcast", "--dhcp-authoritative"];
        DnsmasqLoadResult result = DnsmasqConfigurationLoader.Load(DnsmasqCommandLine.Parse(args).Options);
        Assert.True(result.Success);
        Dhcp4Configuration c = result.Configuration;
        Assert.Equal(["a", null], c.Reservations.Select(r => r.HostName));
        Assert.Single(result.Ipv6Hosts);
        Assert.Equal([1, 3], result.Diagnostics.Select(d => d.Line));
        Assert.False(c.DnsEnabled);
        Assert.True(c.AlwaysBroadcast);
        Assert.True(c.Authoritative);
    }

    [Fact]
    public void Load_HostsDirectory_ReadsEveryFileInOrder()
    {
        WriteNeutronFiles();
        Directory.CreateDirectory(Path.Combine(_dir, "hosts.d"));
        File.WriteAllText(Path.Combine(_dir, "hosts.d", "b"), "fa:16:3e:00:00:02,10.77.0.3\n");
        File.WriteAllText(Path.Combine(_dir, "hosts.d", "a"), "fa:16:3e:00:00:01,10.77.0.2\n");
        var options = new DnsmasqOptions { DhcpHostsFiles = [Path.Combine(_dir, "hosts.d")] };
        DnsmasqLoadResult result = DnsmasqConfigurationLoader.Load(options);
        Assert.Equal([IPv4Address.Parse("10.77.0.2"), IPv4Address.Parse("10.77.0.3")], result.Configuration.Reservations.Select(r => r.Address!.Value));
    }
}
