using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Qdhcp.Agent.Linux.Namespaces;
using Qdhcp.Agent.Model;
using Qdhcp.Cli.Client;

namespace Qdhcp.Cli.Demo;

/// <summary>
/// <c>qdhcp demo --agent</c>: the seed through the agent. <c>qdhcp agent</c> (this executable, a child process in a
/// session of its own so a Ctrl-C reaches only this demo) with a temporary state directory and a free loopback port;
/// the network, subnet (pool from .3, so the DHCP port gets 10.10.10.3) and VM port (fa:16:3e:fe:c7:87 = 10.10.10.2)
/// made through its API; a VM namespace plugged into the agent's bridge <c>brq&lt;11&gt;</c> running ISC dhclient;
/// the exchange as tcpdump shows it on the DHCP port's tap; then a second port added live and a second VM getting
/// its address from the same agent process. Cleans up (the network through the API, then the agent by PID, the VM
/// namespaces, whatever is left, the temporary directory), also on Ctrl-C or failure.
/// </summary>
internal sealed class AgentDemo
{
    private const string VmMac = "fa:16:3e:fe:c7:87";
    private const string VmAddress = "10.10.10.2";
    private const string DhcpAddress = "10.10.10.3";
    private const string Vm2Mac = "fa:16:3e:ac:00:05";
    private const string Vm2Address = "10.10.10.5";

    private readonly string _short = Guid.NewGuid().ToString("N")[..8];
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("qdhcp-demo-agent-").FullName;
    private readonly List<Process> _started = [];
    private readonly List<string> _vmNamespaces = [];
    private readonly List<string> _agentOutput = [];
    private Process? _agent;
    private AgentClient? _client;
    private string? _networkId;
    private string? _bridge;
    private string? _dhcpPortId;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (!DemoKit.CheckPrerequisites("qdhcp demo --agent", "it runs `qdhcp agent`, which creates the network's namespace, bridge and veth pair (CAP_NET_ADMIN), enters the namespace (CAP_SYS_ADMIN) and serves DHCP on port 67, and it plugs VM namespaces into that bridge."))
        {
            Directory.Delete(_stateDirectory, recursive: true);
            return 2;
        }

        using DemoKit.SignalScope signals = DemoKit.StopOnSignals(cancellationToken);
        cancellationToken = signals.Token;
        try
        {
            await StartAgentAsync(cancellationToken).ConfigureAwait(false);
            await RunAsyncCore(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Interrupted; cleaning up.");
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or AgentClientException)
        {
            Console.Error.WriteLine($"demo failed: {e.Message}");
            lock (_agentOutput)
            {
                Console.Error.WriteLine($"The agent's output:\n{DemoKit.Indent(string.Join('\n', _agentOutput))}");
            }

            return 1;
        }
        finally
        {
            await CleanUpAsync().ConfigureAwait(false);
        }

    }

    private async Task StartAgentAsync(CancellationToken cancellationToken)
    {
        int port;
        using (TcpListener probe = new(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        List<string> command = [.. DemoKit.SelfCommand(), "agent", "--state-dir", _stateDirectory, "--listen", $"127.0.0.1:{port}", "--log-dhcp"];
        DemoKit.Step($"qdhcp agent --state-dir {_stateDirectory} --listen 127.0.0.1:{port} --log-dhcp");

        // setsid(1) execs in place (the child is no process group leader), so the PID is the agent's own, and a
        // Ctrl-C at the terminal does not stop the agent before this demo has deleted the network through it.
        _agent = Shell.Exists("setsid") ? Shell.Start("setsid", command, _agentOutput) : Shell.Start(command[0], command.Skip(1), _agentOutput);
        _client = new AgentClient(new Uri($"http://127.0.0.1:{port}"), Environment.GetEnvironmentVariable(AgentClient.TokenEnvironmentVariable));

        Stopwatch waited = Stopwatch.StartNew();
        while (true)
        {
            if (_agent.HasExited)
            {
                throw new InvalidOperationException($"the agent exited with code {_agent.ExitCode} before its API answered");
            }

            try
            {
                await _client.ListAsync("networks", null, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (AgentClientException) when (waited.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }

        Console.WriteLine($"  agent pid {_agent.Id}, API on http://127.0.0.1:{port} after {waited.Elapsed.TotalSeconds:F1} s");
    }

    private async Task RunAsyncCore(CancellationToken cancellationToken)
    {
        AgentClient client = _client!;
        DemoKit.Step("Through the API: network, subnet 10.10.10.0/24 (pool 10.10.10.3-254, so the DHCP port gets .3), VM port");
        JsonObject network = await client.CreateAsync("network", "networks", new JsonObject { ["name"] = $"demo-{_short}" }, cancellationToken).ConfigureAwait(false);
        _networkId = (string)network["id"]!;
        _bridge = (string?)network["qdhcp:bridge"] is { Length: > 0 } bridge ? bridge : "brq" + _networkId[..11];
        string dhcpNamespace = Network.NamespacePrefix + _networkId;
        Console.WriteLine($"  network {_networkId}");
        JsonObject subnet = await client.CreateAsync("subnet", "subnets", new JsonObject
        {
            ["network_id"] = _networkId,
            ["name"] = "demo",
            ["cidr"] = "10.10.10.0/24",
            ["ip_version"] = 4,
            ["gateway_ip"] = "10.10.10.1",
            ["dns_nameservers"] = new JsonArray(DhcpAddress),
            ["allocation_pools"] = new JsonArray(new JsonObject { ["start"] = DhcpAddress, ["end"] = "10.10.10.254" }),
            ["qdhcp:lease_seconds"] = 120,
        }, cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"  subnet {(string?)subnet["id"]} 10.10.10.0/24, gateway 10.10.10.1, DNS {DhcpAddress}, 120 s leases");
        await CreatePortAsync("vm1", VmMac, VmAddress, cancellationToken).ConfigureAwait(false);

        // The agent makes the namespace, the bridge and the DHCP port (tap… inside, qdp… on the bridge).
        Stopwatch waited = Stopwatch.StartNew();
        JsonObject? dhcpPort = null;
        while (dhcpPort is null || !File.Exists(Path.Combine(NamespaceRunner.NetnsDirectory, dhcpNamespace)) || !(await Shell.RunAsync("ip", ["link", "show", "dev", _bridge], check: false).ConfigureAwait(false)).Output.Contains("UP", StringComparison.Ordinal))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(15))
            {
                throw new TimeoutException($"the agent did not make {dhcpNamespace} and {_bridge} in 15 s");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            dhcpPort ??= (await client.ListAsync("ports", [new("network_id", _networkId), new("device_owner", "network:dhcp")], cancellationToken).ConfigureAwait(false))
                .OfType<JsonObject>().FirstOrDefault(p => (string?)p["device_owner"] == "network:dhcp");
        }

        _dhcpPortId = (string)dhcpPort["id"]!;
        string tap = "tap" + _dhcpPortId[..11];
        string dhcpIp = (string?)dhcpPort["fixed_ips"]?[0]?["ip_address"] ?? "?";
        Console.WriteLine($"  the agent made namespace {dhcpNamespace}, bridge {_bridge}, DHCP port {tap} = {dhcpIp} (qdp{_dhcpPortId[..11]} on the bridge)");

        List<string> capture = [];
        if (await DemoKit.StartCaptureAsync(dhcpNamespace, tap, capture, cancellationToken).ConfigureAwait(false) is { } tcpdump)
        {
            _started.Add(tcpdump);
        }

        string script = await DemoKit.WriteDhclientScriptAsync(_stateDirectory, cancellationToken).ConfigureAwait(false);
        string vm1 = await AddVmAsync(1, VmMac).ConfigureAwait(false);
        DemoKit.Step($"ip netns exec {vm1} dhclient -4 -d -1 eth0   (with a script of ours, so /etc/resolv.conf is left alone)");
        List<string> dhclient1 = [];
        _started.Add(DemoKit.StartDhclient(vm1, script, _stateDirectory, "-vm1", dhclient1));
        string addresses = await DemoKit.WaitForAddressAsync(vm1, VmAddress, dhclient1, cancellationToken).ConfigureAwait(false);
        await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        DemoKit.Step($"On the wire (tcpdump -n on {tap} in {dhcpNamespace}):");
        int seen = DemoKit.PrintCapture(capture);
        DemoKit.Step($"VM 1's address and routes (ip netns exec {vm1} ip addr / ip route):");
        Console.WriteLine(DemoKit.Indent(addresses));
        Console.WriteLine(DemoKit.Indent((await Shell.IpAsync("-n", vm1, "route").ConfigureAwait(false)).Output));
        Console.WriteLine($"VM 1 ({VmMac}) got {VmAddress} from qdhcp agent (pid {_agent!.Id}).");

        // A second port, live: the agent serves it at once, no restart and no reload.
        string vm2 = await AddVmAsync(2, Vm2Mac).ConfigureAwait(false);
        DemoKit.Step($"A second VM port, live: port create {Vm2Mac} -> {Vm2Address}, then dhclient in {vm2}");
        Stopwatch clock = Stopwatch.StartNew();
        await CreatePortAsync("vm2", Vm2Mac, Vm2Address, cancellationToken).ConfigureAwait(false);
        TimeSpan apiCall = clock.Elapsed;
        List<string> dhclient2 = [];
        _started.Add(DemoKit.StartDhclient(vm2, script, _stateDirectory, "-vm2", dhclient2));
        string addresses2 = await DemoKit.WaitForAddressAsync(vm2, Vm2Address, dhclient2, cancellationToken).ConfigureAwait(false);
        TimeSpan bound = clock.Elapsed;
        await Task.Delay(300, cancellationToken).ConfigureAwait(false);
        DemoKit.Step("On the wire:");
        DemoKit.PrintCapture(capture, seen);
        DemoKit.Step($"VM 2's address and routes (ip netns exec {vm2} ip addr / ip route):");
        Console.WriteLine(DemoKit.Indent(addresses2));
        Console.WriteLine(DemoKit.Indent((await Shell.IpAsync("-n", vm2, "route").ConfigureAwait(false)).Output));
        if (_agent.HasExited)
        {
            throw new InvalidOperationException($"the agent exited ({_agent.ExitCode})");
        }

        Console.WriteLine($"VM 2 ({Vm2Mac}) got {Vm2Address} {bound.TotalSeconds:F2} s after the API call (the call itself {apiCall.TotalMilliseconds:F0} ms; the rest is dhclient's DORA), from the same agent (pid {_agent.Id}, not restarted).");

        DemoKit.Step($"Leases (GET /v2.0/qdhcp/networks/{_networkId}/leases):");
        foreach (JsonNode? lease in await client.ListLeasesAsync(_networkId, cancellationToken).ConfigureAwait(false))
        {
            Console.WriteLine($"  {(string?)lease?["mac_address"]}  {(string?)lease?["ip_address"]}  {(string?)lease?["hostname"]}  expires {(string?)lease?["expires_at"]}");
        }
    }

    private async Task CreatePortAsync(string name, string mac, string ip, CancellationToken cancellationToken)
    {
        JsonObject port = await _client!.CreateAsync("port", "ports", new JsonObject
        {
            ["network_id"] = _networkId,
            ["name"] = name,
            ["mac_address"] = mac,
            ["device_owner"] = "compute:nova",
            ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = ip }),
        }, cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"  port {(string?)port["id"]} {name} {mac} = {(string?)port["fixed_ips"]?[0]?["ip_address"]}");
    }

    /// <summary>A VM namespace whose eth0 (with the MAC) has its veth peer <c>qdv&lt;8&gt;&lt;n&gt;</c> on the agent's bridge.</summary>
    private async Task<string> AddVmAsync(int n, string mac)
    {
        string ns = $"qdemo-vm{n}-{_short}";
        string peer = $"qdv{_short}{n}";
        await Shell.IpAsync("netns", "add", ns).ConfigureAwait(false);
        _vmNamespaces.Add(ns);
        await Shell.IpAsync("-n", ns, "link", "set", "lo", "up").ConfigureAwait(false);
        await Shell.IpAsync("link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", ns).ConfigureAwait(false);
        await Shell.IpAsync("link", "set", peer, "master", _bridge!, "up").ConfigureAwait(false);
        await Shell.IpAsync("-n", ns, "link", "set", "eth0", "address", mac, "up").ConfigureAwait(false);
        Console.WriteLine($"  VM {n}: namespace {ns}, eth0 {mac}, its peer {peer} on {_bridge}");
        return ns;
    }

    private async Task CleanUpAsync()
    {
        DemoKit.Step("Cleaning up");
        DemoKit.StopAll(_started);

        // The network through the API first, so the agent removes its namespace, DHCP port and bridge itself.
        if (_client is not null && _networkId is not null && _agent is { HasExited: false })
        {
            try
            {
                using CancellationTokenSource limit = new(TimeSpan.FromSeconds(10));
                await _client.DeleteAsync("networks", _networkId, limit.Token).ConfigureAwait(false);
                Stopwatch waited = Stopwatch.StartNew();
                while (File.Exists(Path.Combine(NamespaceRunner.NetnsDirectory, Network.NamespacePrefix + _networkId)) && waited.Elapsed < TimeSpan.FromSeconds(10))
                {
                    await Task.Delay(100).ConfigureAwait(false);
                }

                Console.WriteLine($"  network {_networkId} deleted through the API");
            }
            catch (Exception e) when (e is AgentClientException or OperationCanceledException)
            {
                Console.Error.WriteLine($"  could not delete the network through the API: {e.Message}");
            }
        }

        if (_agent is not null)
        {
            if (!_agent.HasExited)
            {
                // SIGTERM: the agent shuts down as a service manager would stop it.
                await Shell.RunAsync("kill", ["-TERM", _agent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], check: false).ConfigureAwait(false);
                if (!_agent.WaitForExit(10000))
                {
                    _agent.Kill();
                    _agent.WaitForExit(5000);
                }
            }

            Console.WriteLine($"  agent pid {_agent.Id} stopped");
            _agent.Dispose();
        }

        _client?.Dispose();
        foreach (string ns in _vmNamespaces)
        {
            await Shell.RunAsync("ip", ["netns", "delete", ns], check: false).ConfigureAwait(false);
        }

        // Whatever the agent could not remove (it was gone, or the API failed).
        if (_networkId is not null)
        {
            string dhcpNamespace = Network.NamespacePrefix + _networkId;
            if (File.Exists(Path.Combine(NamespaceRunner.NetnsDirectory, dhcpNamespace)))
            {
                await Shell.RunAsync("ip", ["netns", "delete", dhcpNamespace], check: false).ConfigureAwait(false);
            }

            List<string> links = [.. _vmNamespaces.Select((_, i) => $"qdv{_short}{i + 1}")];
            if (_dhcpPortId is not null)
            {
                links.Add("qdp" + _dhcpPortId[..11]);
            }

            if (_bridge is not null)
            {
                links.Add(_bridge);
            }

            foreach (string link in links)
            {
                if ((await Shell.RunAsync("ip", ["link", "show", "dev", link], check: false).ConfigureAwait(false)).ExitCode == 0)
                {
                    await Shell.RunAsync("ip", ["link", "delete", link], check: false).ConfigureAwait(false);
                }
            }
        }

        if (Directory.Exists(_stateDirectory))
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
    }
}
