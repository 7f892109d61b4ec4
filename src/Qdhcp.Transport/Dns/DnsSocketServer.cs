using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Qdhcp.Dns;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Transport.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Transport.Dns;

/// <summary>
/// Serves DNS on every IPv4 address of every interface the filter accepts, UDP and TCP, on the DNS port (dnsmasq's
/// <c>--port</c>); follows interfaces and addresses as they come and go, polling once a second like the DHCP side.
/// Binding to each address (never the wildcard) keeps the service on the DHCP port's address only, as Neutron
/// expects: the VM's DNS server is the DHCP port.
/// With a <see cref="Scope"/> (the agent) the interfaces of another network namespace are served: each
/// <see cref="Refresh"/> runs there whole, and whoever changes the interfaces calls it instead of polling.
/// </summary>
public sealed class DnsSocketServer : IAsyncDisposable
{
    private readonly InterfaceFilter _filter;
    private readonly int _port;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DnsQueryHandler _handler;
    private readonly Dictionary<(string Interface, IPv4Address Address), Endpoint> _endpoints = [];
    private readonly HashSet<(string Interface, IPv4Address Address)> _reportedFailures = [];
    private readonly CancellationTokenSource _stopping = new();
    private IPv4Subnet[] _localSubnets = [];

    public DnsSocketServer(DnsResponder responder, DnsForwarder? forwarder, InterfaceFilter filter, int port, TimeProvider time, ILogger logger, bool logQueries = false)
    {
        _filter = filter;
        _port = port;
        _time = time;
        _logger = logger;
        _handler = new DnsQueryHandler(responder, forwarder, () => Volatile.Read(ref _localSubnets), logger, logQueries);
    }

    /// <summary>Where sockets are opened and interfaces read; null: the calling thread's namespace (<c>qdhcp serve</c>).</summary>
    public ISocketScope? Scope { get; init; }

    /// <summary>How often interfaces are looked at again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The subnets of the served interfaces: local clients, local reverse zones.</summary>
    public IReadOnlyList<IPv4Subnet> LocalSubnets => Volatile.Read(ref _localSubnets);

    /// <summary>Looks at the interfaces once: binds new addresses, closes gone ones. Returns this pass's bind errors.</summary>
    public IReadOnlyList<string> Refresh() => Scope is { } scope ? scope.Run(RefreshHere) : RefreshHere();

    // Synchronous from the interface read to the last bind: with a scope, all of it runs on the namespace's thread.
    private IReadOnlyList<string> RefreshHere()
    {
        List<string> errors = [];
        Dictionary<string, ServerInterface> interfaces = InterfaceDiscovery.Read(_filter);
        HashSet<(string, IPv4Address)> wanted = [];
        List<IPv4Subnet> subnets = [];
        foreach (ServerInterface serverInterface in interfaces.Values)
        {
            foreach (InterfaceAddress address in serverInterface.Addresses)
            {
                wanted.Add((serverInterface.Name, address.Address));
                if (!subnets.Contains(address.Subnet))
                {
                    subnets.Add(address.Subnet);
                }
            }
        }

        Volatile.Write(ref _localSubnets, [.. subnets]);
        lock (_endpoints)
        {
            foreach (((string name, IPv4Address address) key, Endpoint endpoint) in _endpoints.ToList())
            {
                if (!wanted.Contains(key))
                {
                    endpoint.Dispose();
                    _endpoints.Remove(key);
                    DnsLog.Stopped(_logger, key.address, _port, key.name);
                }
            }

            _reportedFailures.RemoveWhere(k => !wanted.Contains(k));
            foreach ((string name, IPv4Address address) key in wanted)
            {
                if (_endpoints.ContainsKey(key))
                {
                    continue;
                }

                DnsUdpListener? udp = null;
                try
                {
                    udp = new DnsUdpListener(key.address, _port, _handler);
                    DnsTcpListener tcp = new(key.address, _port, _handler);
                    _endpoints[key] = new Endpoint(udp, tcp, Task.Run(() => udp.RunAsync(_stopping.Token)), Task.Run(() => tcp.RunAsync(_stopping.Token)));
                    _reportedFailures.Remove(key);
                    DnsLog.Listening(_logger, key.address, _port, key.name);
                }
                catch (SocketException e)
                {
                    udp?.Dispose();
                    errors.Add($"cannot listen for DNS on {key.address}:{_port} ({key.name}): {e.Message}");
                    if (_reportedFailures.Add(key))
                    {
                        DnsLog.BindFailed(_logger, key.address, _port, key.name, e.Message);
                    }
                }
            }
        }

        return errors;
    }

    /// <summary>Polls interfaces until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        InterfacePolling.RunAsync(() => Refresh(), PollInterval, _time, cancellationToken, _stopping.Token);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        List<Task> loops = [];
        lock (_endpoints)
        {
            foreach (Endpoint endpoint in _endpoints.Values)
            {
                loops.Add(endpoint.UdpLoop);
                loops.Add(endpoint.TcpLoop);
                endpoint.Dispose();
            }

            _endpoints.Clear();
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private sealed record Endpoint(DnsUdpListener Udp, DnsTcpListener Tcp, Task UdpLoop, Task TcpLoop) : IDisposable
    {
        public void Dispose()
        {
            Udp.Dispose();
            Tcp.Dispose();
        }
    }
}
