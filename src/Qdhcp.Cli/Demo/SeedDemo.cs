using System.CommandLine;
using System.Diagnostics;
using Qdhcp.Agent.Model;

namespace Qdhcp.Cli.Demo;

/// <summary>
/// <c>qdhcp demo</c>: the seed's use case on this machine. A network namespace <c>qdhcp-&lt;uuid&gt;</c> with the DHCP
/// port (10.10.10.3 on <c>tap…</c>) and a "VM" namespace (MAC fa:16:3e:fe:c7:87) joined by a Linux bridge that
/// lives in a namespace of its own (the host's network is not touched); the seed's hosts file and command line;
/// ISC dhclient in the VM; the exchange as tcpdump shows it; then the VM's address and routes and a ping of the
/// DHCP port. Everything is removed at the end, also on Ctrl-C or failure.
/// </summary>
internal sealed class SeedDemo
{
    private const string VmMac = "fa:16:3e:fe:c7:87";
    private const string VmAddress = "10.10.10.2";
    private const string DhcpAddress = "10.10.10.3";
    private readonly string _networkId = Guid.NewGuid().ToString();
    private readonly string _short;
    private readonly string _dhcpNamespace;
    private readonly string _vmNamespace;
    private readonly string _bridgeNamespace;
    private readonly string _tap;
    private readonly string _stateDirectory;
    private readonly List<Process> _started = [];
    private readonly List<string> _namespaces = [];

    private SeedDemo()
    {
        _short = _networkId[..8];
        _dhcpNamespace = Network.NamespacePrefix + _networkId;
        _vmNamespace = $"qdemo-vm-{_short}";
        _bridgeNamespace = $"qdemo-br-{_short}";
        _tap = $"tap{Guid.NewGuid().ToString()[..11]}";
        _stateDirectory = Path.Combine(Path.GetTempPath(), $"qdhcp-demo-{_networkId}");
    }

    public static Command CreateCommand()
    {
        Option<bool> agent = new("--agent") { Description = "The seed through the agent instead: `qdhcp agent` as a child process, the network, subnet and VM port made through its API, then a second VM port added live." };
        Command demo = new("demo", "Reproduce the seed: a qdhcp-<uuid> namespace serving the seed's hosts file with `qdhcp serve`, a VM namespace running ISC dhclient, the exchange as tcpdump shows it, the VM's address and a ping. With --agent, the same through `qdhcp agent` and its API. Needs root. Cleans up after itself.")
        {
            agent,
        };
        demo.SetAction(async (result, cancellationToken) => result.GetValue(agent)
            ? await new AgentDemo().RunAsync(cancellationToken).ConfigureAwait(false)
            : await new SeedDemo().RunAsync(cancellationToken).ConfigureAwait(false));
        return demo;
    }

    private async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using DemoKit.SignalScope signals = DemoKit.StopOnSignals(cancellationToken);
        cancellationToken = signals.Token;
        if (!DemoKit.CheckPrerequisites("qdhcp demo", "it creates network namespaces, a bridge and veth pairs (CAP_NET_ADMIN) and serves DHCP on port 67."))
        {
            return 2;
        }

        try
        {
            await BuildNetworkAsync().ConfigureAwait(false);
            await RunExchangeAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Interrupted; cleaning up.");
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            Console.Error.WriteLine($"demo failed: {e.Message}");
            return 1;
        }
        finally
        {
            await CleanUpAsync().ConfigureAwait(false);
        }
    }

    private async Task BuildNetworkAsync()
    {
        Step($"Network {_networkId}: namespace {_dhcpNamespace}, DHCP port {_tap} = {DhcpAddress}/24, VM {_vmNamespace} with MAC {VmMac}");
        foreach (string ns in new[] { _bridgeNamespace, _dhcpNamespace, _vmNamespace })
        {
            await Shell.IpAsync("netns", "add", ns).ConfigureAwait(false);
            _namespaces.Add(ns);
            await Shell.IpAsync("-n", ns, "link", "set", "lo", "up").ConfigureAwait(false);
        }

        string bridge = $"brq{_networkId[..11]}";
        await Shell.IpAsync("-n", _bridgeNamespace, "link", "add", bridge, "type", "bridge").ConfigureAwait(false);
        await Shell.IpAsync("-n", _bridgeNamespace, "link", "set", bridge, "up").ConfigureAwait(false);

        // The DHCP port: tap… in the DHCP namespace, its peer on the bridge (as Neutron's Linux bridge agent plugs it).
        await PlugAsync(_dhcpNamespace, _tap, $"ns{_short}", bridge, mac: "fa:16:3e:ac:00:03").ConfigureAwait(false);
        await Shell.IpAsync("-n", _dhcpNamespace, "addr", "add", $"{DhcpAddress}/24", "dev", _tap).ConfigureAwait(false);

        // The VM's NIC.
        await PlugAsync(_vmNamespace, "eth0", $"vm{_short}", bridge, mac: VmMac).ConfigureAwait(false);

        Directory.CreateDirectory(_stateDirectory);
        await File.WriteAllTextAsync(Path.Combine(_stateDirectory, "host"), $"{VmMac},host-10-10-10-2.openstacklocal,{VmAddress}\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(_stateDirectory, "opts"), "tag:tag0,option:router,10.10.10.1\ntag:tag0,option:dns-server,10.10.10.3\n").ConfigureAwait(false);
    }

    private async Task PlugAsync(string ns, string name, string peer, string bridge, string mac)
    {
        await Shell.IpAsync("-n", _bridgeNamespace, "link", "add", peer, "type", "veth", "peer", "name", name).ConfigureAwait(false);
        await Shell.IpAsync("-n", _bridgeNamespace, "link", "set", name, "netns", ns).ConfigureAwait(false);
        await Shell.IpAsync("-n", _bridgeNamespace, "link", "set", peer, "master", bridge, "up").ConfigureAwait(false);
        await Shell.IpAsync("-n", ns, "link", "set", name, "address", mac, "up").ConfigureAwait(false);
    }

    private async Task RunExchangeAsync(CancellationToken cancellationToken)
    {
        List<string> capture = [];
        if (await DemoKit.StartCaptureAsync(_dhcpNamespace, _tap, capture, cancellationToken).ConfigureAwait(false) is { } tcpdump)
        {
            _started.Add(tcpdump);
        }

        string pidFile = Path.Combine(_stateDirectory, "pid");
        string[] seedCommandLine =
        [
            "--no-hosts", "--no-resolv", "--strict-order", "--bind-interfaces",
            $"--interface={_tap}", "--except-interface=lo",
            $"--pid-file={pidFile}",
            $"--dhcp-hostsfile={Path.Combine(_stateDirectory, "host")}",
            $"--dhcp-optsfile={Path.Combine(_stateDirectory, "opts")}",
            "--leasefile-ro", "--dhcp-range=tag0,10.10.10.0,static,120s", "--dhcp-lease-max=256",
            "--conf-file=", "--domain=openstacklocal",
        ];
        Step($"ip netns exec {_dhcpNamespace} qdhcp serve {string.Join(' ', seedCommandLine)}");
        List<string> serveCommand = ["netns", "exec", _dhcpNamespace, .. DemoKit.SelfCommand()];

        // Without -k the server detaches like dnsmasq and this returns once it serves; its pid is in the pid file.
        await Shell.RunAsync("ip", [.. serveCommand, "serve", .. seedCommandLine]).ConfigureAwait(false);
        Console.WriteLine($"  server pid {(await File.ReadAllTextAsync(pidFile, cancellationToken).ConfigureAwait(false)).Trim()}");

        string script = await DemoKit.WriteDhclientScriptAsync(_stateDirectory, cancellationToken).ConfigureAwait(false);
        Step($"ip netns exec {_vmNamespace} dhclient -4 -d -1 eth0   (with a script of ours, so /etc/resolv.conf is left alone)");
        List<string> dhclientOutput = [];
        _started.Add(DemoKit.StartDhclient(_vmNamespace, script, _stateDirectory, string.Empty, dhclientOutput));
        string addresses = await DemoKit.WaitForAddressAsync(_vmNamespace, VmAddress, dhclientOutput, cancellationToken).ConfigureAwait(false);

        await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        Step("On the wire (tcpdump -n in the DHCP namespace):");
        DemoKit.PrintCapture(capture);

        Step($"The VM's address and routes (ip netns exec {_vmNamespace} ip addr / ip route):");
        Console.WriteLine(Indent(addresses));
        Console.WriteLine(Indent((await Shell.IpAsync("-n", _vmNamespace, "route").ConfigureAwait(false)).Output));
        Step($"ping -c 3 {DhcpAddress} from the VM:");
        (int pingExit, string ping) = await Shell.InNamespaceAsync(_vmNamespace, "ping", "-c", "3", "-W", "2", DhcpAddress).ConfigureAwait(false);
        Console.WriteLine(Indent(ping));
        Console.WriteLine(pingExit == 0 ? $"The VM {VmMac} got {VmAddress} from qdhcp serve and reaches the DHCP port." : "The ping failed.");
    }

    private async Task CleanUpAsync()
    {
        Step("Cleaning up");
        string pidFile = Path.Combine(_stateDirectory, "pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int serverPid))
        {
            try
            {
                using Process server = Process.GetProcessById(serverPid);
                server.Kill();
                server.WaitForExit(5000);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        DemoKit.StopAll(_started);

        foreach (string ns in _namespaces.AsEnumerable().Reverse())
        {
            await Shell.RunAsync("ip", ["netns", "delete", ns], check: false).ConfigureAwait(false);
        }

        if (Directory.Exists(_stateDirectory))
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
    }

    private static void Step(string text) => DemoKit.Step(text);

    private static string Indent(string text) => DemoKit.Indent(text);
}
