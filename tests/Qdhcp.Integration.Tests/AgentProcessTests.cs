#pragma warning disable xUnit1051
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Qdhcp.Integration.Tests.Infrastructure;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests;

/// <summary>
/// <c>qdhcp agent</c> as a real process (the built executable, an SQLite store in a temporary state directory, the
/// REST API on a free loopback port): networks, subnets and ports made over HTTP, a VM namespace on the agent's
/// bridge, and the agent SIGKILLed and restarted under a client that keeps renewing. Also <c>qdhcp demo --agent</c>
/// end to end.
/// </summary>
[Trait("Category", "Namespace")]
public sealed class AgentProcessTests
{
    private static readonly MacAddress VmMac = MacAddress.Parse("fa:16:3e:a9:10:0a");

    [Fact]
    public async Task SigkillAndRestart_OnTheSameStateDir_RenewalsAreAckedNeverNaked_AndTheLeaseIsStillListed()
    {
        LabRequirements.SkipUnlessAvailable();
        ServerProcess.SkipUnderDnsmasq("this tests qdhcp's agent");
        await using AgentProcessLab lab = new();
        await lab.StartAgentAsync();

        string networkId = await lab.CreateAsync("network", "networks", new JsonObject { ["name"] = "agent-process" });
        await lab.CreateAsync("subnet", "subnets", new JsonObject
        {
            ["network_id"] = networkId,
            ["cidr"] = "10.56.0.0/24",
            ["ip_version"] = 4,
            ["gateway_ip"] = "10.56.0.1",
            ["allocation_pools"] = new JsonArray(new JsonObject { ["start"] = "10.56.0.2", ["end"] = "10.56.0.200" }),
            ["qdhcp:lease_seconds"] = 120,
        });
        await lab.CreateAsync("port", "ports", new JsonObject
        {
            ["network_id"] = networkId,
            ["mac_address"] = VmMac.ToString(),
            ["device_owner"] = "compute:nova",
            ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.56.0.40" }),
        });
        Vm vm = await lab.AddVmAsync(networkId, VmMac);
        using CraftedClient client = CraftedClient.Open(vm);
        // The agent process applies the network on its own after the API calls return: retransmit as a client does.
        DhcpReply ack = client.DoraRetrying(TimeSpan.FromSeconds(15));
        IPv4Address address = ack.Yiaddr;
        IPv4Address server = ack.Packet.ServerId!.Value;
        Assert.Equal(IPv4Address.Parse("10.56.0.40"), address);

        // Bound, as a real client is: the address on eth0, so RENEWING requests go unicast from it to the server.
        vm.AddAddress($"{address}/24");

        using CancellationTokenSource stop = new();
        List<(TimeSpan At, string What)> log = [];
        Stopwatch clock = Stopwatch.StartNew();
        Task renewing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                TimeSpan sent = clock.Elapsed;
                uint xid = CraftedClient.NewXid();
                client.SendUdp(CraftedClient.RequestPacket(VmMac, xid, requested: null, ciaddr: address).Encode(), address, server);
                DhcpReply? reply = client.ReceiveReply(xid, TimeSpan.FromMilliseconds(300));
                lock (log)
                {
                    log.Add((sent, reply is null ? "none" : reply.Type.ToString()));
                }

                TimeSpan rest = TimeSpan.FromMilliseconds(300) - (clock.Elapsed - sent);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest);
                }
            }
        });

        await Task.Delay(1500);
        TimeSpan killedAt = clock.Elapsed;
        await lab.KillAgentAsync();
        await lab.StartAgentAsync();
        NetworkLab.Log($"agent restarted {(clock.Elapsed - killedAt).TotalSeconds:F2} s after the SIGKILL");

        // Renew on until some ACKs came after the restart (or 15 s passed).
        Stopwatch after = Stopwatch.StartNew();
        while (after.Elapsed < TimeSpan.FromSeconds(15))
        {
            lock (log)
            {
                if (log.Count(e => e.At > killedAt && e.What == "Ack") >= 3)
                {
                    break;
                }
            }

            await Task.Delay(100);
        }

        stop.Cancel();
        await renewing;

        List<(TimeSpan At, string What)> entries;
        lock (log)
        {
            entries = [.. log];
        }

        NetworkLab.Log($"renewals: {string.Join(", ", entries.Select(e => $"{e.At.TotalSeconds:F1}s {e.What}"))}");
        Assert.DoesNotContain(entries, e => e.What is not "Ack" and not "none");
        Assert.Contains(entries, e => e.At < killedAt && e.What == "Ack");
        Assert.Contains(entries, e => e.At > killedAt && e.What == "Ack");
        TimeSpan lastAckBefore = entries.Last(e => e.At < killedAt && e.What == "Ack").At;
        TimeSpan firstAckAfter = entries.First(e => e.At > killedAt && e.What == "Ack").At;
        int unanswered = entries.Count(e => e.What == "none");
        TimeSpan gap = firstAckAfter - lastAckBefore;
        NetworkLab.Log($"{entries.Count} renewals, {entries.Count(e => e.What == "Ack")} ACKed, {unanswered} unanswered; gap {gap.TotalSeconds:F2} s");
        Assert.True(gap < TimeSpan.FromSeconds(10), $"no ACK for {gap.TotalSeconds:F1} s around the restart");

        JsonArray leases = (JsonArray)(await lab.GetAsync($"v2.0/qdhcp/networks/{networkId}/leases"))["leases"]!;
        Assert.Contains(leases, l => (string?)l?["mac_address"] == VmMac.ToString() && (string?)l?["ip_address"] == address.ToString());
    }

    [Fact]
    public async Task DemoAgent_EndToEnd_BothVmsGetTheirAddresses()
    {
        LabRequirements.SkipUnlessAvailable();
        ServerProcess.SkipUnderDnsmasq("this runs qdhcp's own demo");
        LabRequirements.RequireTool("dhclient", "isc-dhcp-client");
        (string file, List<string> prefix) = AgentProcessLab.Executable();
        Shell.Result result = Shell.Run(file, [.. prefix, "demo", "--agent"], TimeSpan.FromSeconds(90));
        NetworkLab.Log(result.ToString());
        Assert.True(result.Ok, result.ToString());
        Assert.Contains("got 10.10.10.2 from qdhcp agent", result.Stdout);
        Assert.Contains("inet 10.10.10.2/24", result.Stdout);
        Assert.Contains("got 10.10.10.5", result.Stdout);
        Assert.Contains("inet 10.10.10.5/24", result.Stdout);
        Assert.Contains("not restarted", result.Stdout);
    }
}

/// <summary>
/// One <c>qdhcp agent</c> process at a time over one state directory and one loopback port; VMs on its networks'
/// bridges. Disposing deletes the networks through the API (so the agent removes their namespaces and bridges),
/// stops the agent by PID, then deletes the VMs and anything the agent left, and the state directory.
/// </summary>
internal sealed class AgentProcessLab : IAsyncDisposable
{
    private readonly string _id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly string _stateDirectory;
    private readonly int _port;
    private readonly HttpClient _http;
    private readonly List<string> _networks = [];
    private readonly List<string> _dhcpPeers = [];
    private readonly List<string> _vms = [];
    private readonly Shell.OutputLog _output = new();
    private Process? _agent;

    public AgentProcessLab()
    {
        _stateDirectory = Directory.CreateTempSubdirectory($"qdhcp-agent-process-{_id}-").FullName;
        using (TcpListener probe = new(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The qdhcp executable and the arguments before a subcommand (as <see cref="ServerProcess"/> finds it).</summary>
    public static (string File, List<string> Prefix) Executable()
    {
        (string file, List<string> prefix, _) = ServerProcess.ResolveCommand();
        return (file, prefix.Where(a => a != "serve").ToList());
    }

    /// <summary>A command the agent is started through (e.g. setpriv limiting its capabilities, as systemd's CapabilityBoundingSet=); none by default.</summary>
    public IReadOnlyList<string> Wrapper { get; init; } = [];

    /// <summary>Everything the agent printed so far.</summary>
    public string Output => _output.ToString();

    /// <summary>The running agent's PID.</summary>
    public int AgentPid => _agent?.Id ?? throw new InvalidOperationException("no agent started");

    public async Task StartAgentAsync()
    {
        Process agent = Launch();
        Stopwatch clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(agent.HasExited, $"the agent exited ({(agent.HasExited ? agent.ExitCode : 0)}):\n{_output}");
            try
            {
                using HttpResponseMessage response = await _http.GetAsync("v2.0/networks");
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(20))
            {
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the agent's API did not answer in 20 s:\n{_output}");
            await Task.Delay(50);
        }

        NetworkLab.Log($"agent PID {agent.Id}: API answers after {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>Starts an agent that must not start; returns its exit code once it is gone (fails the test if it keeps running).</summary>
    public async Task<int> StartAgentExpectingExitAsync(TimeSpan timeout)
    {
        Process agent = Launch();
        using CancellationTokenSource cts = new(timeout);
        try
        {
            await agent.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the agent was expected to exit but runs after {timeout.TotalSeconds} s:\n{_output}");
        }

        agent.WaitForExit();
        return agent.ExitCode;
    }

    private Process Launch()
    {
        Assert.True(_agent is null || _agent.HasExited, "an agent is running");
        (string file, List<string> prefix) = Executable();
        ProcessStartInfo info = new(Wrapper.Count > 0 ? Wrapper[0] : file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (IEnumerable<string>)[.. Wrapper.Skip(1), .. Wrapper.Count > 0 ? [file] : Array.Empty<string>(), .. prefix, "agent", "--state-dir", _stateDirectory, "--listen", $"127.0.0.1:{_port}", "--log-dhcp"])
        {
            info.ArgumentList.Add(arg);
        }

        Process agent = Process.Start(info) ?? throw new InvalidOperationException("could not start qdhcp agent");
        agent.OutputDataReceived += (_, e) => _output.Add(e.Data);
        agent.ErrorDataReceived += (_, e) => _output.Add(e.Data);
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        _agent = agent;
        return agent;
    }

    /// <summary>SIGKILL: no shutdown, no lease flush; the plumbing stays as it was.</summary>
    public async Task KillAgentAsync()
    {
        Process agent = _agent!;
        Assert.Equal(0, Native.kill(agent.Id, Native.SigKill));
        await agent.WaitForExitAsync();
        NetworkLab.Log($"agent PID {agent.Id} SIGKILLed");
    }

    public async Task<JsonObject> GetAsync(string path)
    {
        using HttpResponseMessage response = await _http.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>POST v2.0/{collection}; returns the new resource's id.</summary>
    public async Task<string> CreateAsync(string resource, string collection, JsonObject attributes)
    {
        using HttpResponseMessage response = await _http.PostAsJsonAsync($"v2.0/{collection}", new JsonObject { [resource] = attributes });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {collection}: {(int)response.StatusCode} {text}");
        string id = (string)JsonNode.Parse(text)![resource]!["id"]!;
        if (resource == "network")
        {
            _networks.Add(id);
        }

        return id;
    }

    /// <summary>Waits for the agent's namespace and bridge of the network, then plugs a VM namespace into the bridge.</summary>
    public async Task<Vm> AddVmAsync(string networkId, MacAddress mac)
    {
        string bridge = "brq" + networkId[..11];
        Stopwatch clock = Stopwatch.StartNew();
        JsonObject? dhcpPort = null;
        while (dhcpPort is null || !File.Exists($"/var/run/netns/qdhcp-{networkId}") || !Shell.Run("ip", "link", "show", "dev", bridge).Ok)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the agent did not plumb {networkId} in 15 s:\n{_output}");
            await Task.Delay(100);
            dhcpPort = ((JsonArray)(await GetAsync($"v2.0/ports?network_id={networkId}"))["ports"]!)
                .OfType<JsonObject>().FirstOrDefault(p => (string?)p["device_owner"] == "network:dhcp");
        }

        _dhcpPeers.Add("qdp" + ((string)dhcpPort["id"]!)[..11]);
        int n = _vms.Count;
        string ns = $"qapvm{_id}{n:x2}";
        string peer = $"qap{_id}{n:x2}";
        Shell.Ip("netns", "add", ns);
        _vms.Add(ns);
        Shell.Run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        Shell.Ip("-n", ns, "link", "set", "lo", "up");
        Shell.Ip("link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Shell.Ip("link", "set", peer, "master", bridge, "up");
        Shell.Ip("-n", ns, "link", "set", "eth0", "address", mac.ToString());
        Shell.Ip("-n", ns, "link", "set", "eth0", "up");
        NetworkLab.Log($"vm {ns}: eth0 {mac} on {bridge}");
        return new Vm(null!, ns, mac);
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is { HasExited: false } agent)
        {
            foreach (string network in _networks)
            {
                try
                {
                    using HttpResponseMessage deleted = await _http.DeleteAsync($"v2.0/networks/{network}");
                    Stopwatch clock = Stopwatch.StartNew();
                    while (File.Exists($"/var/run/netns/qdhcp-{network}") && clock.Elapsed < TimeSpan.FromSeconds(10))
                    {
                        await Task.Delay(100);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    NetworkLab.Log($"teardown: DELETE network {network}: {e.Message}");
                }
            }

            Native.kill(agent.Id, Native.SigTerm);
            using CancellationTokenSource limit = new(TimeSpan.FromSeconds(10));
            try
            {
                await agent.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                Native.kill(agent.Id, Native.SigKill);
                await agent.WaitForExitAsync();
            }
        }

        if (_agent is not null)
        {
            NetworkLab.Log($"agent output:\n{_output}");
            _agent.Dispose();
        }

        foreach (string ns in _vms.Concat(_networks.Select(n => $"qdhcp-{n}")).Where(ns => File.Exists($"/var/run/netns/{ns}")))
        {
            Shell.Run("ip", "netns", "del", ns);
        }

        foreach (string link in _dhcpPeers.Concat(_networks.Select(n => "brq" + n[..11])).Where(l => Shell.Run("ip", "link", "show", "dev", l).Ok))
        {
            Shell.Run("ip", "link", "del", link);
        }

        _http.Dispose();
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
