using System.Diagnostics;
using System.Security.Cryptography;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>
/// One isolated copy of the seed's topology, built from network namespaces:
/// <code>
///   qdhcp-qt&lt;id&gt;  (server)          qtfab&lt;id&gt; (fabric)            qtvm&lt;id&gt;&lt;n&gt; (one per VM)
///   tap&lt;id&gt; 10.10.10.3/24 ==veth== qp&lt;id&gt; -- br0 -- qv&lt;id&gt;&lt;n&gt; ==veth== eth0 (the VM's MAC)
/// </code>
/// The bridge lives in its own fabric namespace, so the server namespace holds only its tap (as under Neutron)
/// and nothing touches the root namespace. Disposing kills every process the lab started (by PID, then whatever
/// is left inside its namespaces) and deletes the namespaces, also when the test failed.
/// <see cref="Create(LabOptions?)"/> with <see cref="LabOptions"/> builds variants: another subnet (Neutron's
/// recorded network, DHCP port 10.77.0.10/24), a tap plugged or addressed only later (as the agent does after
/// starting its server).
/// </summary>
public sealed class NetworkLab : IAsyncDisposable
{
    /// <summary>The seed's DHCP port address, the default lab's <see cref="DhcpPortAddress"/>.</summary>
    public static readonly IPv4Address ServerAddress = IPv4Address.Parse("10.10.10.3");
    public const int PrefixLength = 24;

    /// <summary>Marks which process owns a namespace, so a later run can remove what a crashed run left.</summary>
    private const string OwnerDirectory = "/run/qdhcp-integration-tests";
    private static readonly string[] OwnedPrefixes = ["qdhcp-qt", "qtfab", "qtvm"];
    private static readonly Lazy<bool> StaleCleanup = new(CleanupStale);

    private readonly List<string> _namespaces = [];
    private readonly List<Vm> _vms = [];
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly HostSnapshot _host = HostSnapshot.Take();
    private bool _disposed;

    private readonly string _root;
    private readonly LabOptions _options;

    private NetworkLab(string id, LabOptions options)
    {
        Id = id;
        _options = options;
        ServerNamespace = $"qdhcp-qt{id}";
        FabricNamespace = $"qtfab{id}";
        TapName = $"tap{id}";
        ServerMac = MacAddress.Parse($"fa:16:3e:{id[..2]}:{id[2..4]}:{id[4..6]}");
        NetworkId = Guid.NewGuid().ToString();
        // As the agent's state directory: <root>/dhcp/<network id>, so the server's command line names the network.
        _root = Directory.CreateTempSubdirectory($"qdhcp-qt{id}-").FullName;
        StateDirectory = Directory.CreateDirectory(Path.Combine(_root, "dhcp", NetworkId)).FullName;
        // The server may drop privileges (dnsmasq runs as 'dnsmasq') and still has to re-read its files on SIGHUP.
        foreach (string dir in new[] { _root, Path.Combine(_root, "dhcp"), StateDirectory })
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        }
    }

    /// <summary>8 hex digits, unique per lab; part of every name the lab creates.</summary>
    public string Id { get; }

    public string ServerNamespace { get; }

    public string FabricNamespace { get; }

    /// <summary>The DHCP port inside the server namespace: 10.10.10.3/24 by default, the seed's <c>--interface</c>.</summary>
    public string TapName { get; }

    public MacAddress ServerMac { get; }

    /// <summary>The tap's address (the DHCP port's, the server identifier): 10.10.10.3 unless <see cref="LabOptions"/> say otherwise.</summary>
    public IPv4Address DhcpPortAddress => _options.DhcpPortAddress;

    public int DhcpPortPrefixLength => _options.PrefixLength;

    /// <summary>A uuid, as Neutron's network id: the last part of <see cref="StateDirectory"/>.</summary>
    public string NetworkId { get; }

    /// <summary>Where the hosts/opts/pid files go (the agent's DIR, <c>.../dhcp/&lt;network id&gt;</c>).</summary>
    public string StateDirectory { get; }

    public string LeasesFile => Path.Combine(StateDirectory, "leases");

    public string AddnHostsFile => Path.Combine(StateDirectory, "addn_hosts");

    public string HostsFile => Path.Combine(StateDirectory, "host");

    public string OptsFile => Path.Combine(StateDirectory, "opts");

    public string PidFile => Path.Combine(StateDirectory, "pid");

    public IReadOnlyList<Vm> Vms => _vms;

    /// <summary>Builds the server and fabric namespaces; skips the test where namespaces are not available.</summary>
    public static NetworkLab Create(LabOptions? options = null)
    {
        LabRequirements.SkipUnlessAvailable();
        _ = StaleCleanup.Value;
        var lab = new NetworkLab(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), options ?? LabOptions.Seed);
        try
        {
            lab.Build();
        }
        catch
        {
            lab.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return lab;
    }

    private void Build()
    {
        AddNamespace(ServerNamespace);
        AddNamespace(FabricNamespace);
        string fab = FabricNamespace;
        Shell.Ip("-n", fab, "link", "add", "br0", "type", "bridge");
        Shell.Ip("-n", fab, "link", "set", "br0", "up");
        Log($"lab {Id}: server ns {ServerNamespace}, fabric ns {fab}, dir {StateDirectory}");
        if (_options.PlugTap)
        {
            PlugTap();
        }
    }

    /// <summary>
    /// Plugs the DHCP port: the tap in the server namespace, its peer on the bridge, link up, and its address
    /// unless <see cref="LabOptions.AddressTap"/> is false (then <see cref="AddTapAddress"/> adds it).
    /// </summary>
    public void PlugTap()
    {
        string port = $"qp{Id}";
        Shell.Ip("-n", FabricNamespace, "link", "add", port, "type", "veth", "peer", "name", TapName, "netns", ServerNamespace);
        Shell.Ip("-n", FabricNamespace, "link", "set", port, "master", "br0", "up");
        Shell.Ip("-n", ServerNamespace, "link", "set", TapName, "address", ServerMac.ToString());
        if (_options.AddressTap)
        {
            AddTapAddress();
        }

        Shell.Ip("-n", ServerNamespace, "link", "set", TapName, "up");
        Log($"lab {Id}: plugged {TapName} ({ServerMac}){(_options.AddressTap ? $" {DhcpPortAddress}/{DhcpPortPrefixLength}" : ", no address")}");
    }

    /// <summary>Deletes the tap (and its peer on the bridge), as when the agent unplugs the DHCP port.</summary>
    public void UnplugTap()
    {
        Shell.Ip("-n", ServerNamespace, "link", "del", TapName);
        Log($"lab {Id}: unplugged {TapName}");
    }

    /// <summary>Gives the tap the DHCP port's address (what the agent does once the port is bound).</summary>
    public void AddTapAddress()
    {
        Shell.Ip("-n", ServerNamespace, "addr", "add", $"{DhcpPortAddress}/{DhcpPortPrefixLength}", "dev", TapName);
        Log($"lab {Id}: {TapName} has {DhcpPortAddress}/{DhcpPortPrefixLength}");
    }

    /// <summary>
    /// Another segment: a bridge <paramref name="bridge"/> in the fabric namespace and an interface
    /// <paramref name="name"/> with <paramref name="cidr"/> in the server namespace plugged into it (a second port the
    /// server may or may not be told to serve). VMs join it with <see cref="AddVm"/>'s bridge argument.
    /// </summary>
    public void AddServerSegment(string bridge, string name, string cidr)
    {
        string peer = $"qs{Id}{_segments++:x2}";
        Shell.Ip("-n", FabricNamespace, "link", "add", bridge, "type", "bridge");
        Shell.Ip("-n", FabricNamespace, "link", "set", bridge, "up");
        Shell.Ip("-n", FabricNamespace, "link", "add", peer, "type", "veth", "peer", "name", name, "netns", ServerNamespace);
        Shell.Ip("-n", FabricNamespace, "link", "set", peer, "master", bridge, "up");
        Shell.Ip("-n", ServerNamespace, "addr", "add", cidr, "dev", name);
        Shell.Ip("-n", ServerNamespace, "link", "set", name, "up");
        Log($"lab {Id}: server interface {name} {cidr} on fabric bridge {bridge}");
    }

    private int _segments;

    /// <summary>A VM: its own namespace whose eth0 (with <paramref name="mac"/>) is plugged into the bridge, link up.</summary>
    /// <param name="address">An address to configure on eth0 (e.g. "10.10.10.254/24"), or none as at boot.</param>
    /// <param name="bridge">The fabric bridge to plug into: br0 (the DHCP port's segment) unless another was added with <see cref="AddServerSegment"/>.</param>
    public Vm AddVm(MacAddress mac, string? address = null, string bridge = "br0")
    {
        int n = _vms.Count;
        string ns = $"qtvm{Id}{n:x2}";
        string port = $"qv{Id}{n:x2}";
        AddNamespace(ns);
        Shell.Ip("-n", FabricNamespace, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Shell.Ip("-n", FabricNamespace, "link", "set", port, "master", bridge, "up");
        Shell.Ip("-n", ns, "link", "set", "eth0", "address", mac.ToString());
        Shell.Ip("-n", ns, "link", "set", "eth0", "up");
        var vm = new Vm(this, ns, mac);
        if (address is not null)
        {
            vm.AddAddress(address);
        }

        _vms.Add(vm);
        Log($"vm {ns}: eth0 {mac}{(address is null ? string.Empty : " " + address)}");
        return vm;
    }

    /// <summary>Writes the hosts file the way the agent does: a new file renamed over the old one.</summary>
    public void WriteHosts(params IEnumerable<string> lines) => WriteAtomically(HostsFile, lines);

    public void WriteOpts(params IEnumerable<string> lines) => WriteAtomically(OptsFile, lines);

    /// <summary>The captures README's three hosts and five options (router, DNS, routes 121 and 249, MTU).</summary>
    public void WriteCaptureConfiguration(params IEnumerable<string> extraHosts)
    {
        WriteHosts([.. Seeds.Hosts, .. extraHosts]);
        WriteOpts(Seeds.Options);
    }

    /// <summary>The seed's command line (the article's, plus <c>--keep-in-foreground</c> so the harness owns the PID).</summary>
    public List<string> SeedArguments(int leaseMax = 256) =>
    [
        "--no-hosts", "--no-resolv", "--strict-order", "--bind-interfaces",
        $"--interface={TapName}", "--except-interface=lo",
        $"--pid-file={PidFile}", $"--dhcp-hostsfile={HostsFile}", $"--dhcp-optsfile={OptsFile}",
        "--leasefile-ro", "--dhcp-range=tag0,10.10.10.0,static,120s", $"--dhcp-lease-max={leaseMax}",
        "--conf-file=", "--domain=openstacklocal", "--keep-in-foreground",
    ];

    /// <summary>
    /// Today's agent's command line, as recorded in neutron-samples/README.md (<c>--bind-dynamic</c>, no
    /// <c>--interface</c>, a lease file, 86400 s leases, forced MTU), with this lab's DIR and subnet; the
    /// subnet tag is <c>subnet-&lt;subnetId&gt;</c>. <c>--keep-in-foreground</c> only with <paramref name="foreground"/>:
    /// the agent runs without it; the harness adds it to own the server's PID. <paramref name="leaseFileReadOnly"/>
    /// replaces <c>--dhcp-leasefile</c> with <c>--leasefile-ro</c>.
    /// </summary>
    public List<string> NeutronArguments(string subnetId, bool foreground = true, bool leaseFileReadOnly = false)
    {
        uint mask = DhcpPortPrefixLength == 0 ? 0 : uint.MaxValue << (32 - DhcpPortPrefixLength);
        var network = new IPv4Address(DhcpPortAddress.Value & mask);
        var netmask = new IPv4Address(mask);
        List<string> args =
        [
            "--no-hosts", "--no-resolv", $"--pid-file={PidFile}", $"--dhcp-hostsfile={HostsFile}", $"--addn-hosts={AddnHostsFile}",
            $"--dhcp-optsfile={OptsFile}", $"--dhcp-leasefile={LeasesFile}", "--dhcp-match=set:ipxe,175",
            "--dhcp-userclass=set:ipxe6,iPXE", "--local-service", "--bind-dynamic",
            $"--dhcp-range=set:subnet-{subnetId},{network},static,{netmask},86400s",
            "--dhcp-option-force=option:mtu,1500", "--dhcp-lease-max=256", "--conf-file=/dev/null",
            "--domain=openstacklocal",
        ];
        if (leaseFileReadOnly)
        {
            // The agent's older command line: leases in memory only, no lease file.
            args[args.IndexOf($"--dhcp-leasefile={LeasesFile}")] = "--leasefile-ro";
        }

        if (foreground)
        {
            args.Add("--keep-in-foreground");
        }

        return args;
    }

    /// <summary>Writes a file exactly as given (no newline added): the agent's opts file has no trailing newline.</summary>
    public void WriteRaw(string path, string content)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, content);
        File.SetUnixFileMode(temp, (UnixFileMode)0b110_100_100);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Starts the server under test in the server namespace and waits until it listens on port 67, or, when
    /// <paramref name="waitForPort"/> is false (no interface to serve yet), until it says it serves.
    /// </summary>
    /// <param name="wrapper">A command to start the server through (e.g. <c>setpriv</c> to another user), see <see cref="StartServer"/>.</param>
    public async Task<ServerProcess> StartServerAsync(IReadOnlyList<string>? arguments = null, bool waitForPort = true, IReadOnlyList<string>? wrapper = null)
    {
        ServerProcess server = StartServer(arguments, wrapper);
        await server.WaitReadyAsync(TimeSpan.FromSeconds(15), waitForPort);
        return server;
    }

    /// <summary>Starts the server without waiting for it to serve (for starts that must fail); the lab stops it at the end.</summary>
    public ServerProcess StartServer(IReadOnlyList<string>? arguments = null, IReadOnlyList<string>? wrapper = null)
    {
        if (!File.Exists(HostsFile))
        {
            WriteCaptureConfiguration();
        }

        ServerProcess server = ServerProcess.Start(this, arguments ?? SeedArguments(), wrapper);
        Own(server);
        return server;
    }

    /// <summary><c>tcpdump -n -l</c> on the tap inside the server namespace.</summary>
    public async Task<Tcpdump> StartTcpdumpAsync(string filter = "port 67 or port 68")
    {
        Tcpdump capture = Tcpdump.Start(this, ServerNamespace, TapName, filter);
        Own(capture);
        await capture.WaitReadyAsync(TimeSpan.FromSeconds(10));
        return capture;
    }

    internal void Own(IAsyncDisposable resource)
    {
        lock (_owned)
        {
            _owned.Add(resource);
        }
    }

    /// <summary>Fails the test when /etc/resolv.conf, the host name or the host's DHCP client directories changed since the lab was built.</summary>
    public void AssertHostUnchanged() => _host.AssertUnchanged();

    public static void Log(string message) => TestContext.Current.TestOutputHelper?.WriteLine(message);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        List<IAsyncDisposable> owned;
        lock (_owned)
        {
            owned = [.. _owned];
            owned.Reverse();
        }

        foreach (IAsyncDisposable resource in owned)
        {
            try
            {
                await resource.DisposeAsync();
            }
            catch (Exception e)
            {
                Log($"teardown: {e.Message}");
            }
        }

        foreach (string ns in Enumerable.Reverse(_namespaces))
        {
            RemoveNamespace(ns);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }

        if (!_host.IsUnchanged(out string change))
        {
            Log($"WARNING: {change}");
        }
    }

    private void AddNamespace(string ns)
    {
        Directory.CreateDirectory(OwnerDirectory);
        File.WriteAllText(Path.Combine(OwnerDirectory, ns), Environment.ProcessId.ToString());
        _namespaces.Add(ns);
        Shell.Ip("netns", "add", ns);
        // Quiet links: no IPv6 autoconfiguration chatter on the bridge.
        Shell.Run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        Shell.Ip("-n", ns, "link", "set", "lo", "up");
    }

    /// <summary>Kills what still runs inside a namespace this harness created (only its own processes live there), then deletes it.</summary>
    private static void RemoveNamespace(string ns)
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            Shell.Result pids = Shell.Run("ip", "netns", "pids", ns);
            int[] alive = pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => int.TryParse(p, out int pid) ? pid : 0).Where(p => p > 0 && p != Environment.ProcessId).ToArray();
            if (alive.Length == 0)
            {
                break;
            }

            foreach (int pid in alive)
            {
                Native.kill(pid, Native.SigKill);
            }

            Thread.Sleep(50);
        }

        Shell.Result deleted = Shell.Run("ip", "netns", "del", ns);
        if (!deleted.Ok && deleted.Stderr.Contains("No such file", StringComparison.Ordinal) is false)
        {
            Log($"teardown: {deleted}");
        }

        File.Delete(Path.Combine(OwnerDirectory, ns));
    }

    /// <summary>Removes namespaces left by earlier runs that crashed: ours by name, and whose owning process is gone.</summary>
    private static bool CleanupStale()
    {
        Shell.Result list = Shell.Run("ip", "netns", "list");
        foreach (string line in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string ns = line.Split(' ')[0];
            if (!OwnedPrefixes.Any(p => ns.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }

            string marker = Path.Combine(OwnerDirectory, ns);
            if (File.Exists(marker) && int.TryParse(File.ReadAllText(marker).Trim(), out int owner)
                && (owner == Environment.ProcessId || Directory.Exists($"/proc/{owner}")))
            {
                continue;
            }

            TestContext.Current.SendDiagnosticMessage($"Removing stale namespace {ns} from an earlier run");
            RemoveNamespace(ns);
        }

        return true;
    }

    private static void WriteAtomically(string path, IEnumerable<string> lines)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, string.Concat(lines.Select(l => l + "\n")));
        File.SetUnixFileMode(temp, (UnixFileMode)0b110_100_100);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Proof that real clients did not touch the machine running the tests.</summary>
    private sealed record HostSnapshot(string ResolvConf, string HostName, string ClientState)
    {
        /// <summary>Where the clients would keep leases and pid files on the host; they must stay untouched.</summary>
        private static readonly string[] ClientDirectories = ["/var/lib/dhcp", "/var/lib/dhcpcd", "/run/dhcpcd"];

        public static HostSnapshot Take() => new(ReadResolvConf(), System.Net.Dns.GetHostName(), ReadClientState());

        private static string ReadResolvConf() => File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : "(absent)";

        private static string ReadClientState() => string.Join("; ", ClientDirectories.Select(d =>
            Directory.Exists(d) ? $"{d}: {string.Join(',', Directory.GetFileSystemEntries(d).Order())}" : $"{d}: (absent)"));

        public bool IsUnchanged(out string change)
        {
            HostSnapshot now = Take();
            change = now.ResolvConf != ResolvConf
                ? $"/etc/resolv.conf changed:\n{ResolvConf}\n->\n{now.ResolvConf}"
                : now.HostName != HostName ? $"host name changed: {HostName} -> {now.HostName}"
                : now.ClientState != ClientState ? $"DHCP client state on the host changed: {ClientState} -> {now.ClientState}"
                : string.Empty;
            return change.Length == 0;
        }

        public void AssertUnchanged()
        {
            if (!IsUnchanged(out string change))
            {
                Assert.Fail(change);
            }
        }
    }
}

/// <summary>How a lab differs from the seed's: the DHCP port's subnet, and whether the tap exists and has its address from the start.</summary>
/// <param name="DhcpPortAddress">The tap's address, the server identifier.</param>
/// <param name="PrefixLength">The subnet's prefix length.</param>
/// <param name="PlugTap">False: the server namespace has only lo until <see cref="NetworkLab.PlugTap"/>.</param>
/// <param name="AddressTap">False: the tap comes up without an address until <see cref="NetworkLab.AddTapAddress"/>.</param>
public sealed record LabOptions(IPv4Address DhcpPortAddress, int PrefixLength = 24, bool PlugTap = true, bool AddressTap = true)
{
    /// <summary>The seed's network: DHCP port 10.10.10.3/24.</summary>
    public static LabOptions Seed { get; } = new(NetworkLab.ServerAddress, NetworkLab.PrefixLength);

    /// <summary>The network recorded under a real Neutron (neutron-samples): 10.77.0.0/24, DHCP port 10.77.0.10.</summary>
    public static LabOptions Neutron { get; } = new(IPv4Address.Parse("10.77.0.10"));
}

/// <summary>A VM namespace with one interface, eth0, plugged into the lab's bridge.</summary>
public sealed class Vm(NetworkLab lab, string ns, MacAddress mac)
{
    public NetworkLab Lab { get; } = lab;

    public string Namespace { get; } = ns;

    public string Interface => "eth0";

    public MacAddress Mac { get; } = mac;

    public void AddAddress(string cidr) => Shell.Ip("-n", Namespace, "addr", "add", cidr, "dev", Interface);

    public void FlushAddresses() => Shell.Ip("-n", Namespace, "addr", "flush", "dev", Interface);

    /// <summary><c>ip -4 addr show dev eth0</c>.</summary>
    public string Addresses() => Shell.Ip("-n", Namespace, "-4", "addr", "show", "dev", Interface);

    /// <summary><c>ip -4 route</c>.</summary>
    public string Routes() => Shell.Ip("-n", Namespace, "-4", "route", "show");

    /// <summary>eth0's link MTU from <c>ip link</c>.</summary>
    public int LinkMtu()
    {
        string text = Shell.Ip("-n", Namespace, "-o", "link", "show", "dev", Interface);
        string[] words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int i = Array.IndexOf(words, "mtu");
        return int.Parse(words[i + 1]);
    }

    /// <summary>Runs a command in the VM namespace (e.g. ping) and returns its result.</summary>
    public Shell.Result Exec(params string[] command) => Shell.Run("ip", ["netns", "exec", Namespace, .. command]);

    public override string ToString() => $"{Namespace} ({Mac})";
}

/// <summary>The captures README's configuration (see ../shared/captures/README.md).</summary>
public static class Seeds
{
    public static readonly MacAddress Mac2 = MacAddress.Parse("fa:16:3e:fe:c7:87");
    public static readonly MacAddress Mac5 = MacAddress.Parse("fa:16:3e:ac:00:05");
    public static readonly MacAddress Mac6 = MacAddress.Parse("fa:16:3e:ac:00:06");
    public static readonly MacAddress UnknownMac = MacAddress.Parse("fa:16:3e:99:99:99");

    public static readonly string[] Hosts =
    [
        "fa:16:3e:fe:c7:87,host-10-10-10-2.openstacklocal,10.10.10.2",
        "fa:16:3e:ac:00:05,host-10-10-10-5.openstacklocal,10.10.10.5",
        "fa:16:3e:ac:00:06,host-10-10-10-6.openstacklocal,10.10.10.6",
    ];

    public static readonly string[] Options =
    [
        "tag:tag0,option:router,10.10.10.1",
        "tag:tag0,option:dns-server,10.10.10.3",
        "tag:tag0,option:classless-static-route,169.254.169.254/32,10.10.10.3,0.0.0.0/0,10.10.10.1",
        "tag:tag0,249,169.254.169.254/32,10.10.10.3,0.0.0.0/0,10.10.10.1",
        "tag:tag0,option:mtu,1450",
    ];

    public static IPv4Address Ip(string text) => IPv4Address.Parse(text);
}

/// <summary>
/// The network recorded under a real Neutron (see ../shared/neutron-samples/README.md): 10.77.0.0/24, DHCP port
/// 10.77.0.10, two ports, router 10.77.0.1 and DNS 10.77.0.53 in the opts file (which has no trailing newline).
/// </summary>
public static class NeutronSamples
{
    public static readonly MacAddress Mac42 = MacAddress.Parse("fa:16:3e:77:00:42");
    public static readonly MacAddress Mac43 = MacAddress.Parse("fa:16:3e:77:00:43");
    public static readonly IPv4Address Ip42 = IPv4Address.Parse("10.77.0.42");
    public static readonly IPv4Address Ip46 = IPv4Address.Parse("10.77.0.46");
    public static readonly IPv4Address Router = IPv4Address.Parse("10.77.0.1");
    public static readonly IPv4Address Dns = IPv4Address.Parse("10.77.0.53");

    public static readonly string[] Hosts =
    [
        "fa:16:3e:77:00:42,host-10-77-0-42.openstacklocal,10.77.0.42",
        "fa:16:3e:77:00:43,host-10-77-0-46.openstacklocal,10.77.0.46",
    ];

    public static string Opts(string subnetId) =>
        $"tag:subnet-{subnetId},option:dns-server,10.77.0.53\ntag:subnet-{subnetId},option:router,10.77.0.1";

    public const string AddnHosts =
        "10.77.0.42\thost-10-77-0-42.openstacklocal host-10-77-0-42\n10.77.0.46\thost-10-77-0-46.openstacklocal host-10-77-0-46\n";

    /// <summary>Writes host, opts (no trailing newline), addn_hosts and an empty leases file into the lab's DIR, as the agent does.</summary>
    public static void WriteFiles(NetworkLab lab, string subnetId, string? leases = "")
    {
        lab.WriteHosts(Hosts);
        lab.WriteRaw(lab.OptsFile, Opts(subnetId));
        lab.WriteRaw(lab.AddnHostsFile, AddnHosts);
        if (leases is not null)
        {
            lab.WriteRaw(lab.LeasesFile, leases);
        }
    }

    /// <summary>The client-id Linux clients send: type 1 (Ethernet) and the MAC.</summary>
    public static byte[] ClientIdOf(MacAddress mac)
    {
        byte[] id = new byte[1 + MacAddress.Length];
        id[0] = 1;
        mac.Write(id.AsSpan(1));
        return id;
    }
}
