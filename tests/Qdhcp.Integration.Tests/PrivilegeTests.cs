using System.Diagnostics;
using System.Text.Json.Nodes;
using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// <c>qdhcp serve</c> as an unprivileged user (issue 7): with CAP_NET_BIND_SERVICE and CAP_NET_RAW as ambient
/// capabilities (what contrib/systemd/qdhcp-serve@.service grants) it serves a real client and writes its lease
/// file in a directory that user owns; without them it stops at once and says which capability is missing and how
/// to grant it, instead of failing to bind or to send later. <c>qdhcp agent</c> as root limited to the four
/// capabilities contrib/systemd/qdhcp-agent.service bounds it to serves a network, and stops at once without one.
/// </summary>
[Trait("Category", "Namespace")]
public sealed class PrivilegeTests
{
    private const string User = "nobody";
    private const string Group = "nogroup";

    [Fact]
    public async Task Serve_AsNobodyWithBindAndRawCapabilities_UdhcpcGetsItsAddress_AndTheLeaseFileIsWritten()
    {
        ServerProcess.SkipUnderDnsmasq("dnsmasq drops privileges itself (--user) after binding as root");
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        string state = OwnedDirectory(lab);
        ServerProcess server = await lab.StartServerAsync(Arguments(lab, state), wrapper: Setpriv("net_bind_service", "net_raw"));

        // The process the client talks to really is the unprivileged one, with exactly the two capabilities.
        string status = File.ReadAllText($"/proc/{server.Pid}/status");
        Assert.Matches(@"(?m)^Uid:\s+65534\s+65534\s+65534\s+65534$", status);
        Assert.Matches(@"(?m)^CapEff:\s+0000000000002400$", status);

        // udhcpc sets no broadcast flag: its OFFER and ACK go out of the AF_PACKET socket, which needs CAP_NET_RAW.
        Vm vm = lab.AddVm(Seeds.Mac5);
        ClientLease lease = (await RealClients.RunUdhcpcAsync(vm)).AssertBound();
        Assert.Equal("10.10.10.5", lease.Address);

        string leases = await WaitForFileContainingAsync(Path.Combine(state, "leases"), Seeds.Mac5.ToString(), TimeSpan.FromSeconds(5));
        Assert.Contains($"{Seeds.Mac5} 10.10.10.5 host-10-10-10-5", leases, StringComparison.Ordinal);
        Assert.Equal(65534, OwnerOf(Path.Combine(state, "leases")));
        server.AssertAlive();
        lab.AssertHostUnchanged();
    }

    [Theory]
    [InlineData(new string[0], "missing capabilities CAP_NET_BIND_SERVICE, CAP_NET_RAW (running as uid 65534")]
    [InlineData(new[] { "net_bind_service" }, "missing capability CAP_NET_RAW (running as uid 65534")]
    public async Task Serve_AsNobodyWithoutTheCapabilities_ExitsAtOnceNamingWhatIsMissingAndHowToGrantIt(string[] capabilities, string expected)
    {
        ServerProcess.SkipUnderDnsmasq("dnsmasq drops privileges itself (--user) after binding as root");
        await using NetworkLab lab = NetworkLab.Create();
        lab.WriteCaptureConfiguration();
        string state = OwnedDirectory(lab);
        ServerProcess server = lab.StartServer(Arguments(lab, state), Setpriv(capabilities));

        int exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(15));

        // dnsmasq's exit code for "attempt to use privileged ports without permission".
        Assert.True(exitCode == 2, $"exit code {exitCode}, expected 2; output:\n{server.Output}");
        Assert.Contains("qdhcp serve: " + expected, server.Output, StringComparison.Ordinal);
        Assert.Contains("AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot listen", server.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(state, "pid")), "it must stop before it writes its pid file");
    }

    [Fact]
    public async Task Agent_AsRootBoundedToItsFourCapabilities_ServesANetwork()
    {
        LabRequirements.SkipUnlessAvailable();
        ServerProcess.SkipUnderDnsmasq("this tests qdhcp's agent");
        await using AgentProcessLab lab = new() { Wrapper = Bounded("net_admin", "sys_admin", "net_bind_service", "net_raw") };
        await lab.StartAgentAsync();
        // CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13), CAP_SYS_ADMIN (21) and nothing else.
        Assert.Matches(@"(?m)^CapEff:\s+0000000000203400$", File.ReadAllText($"/proc/{lab.AgentPid}/status"));

        MacAddress mac = MacAddress.Parse("fa:16:3e:a9:20:0b");
        string networkId = await lab.CreateAsync("network", "networks", new JsonObject { ["name"] = "bounded-agent" });
        await lab.CreateAsync("subnet", "subnets", new JsonObject
        {
            ["network_id"] = networkId,
            ["cidr"] = "10.57.0.0/24",
            ["ip_version"] = 4,
            ["gateway_ip"] = "10.57.0.1",
        });
        await lab.CreateAsync("port", "ports", new JsonObject
        {
            ["network_id"] = networkId,
            ["mac_address"] = mac.ToString(),
            ["device_owner"] = "compute:nova",
            ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.57.0.40" }),
        });
        Vm vm = await lab.AddVmAsync(networkId, mac);
        using CraftedClient client = CraftedClient.Open(vm);
        Assert.Equal(IPv4Address.Parse("10.57.0.40"), client.DoraRetrying(TimeSpan.FromSeconds(15)).Yiaddr);
        Assert.DoesNotContain("Permission denied", lab.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_WithoutSysAdmin_ExitsAtOnceNamingIt()
    {
        LabRequirements.SkipUnlessAvailable();
        ServerProcess.SkipUnderDnsmasq("this tests qdhcp's agent");
        await using AgentProcessLab lab = new() { Wrapper = Bounded("net_admin", "net_bind_service", "net_raw") };

        int exitCode = await lab.StartAgentExpectingExitAsync(TimeSpan.FromSeconds(15));

        Assert.True(exitCode == 2, $"exit code {exitCode}, expected 2; output:\n{lab.Output}");
        Assert.Contains("qdhcp agent: missing capability CAP_SYS_ADMIN (running as uid 0", lab.Output, StringComparison.Ordinal);
        Assert.Contains("ip netns add/del", lab.Output, StringComparison.Ordinal);
    }

    /// <summary>setpriv(1) keeping root but bounding it to <paramref name="capabilities"/>, as systemd's CapabilityBoundingSet= does.</summary>
    private static List<string> Bounded(params string[] capabilities)
    {
        string setpriv = LabRequirements.RequireTool("setpriv", "util-linux");
        return [setpriv, "--bounding-set=-all," + string.Join(',', capabilities.Select(c => "+" + c)), "--inh-caps=-all", "--"];
    }

    /// <summary>The seed's command line with the lease and pid files in <paramref name="state"/> (the user's own directory).</summary>
    private static List<string> Arguments(NetworkLab lab, string state)
    {
        List<string> args = lab.SeedArguments();
        args[args.IndexOf($"--pid-file={lab.PidFile}")] = $"--pid-file={Path.Combine(state, "pid")}";
        args[args.IndexOf("--leasefile-ro")] = $"--dhcp-leasefile={Path.Combine(state, "leases")}";
        return args;
    }

    /// <summary>setpriv(1) to nobody:nogroup, no supplementary groups, <paramref name="capabilities"/> inheritable and ambient (as systemd's AmbientCapabilities=).</summary>
    private static List<string> Setpriv(params string[] capabilities)
    {
        string setpriv = LabRequirements.RequireTool("setpriv", "util-linux");
        List<string> command = [setpriv, $"--reuid={User}", $"--regid={Group}", "--clear-groups"];
        if (capabilities.Length > 0)
        {
            string list = string.Join(',', capabilities.Select(c => "+" + c));
            command.Add($"--inh-caps={list}");
            command.Add($"--ambient-caps={list}");
        }

        command.Add("--");
        return command;
    }

    /// <summary>A directory owned by nobody (systemd's StateDirectory=) under the lab's, which the lab deletes.</summary>
    private static string OwnedDirectory(NetworkLab lab)
    {
        string dir = Directory.CreateDirectory(Path.Combine(lab.StateDirectory, "state")).FullName;
        Shell.Check("chown", $"{User}:{Group}", dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        return dir;
    }

    private static int OwnerOf(string path) => int.Parse(Shell.Check("stat", "-c", "%u", path).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> WaitForFileContainingAsync(string path, string text, TimeSpan timeout)
    {
        Stopwatch clock = Stopwatch.StartNew();
        string content = string.Empty;
        while (clock.Elapsed < timeout)
        {
            content = File.Exists(path) ? await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken) : string.Empty;
            if (content.Contains(text, StringComparison.Ordinal))
            {
                return content;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"{path} did not mention {text} within {timeout.TotalSeconds} s; it holds:\n{content}");
        return content;
    }
}
