using System.Net;
using Microsoft.Extensions.Logging;
using Qdhcp.Agent.Linux.Namespaces;
using Qdhcp.Dns;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Engine.Model;
using Qdhcp.Leases;
using Qdhcp.Transport.Dhcp4;
using Qdhcp.Transport.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Linux.Hosting;

/// <summary>How each network's DNS responder behaves (the same for every network of the agent).</summary>
/// <param name="Upstreams">Where names outside the network's zone are forwarded (for clients on its subnets); none: REFUSED.</param>
/// <param name="StrictOrder">Try the upstreams one after the other (dnsmasq's <c>--strict-order</c>) rather than all at once.</param>
/// <param name="LogQueries">Log every query (<c>--log-queries</c>).</param>
/// <param name="Port">The DNS port (53; tests may pick another).</param>
public sealed record NetworkDnsOptions(IReadOnlyList<IPEndPoint> Upstreams, bool StrictOrder = false, bool LogQueries = false, int Port = 53);

/// <summary>
/// The DHCP server of one network inside the agent: the same <see cref="Dhcp4Engine"/> as <c>qdhcp serve</c>, its
/// sockets opened inside the network's namespace <c>qdhcp-&lt;id&gt;</c>, its leases recovered from the store and its
/// lease journal at start, every change journaled before its ACK (and compacted into the store by the runtime). No process of its own: every network's host lives in the agent's process, its
/// receive loops on the thread pool.
/// Unless DNS is off, also the network's DNS responder (as <c>qdhcp serve</c>'s): UDP and TCP on every address of
/// the DHCP port, inside the namespace, its zone built from the same configuration as the engine's and swapped with it.
/// </summary>
public sealed class NetworkHost : IAsyncDisposable
{
    // In the network's namespace there is only lo and its DHCP port (tap<11>), which may be replaced; serve taps.
    private static readonly InterfaceFilter DhcpPortFilter = new(["tap*"], ["lo"]);

    private readonly Dhcp4SocketServer _sockets;
    private readonly DnsResponder? _dns;
    private readonly DnsSocketServer? _dnsSockets;
    private readonly TimeProvider _time;
    private readonly Lock _reloadGate = new();
    private readonly ILogger _logger;
    private int _disposed;

    /// <param name="networkId">The network's id; its namespace is <c>qdhcp-&lt;id&gt;</c>.</param>
    /// <param name="configuration">What to serve (built from the store's network, subnets and ports).</param>
    /// <param name="leases">The network's lease table, loaded (by <paramref name="journal"/>'s <see cref="LeaseJournal.Open"/>).</param>
    /// <param name="journal">Where the table journals its changes; replies that change a lease wait for its commit. Null: not persisted.</param>
    /// <param name="dns">The DNS responder's settings; null: no DNS.</param>
    public NetworkHost(string networkId, string netnsName, Dhcp4Configuration configuration, Dhcp4LeaseTable leases, LeaseJournal? journal,
        ILoggerFactory loggerFactory, TimeProvider time, bool logEachRequest = false, NetworkDnsOptions? dns = null)
    {
        _time = time;
        NetworkId = networkId;
        Namespace = netnsName;
        _logger = loggerFactory.CreateLogger("qdhcp.agent.network");
        Journal = journal;
        Engine = new Dhcp4Engine(Dhcp4NetworkSnapshot.Compile(configuration), leases);
        _sockets = new Dhcp4SocketServer(Engine, DhcpPortFilter, time, loggerFactory.CreateLogger("qdhcp.dhcp"), journal)
        {
            LogEachRequest = logEachRequest,
            Scope = new NamespaceSocketScope(netnsName),
        };
        if (dns is not null)
        {
            NamespaceSocketScope scope = new(netnsName);
            _dns = new DnsResponder(DnsZoneBuilder.Build(configuration, null, DnsZoneBuilder.Serial(time)), new DnsResponderOptions(CanForward: dns.Upstreams.Count > 0));
            DnsForwarder? forwarder = dns.Upstreams.Count > 0 ? new DnsForwarder(dns.Upstreams, dns.StrictOrder) { Scope = scope } : null;
            _dnsSockets = new DnsSocketServer(_dns, forwarder, DhcpPortFilter, dns.Port, time, loggerFactory.CreateLogger("qdhcp.dns"), dns.LogQueries) { Scope = scope };
        }
    }

    public string NetworkId { get; }

    public string Namespace { get; }

    public Dhcp4Engine Engine { get; }

    /// <summary>The lease table's journal, or null when leases are not persisted.</summary>
    public LeaseJournal? Journal { get; }

    /// <summary>The interfaces served now (the DHCP port, once plumbed).</summary>
    public IReadOnlyList<ServerInterface> Interfaces => _sockets.Interfaces;

    /// <summary>
    /// Opens (or re-reads) the sockets: call after the namespace's DHCP port was plumbed or changed. Runs on a
    /// thread of its own inside the namespace. Returns bind errors (none when all is well).
    /// </summary>
    public IReadOnlyList<string> RefreshInterfaces()
    {
        IReadOnlyList<string> errors = _sockets.Refresh();
        if (_dnsSockets is not null)
        {
            errors = [.. errors, .. _dnsSockets.Refresh()];
        }

        foreach (string error in errors)
        {
            AgentLog.SocketError(_logger, NetworkId, error);
        }

        return errors;
    }

    /// <summary>
    /// Swaps in a new configuration: the next reply uses it, DHCP and DNS (the zone is rebuilt from it: a renamed,
    /// re-addressed or deleted port answers its new name, or nothing, at once); leases are kept.
    /// </summary>
    public void Reload(Dhcp4Configuration configuration)
    {
        lock (_reloadGate)
        {
            Engine.Reload(Dhcp4NetworkSnapshot.Compile(configuration));
            if (_dns is not null)
            {
                // The serial must grow with every change (SOA in negative answers); seconds alone may repeat.
                uint serial = Math.Max(DnsZoneBuilder.Serial(_time), _dns.Zone.Serial + 1);
                _dns.Zone = DnsZoneBuilder.Build(configuration, null, serial);
            }
        }
    }

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

        if (released > 0)
        {
            // Durable now rather than with the next DHCP batch: the address may be given to a new port next.
            Journal?.Commit();
        }

        return released;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _sockets.DisposeAsync().ConfigureAwait(false);
            if (_dnsSockets is not null)
            {
                await _dnsSockets.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
