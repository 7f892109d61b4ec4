// Store calls here are in-memory and instant; the test timeout covers the network waits.
#pragma warning disable xUnit1051
using System.Diagnostics;
using System.Text.RegularExpressions;
using Qdhcp.Agent.Linux.Hosting;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// The agent's DNS (issue 6): every network's responder in its own namespace on the DHCP port's address, port 53,
/// UDP and TCP, from the agent's one process; names from the store's ports, changed at once when a port changes.
/// Queried with dig from VM namespaces on the agent's bridges.
/// </summary>
[Trait("Category", "Namespace")]
public sealed partial class AgentDnsTests
{
    private static readonly MacAddress MacA = MacAddress.Parse("fa:16:3e:d5:00:0a");
    private static readonly MacAddress MacB = MacAddress.Parse("fa:16:3e:d5:00:0b");

    [Fact]
    public async Task PortNames_AnsweredOnTheDhcpPort_AndFollowRenameAndDelete()
    {
        LabRequirements.RequireTool("dig", "dnsutils");
        await using AgentLab lab = AgentLab.Create();
        (Network net, Subnet sub) = await lab.AddNetworkAsync("10.50.0.0/24");
        Port vm1 = await lab.Store.CreatePortAsync(new PortRequest(null, net.Id, "vm1", MacA.ToString(), [new FixedIpRequest(sub.Id, "10.50.0.5")], "compute:nova", "vm1", null, []));
        // A second network with the same CIDR and a port at the same address, served by the same process.
        (Network other, Subnet otherSub) = await lab.AddNetworkAsync("10.50.0.0/24");
        await lab.Store.CreatePortAsync(new PortRequest(null, other.Id, "db", MacB.ToString(), [new FixedIpRequest(otherSub.Id, "10.50.0.5")], "compute:nova", "db", "db1", []));
        AgentRuntime agent = await lab.StartAgentAsync();
        Assert.Empty(agent.LastResync!.Failures);

        Vm vm = lab.AddVm(net, MacA);
        vm.AddAddress("10.50.0.5/24");
        Vm otherVm = lab.AddVm(other, MacB);
        otherVm.AddAddress("10.50.0.5/24");
        string server = DhcpPortAddress(await lab.Store.ListPortsAsync(net.Id));
        string otherServer = DhcpPortAddress(await lab.Store.ListPortsAsync(other.Id));

        // The port's default name, FQDN and bare, any case, UDP and TCP; the reverse gives the FQDN.
        Assert.Equal("10.50.0.5", Short(vm, server, "host-10-50-0-5.openstacklocal"));
        Assert.Equal("10.50.0.5", Short(vm, server, "HOST-10-50-0-5.OpenStackLocal"));
        Assert.Equal("10.50.0.5", Short(vm, server, "host-10-50-0-5"));
        Assert.Equal("10.50.0.5", Short(vm, server, "+tcp", "host-10-50-0-5.openstacklocal"));
        Assert.Equal("host-10-50-0-5.openstacklocal.", Short(vm, server, "-x", "10.50.0.5"));

        // Unknown inside the domain and the subnet's reverse zone: authoritative NXDOMAIN with the SOA.
        DigResult unknown = Dig(vm, server, "nosuchhost.openstacklocal");
        Assert.Equal("NXDOMAIN", unknown.Status);
        Assert.Contains("aa", unknown.Flags);
        Assert.Contains("SOA", unknown.Authority);
        Assert.Equal("NXDOMAIN", Dig(vm, server, "-x", "10.50.0.99").Status);

        // Anything else with no upstreams configured: refused.
        Assert.Equal("REFUSED", Dig(vm, server, "example.com").Status);

        // Each network answers its own names only.
        Assert.Equal("10.50.0.5", Short(otherVm, otherServer, "db1.openstacklocal"));
        Assert.Equal("NXDOMAIN", Dig(otherVm, otherServer, "host-10-50-0-5.openstacklocal").Status);
        Assert.Equal("NXDOMAIN", Dig(vm, server, "db1.openstacklocal").Status);

        // Renamed through the store: the new name answers at once, the old one is gone.
        Stopwatch clock = Stopwatch.StartNew();
        await lab.Store.UpdatePortAsync(vm1.Id, new PortUpdate(HostName: "web1"));
        string answer = string.Empty;
        while (answer != "10.50.0.5" && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            answer = Short(vm, server, "web1.openstacklocal");
        }

        NetworkLab.Log($"port rename -> new name answered: {clock.Elapsed.TotalMilliseconds:F1} ms (including dig's start-up)");
        Assert.Equal("10.50.0.5", answer);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Equal("NXDOMAIN", Dig(vm, server, "host-10-50-0-5.openstacklocal").Status);
        Assert.Equal("web1.openstacklocal.", Short(vm, server, "-x", "10.50.0.5"));

        // Deleted: no record left, forward or reverse.
        await lab.Store.DeletePortAsync(vm1.Id);
        await agent.WhenIdleAsync();
        Assert.Equal("NXDOMAIN", Dig(vm, server, "web1.openstacklocal").Status);
        Assert.Equal("NXDOMAIN", Dig(vm, server, "-x", "10.50.0.5").Status);
        Assert.Equal("10.50.0.5", Short(otherVm, otherServer, "db1.openstacklocal"));
    }

    [Fact]
    public async Task DeletedNetwork_ItsDnsSocketsClose_AndTheNamespaceGoes()
    {
        LabRequirements.RequireTool("dig", "dnsutils");
        await using AgentLab lab = AgentLab.Create();
        (Network net, Subnet sub) = await lab.AddNetworkAsync("10.54.0.0/24");
        await lab.Store.CreatePortAsync(new PortRequest(null, net.Id, "vm1", MacA.ToString(), [new FixedIpRequest(sub.Id, "10.54.0.5")], "compute:nova", "vm1", null, []));
        AgentRuntime agent = await lab.StartAgentAsync();
        Vm vm = lab.AddVm(net, MacA);
        vm.AddAddress("10.54.0.5/24");
        string server = DhcpPortAddress(await lab.Store.ListPortsAsync(net.Id));
        Assert.Equal("10.54.0.5", Short(vm, server, "host-10-54-0-5.openstacklocal"));

        await lab.Store.DeleteNetworkAsync(net.Id);
        await agent.WhenIdleAsync();
        Assert.Empty(agent.NetworksServed);
        Assert.False(AgentLab.NamespaceExists(net.Namespace));
    }

    [Fact]
    public async Task OtherNames_ForwardedFromTheNetworksNamespace_ToTheUpstream()
    {
        LabRequirements.RequireTool("dig", "dnsutils");
        string dnsmasq = LabRequirements.RequireTool("dnsmasq", "dnsmasq-base");
        await using AgentLab lab = AgentLab.Create();
        (Network net, Subnet sub) = await lab.AddNetworkAsync("10.55.0.0/24");
        await lab.Store.CreatePortAsync(new PortRequest(null, net.Id, "vm1", MacA.ToString(), [new FixedIpRequest(sub.Id, "10.55.0.5")], "compute:nova", "vm1", null, []));
        // The upstream is reachable only through the network (a VM on its bridge): forwarding must leave from its namespace.
        AgentRuntime agent = await lab.StartAgentAsync(new AgentRuntimeOptions
        {
            LogEachRequest = true,
            Dns = new NetworkDnsOptions([new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.55.0.53"), 53)], LogQueries: true),
        });
        Vm vm = lab.AddVm(net, MacA);
        vm.AddAddress("10.55.0.5/24");
        Vm upstreamVm = lab.AddVm(net, MacB);
        upstreamVm.AddAddress("10.55.0.53/24");
        string server = DhcpPortAddress(await lab.Store.ListPortsAsync(net.Id));

        ProcessStartInfo info = new("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["netns", "exec", upstreamVm.Namespace, dnsmasq, "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
            "--bind-interfaces", "--listen-address=10.55.0.53", "--except-interface=lo", "--address=/example.test/192.0.2.7", "--user=root",
            $"--pid-file={Path.Combine(lab.StateDirectory, "upstream.pid")}", "--port=53",
            "--log-facility=-"])
        {
            info.ArgumentList.Add(arg);
        }

        using Process upstream = Process.Start(info)!;
        try
        {
            string answer = string.Empty;
            Stopwatch clock = Stopwatch.StartNew();
            while (answer != "192.0.2.7" && clock.Elapsed < TimeSpan.FromSeconds(10) && !upstream.HasExited)
            {
                answer = Short(vm, server, "www.example.test");
            }

            Assert.Equal("192.0.2.7", answer);
            Assert.Equal("10.55.0.5", Short(vm, server, "host-10-55-0-5.openstacklocal"));
            Assert.Equal("NXDOMAIN", Dig(vm, server, "nosuchhost.openstacklocal").Status);
            Assert.Empty(agent.Errors);
        }
        finally
        {
            if (!upstream.HasExited)
            {
                Native.kill(upstream.Id, Native.SigTerm);
                await upstream.WaitForExitAsync();
            }

            NetworkLab.Log($"upstream dnsmasq: {await upstream.StandardError.ReadToEndAsync()}");
        }
    }

    private static string DhcpPortAddress(IReadOnlyList<Port> ports) => ports.Single(p => p.IsDhcpPort).FixedIps[0].IpAddress;

    private static string Short(Vm vm, string server, params string[] args) => string.Join(' ', Run(vm, server, ["+short", .. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static DigResult Dig(Vm vm, string server, params string[] args)
    {
        string output = Run(vm, server, args);
        string authority = output.Contains(";; AUTHORITY SECTION:", StringComparison.Ordinal) ? output[output.IndexOf(";; AUTHORITY SECTION:", StringComparison.Ordinal)..] : string.Empty;
        return new DigResult(StatusPattern().Match(output).Groups[1].Value, FlagsPattern().Match(output).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries), authority);
    }

    private static string Run(Vm vm, string server, string[] args)
    {
        string dig = LabRequirements.RequireTool("dig", "dnsutils");
        Shell.Result result = Shell.Run("ip", ["netns", "exec", vm.Namespace, dig, $"@{server}", "+time=1", "+tries=1", .. args], TimeSpan.FromSeconds(30));
        NetworkLab.Log($"dig @{server} {string.Join(' ', args)} (from {vm.Namespace}):\n{result.Stdout}{result.Stderr}");
        return result.Stdout;
    }

    private sealed record DigResult(string Status, IReadOnlyList<string> Flags, string Authority);

    [GeneratedRegex(@"status: ([A-Z]+)")]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@"flags: ([a-z ]+);")]
    private static partial Regex FlagsPattern();
}
