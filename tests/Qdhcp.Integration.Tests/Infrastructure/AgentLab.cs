#pragma warning disable xUnit1051
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Qdhcp.Agent.Linux.Hosting;
using Qdhcp.Agent.Linux.Plumbing;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>
/// The agent in-process, as Neutron lays things out: networks in an <see cref="InMemoryNetworkStore"/>, an
/// <see cref="AgentRuntime"/> that makes <c>qdhcp-&lt;network id&gt;</c> namespaces and <c>brq&lt;11&gt;</c> bridges in
/// the root namespace (each network id is a fresh UUID, so every name is unique), and VMs: namespaces whose eth0's
/// peer <c>qav&lt;lab&gt;&lt;n&gt;</c> is enslaved to a network's bridge. Nothing else in the root namespace is touched.
/// Disposing stops the agent, deletes the VMs, then every namespace and bridge the agent's state says it owns and
/// any left by this lab's networks; also when the test failed.
/// </summary>
public sealed class AgentLab : IAsyncDisposable
{
    private readonly List<string> _vmNamespaces = [];
    private readonly List<Network> _networks = [];
    private readonly List<string> _extraNamespaces = [];
    private bool _disposed;

    private AgentLab(string id)
    {
        Id = id;
        StateDirectory = Directory.CreateTempSubdirectory($"qdhcp-agent-{id}-").FullName;
    }

    public string Id { get; }

    public string StateDirectory { get; }

    public InMemoryNetworkStore Store { get; } = new();

    public AgentRuntime? Runtime { get; private set; }

    public LinuxPlumbing? Plumbing { get; private set; }

    public static AgentLab Create()
    {
        LabRequirements.SkipUnlessAvailable();
        return new AgentLab(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
    }

    /// <summary>Starts an agent over the lab's store and state directory (a restart when one ran before).</summary>
    /// <param name="options">The runtime's options; by default every request logged, DNS without upstreams.</param>
    public async Task<AgentRuntime> StartAgentAsync(AgentRuntimeOptions? options = null)
    {
        Assert.Null(Runtime);
        ILoggerFactory logs = new TestLoggerFactory();
        Plumbing = new LinuxPlumbing(StateDirectory, new BridgePerNetworkSegmentDriver(), logs.CreateLogger("plumbing"));
        options ??= new AgentRuntimeOptions { LogEachRequest = true };
        options = options with { LeaseJournalDirectory = options.LeaseJournalDirectory ?? Path.Combine(StateDirectory, "leases") };
        AgentRuntime runtime = new(Store, Plumbing, options, logs);
        Runtime = runtime;
        await runtime.StartAsync(TestContext.Current.CancellationToken);
        NetworkLab.Log($"agent started: {runtime.LastResync}");
        return runtime;
    }

    /// <summary>Stops the agent as a shutdown does: leases written out, sockets closed, plumbing left in place.</summary>
    public async Task StopAgentAsync()
    {
        if (Runtime is { } runtime)
        {
            Runtime = null;
            await runtime.DisposeAsync();
        }
    }

    /// <summary>A network with one DHCP-enabled subnet (gateway .1, 120 s leases, DNS 10.0.0.53 announced).</summary>
    public async Task<(Network Network, Subnet Subnet)> AddNetworkAsync(string cidr, int mtu = 1450)
    {
        string id = Guid.NewGuid().ToString();
        Network network = await Store.CreateNetworkAsync(new Network(id, $"agent-lab-{Id}", mtu, true, string.Empty));
        _networks.Add(network);
        string prefix = cidr[..cidr.LastIndexOf('.')];
        Subnet subnet = await Store.CreateSubnetAsync(new Subnet(Guid.NewGuid().ToString(), id, "s", cidr, $"{prefix}.1", [$"{prefix}.53"], [], true,
            [new AllocationPool($"{prefix}.2", $"{prefix}.200")], 120));
        return (network, subnet);
    }

    public Task<Port> AddPortAsync(Network network, Subnet subnet, MacAddress mac, string ip) =>
        Store.CreatePortAsync(new PortRequest(null, network.Id, "vm", mac.ToString(), [new FixedIpRequest(subnet.Id, ip)], "compute:nova", "vm-" + mac, null, []));

    /// <summary>A VM namespace whose eth0 is plugged into the network's bridge (which the agent must have made).</summary>
    public Vm AddVm(Network network, MacAddress mac)
    {
        int n = _vmNamespaces.Count;
        string ns = $"qavm{Id}{n:x2}";
        string peer = $"qav{Id}{n:x2}";
        Shell.Ip("netns", "add", ns);
        _vmNamespaces.Add(ns);
        Shell.Run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        Shell.Ip("-n", ns, "link", "set", "lo", "up");
        Shell.Ip("link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Shell.Ip("link", "set", peer, "master", network.Bridge, "up");
        Shell.Ip("-n", ns, "link", "set", "eth0", "address", mac.ToString());
        Shell.Ip("-n", ns, "link", "set", "eth0", "up");
        NetworkLab.Log($"vm {ns}: eth0 {mac} on {network.Bridge}");
        return new Vm(null!, ns, mac);
    }

    /// <summary>A namespace named like an agent's that this lab removes at the end (for the stale-namespace test).</summary>
    public string AddForeignNamespace()
    {
        string ns = "qdhcp-" + Guid.NewGuid();
        Shell.Ip("netns", "add", ns);
        _extraNamespaces.Add(ns);
        return ns;
    }

    public static bool NamespaceExists(string ns) => File.Exists(Path.Combine("/var/run/netns", ns));

    public static bool LinkExists(string name) => Shell.Run("ip", "link", "show", "dev", name).Ok;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await StopAgentAsync();
        }
        catch (Exception e)
        {
            NetworkLab.Log($"teardown: {e.Message}");
        }

        foreach (string ns in _vmNamespaces)
        {
            Remove(ns);
        }

        HashSet<string> namespaces = [.. _extraNamespaces, .. _networks.Select(n => n.Namespace)];
        HashSet<string> bridges = [.. _networks.Select(n => n.Bridge)];
        if (Plumbing is { } plumbing)
        {
            namespaces.UnionWith(plumbing.Owned.Namespaces.Keys);
            bridges.UnionWith(plumbing.Owned.Bridges);
            foreach (string? peer in plumbing.Owned.Namespaces.Values)
            {
                if (peer is not null && LinkExists(peer))
                {
                    Shell.Run("ip", "link", "del", peer);
                }
            }
        }

        foreach (string ns in namespaces)
        {
            Remove(ns);
        }

        foreach (string bridge in bridges.Where(LinkExists))
        {
            Shell.Run("ip", "link", "del", bridge);
        }

        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Remove(string ns)
    {
        if (NamespaceExists(ns))
        {
            Shell.Result deleted = Shell.Run("ip", "netns", "del", ns);
            if (!deleted.Ok)
            {
                NetworkLab.Log($"teardown: {deleted}");
            }
        }
    }

    /// <summary>Agent logs into the test's output.</summary>
    private sealed class TestLoggerFactory : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new TestLogger(categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class TestLogger(string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                try
                {
                    NetworkLab.Log($"{DateTime.UtcNow:HH:mm:ss.fff} [{logLevel}] {category}: {formatter(state, exception)}");
                }
                catch (InvalidOperationException)
                {
                    // Logged after the test ended.
                }
            }
        }
    }
}
