using Microsoft.Extensions.Logging;
using Qdhcp.Agent.Linux.Namespaces;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Engine.Model;
using Qdhcp.Transport.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Linux.Hosting;

/// <summary>
/// The DHCP server of one network inside the agent: the same <see cref="Dhcp4Engine"/> as <c>qdhcp serve</c>, its
/// sockets opened inside the network's namespace <c>qdhcp-&lt;id&gt;</c>, its leases loaded from the store at start
/// and written behind to it. No process of its own: every network's host lives in the agent's process, its
/// receive loops on the thread pool.
/// </summary>
public sealed class NetworkHost : IAsyncDisposable
{
    // In the network's namespace there is only lo and its DHCP port (tap<11>), which may be replaced; serve taps.
    private static readonly InterfaceFilter DhcpPortFilter = new(["tap*"], ["lo"]);

    private readonly Dhcp4SocketServer _sockets;
    private readonly ILogger _logger;
    private int _disposed;

    /// <param name="networkId">The network's id; its namespace is <c>qdhcp-&lt;id&gt;</c>.</param>
    /// <param name="configuration">What to serve (built from the store's network, subnets and ports).</param>
    /// <param name="leases">The leases on record for the network (the last write-behind).</param>
    /// <param name="leasesChanged">Called (on a receive loop) after a request changed the lease table.</param>
    public NetworkHost(string networkId, string netnsName, Dhcp4Configuration configuration, IEnumerable<LeaseRecord> leases,
        ILoggerFactory loggerFactory, TimeProvider time, Action<NetworkHost>? leasesChanged = null, bool logEachRequest = false)
    {
        NetworkId = networkId;
        Namespace = netnsName;
        _logger = loggerFactory.CreateLogger("qdhcp.agent.network");
        Dhcp4LeaseTable table = new();
        table.Load(leases);
        Engine = new Dhcp4Engine(Dhcp4NetworkSnapshot.Compile(configuration), table);
        _sockets = new Dhcp4SocketServer(Engine, DhcpPortFilter, time, loggerFactory.CreateLogger("qdhcp.dhcp"), leasesChanged is null ? null : () => leasesChanged(this))
        {
            LogEachRequest = logEachRequest,
            Scope = new NamespaceSocketScope(netnsName),
        };
    }

    public string NetworkId { get; }

    public string Namespace { get; }

    public Dhcp4Engine Engine { get; }

    /// <summary>The interfaces served now (the DHCP port, once plumbed).</summary>
    public IReadOnlyList<ServerInterface> Interfaces => _sockets.Interfaces;

    /// <summary>
    /// Opens (or re-reads) the sockets: call after the namespace's DHCP port was plumbed or changed. Runs on a
    /// thread of its own inside the namespace. Returns bind errors (none when all is well).
    /// </summary>
    public IReadOnlyList<string> RefreshInterfaces()
    {
        IReadOnlyList<string> errors = _sockets.Refresh();
        foreach (string error in errors)
        {
            AgentLog.SocketError(_logger, NetworkId, error);
        }

        return errors;
    }

    /// <summary>Swaps in a new configuration: the next reply uses it; leases are kept.</summary>
    public void Reload(Dhcp4Configuration configuration) => Engine.Reload(Dhcp4NetworkSnapshot.Compile(configuration));

    /// <summary>
    /// Drops the leases a deleted (or re-addressed) port held, in-process: what Neutron's agent does with
    /// <c>dhcp_release</c> for dnsmasq. An address held by another MAC is left alone. Returns how many were dropped.
    /// </summary>
    public int Release(MacAddress mac, IEnumerable<IPv4Address> addresses)
    {
        int released = 0;
        foreach (IPv4Address address in addresses)
        {
            if (Engine.Leases.Release(address, mac))
            {
                released++;
            }
        }

        return released;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _sockets.DisposeAsync().ConfigureAwait(false);
        }
    }
}
