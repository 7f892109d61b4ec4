using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Leases;

namespace Qdhcp.Transport.Dhcp4;

/// <summary>
/// Serves one engine on every interface the filter accepts, and follows interfaces as they come, go and change
/// addresses (dnsmasq's <c>--bind-dynamic</c>; Neutron plugs the port after starting the server, and may add a
/// subnet's address later). Interfaces are polled once a second: cheap, and no netlink code to get wrong.
/// With a <see cref="Scope"/> the server serves the interfaces of another network namespace (the agent's
/// <c>qdhcp-&lt;id&gt;</c>): each <see cref="Refresh"/> runs there whole, and whoever changes the interfaces calls
/// <see cref="Refresh"/> itself instead of polling with <see cref="RunAsync"/>.
/// </summary>
public sealed class Dhcp4SocketServer : IAsyncDisposable
{
    private readonly Dhcp4Engine _engine;
    private readonly InterfaceFilter _filter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LeaseJournal? _journal;
    private readonly Lock _engineGate = new();
    private readonly Dictionary<string, (Dhcp4InterfaceListener Listener, Task Loop)> _listeners = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <param name="journal">The journal of the engine's lease table (opened on it): replies that change a lease wait for its commit. Null: leases are not persisted.</param>
    public Dhcp4SocketServer(Dhcp4Engine engine, InterfaceFilter filter, TimeProvider time, ILogger logger, LeaseJournal? journal = null)
    {
        _engine = engine;
        _filter = filter;
        _time = time;
        _logger = logger;
        _journal = journal;
    }

    /// <summary><c>--log-dhcp</c>: log every request.</summary>
    public bool LogEachRequest { get; init; }

    /// <summary>
    /// The receive buffer of each interface's socket, in bytes (<c>--dhcp-receive-buffer</c>); 0 leaves the kernel's
    /// default (net.core.rmem_default, 208 KiB on Debian). See <see cref="ReceiveBuffer"/> for why it is large.
    /// </summary>
    public int ReceiveBufferBytes { get; init; } = ReceiveBuffer.DefaultBytes;

    /// <summary>
    /// Where sockets are opened and interfaces read; null: the calling thread's namespace (<c>qdhcp serve</c>).
    /// With a scope, listeners also open their AF_PACKET socket at once, inside the scope.
    /// </summary>
    public ISocketScope? Scope { get; init; }

    /// <summary>How often interfaces are looked at again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The interfaces being served now.</summary>
    public IReadOnlyList<ServerInterface> Interfaces
    {
        get
        {
            lock (_listeners)
            {
                return _listeners.Values.Select(l => l.Listener.Interface).ToList();
            }
        }
    }

    /// <summary>Looks at the interfaces once: starts, updates and stops listeners. Returns the bind errors of this pass.</summary>
    public IReadOnlyList<string> Refresh() => Scope is { } scope ? scope.Run(RefreshHere) : RefreshHere();

    // Synchronous from the interface read to the last bind: with a scope, all of it runs on the namespace's thread.
    private IReadOnlyList<string> RefreshHere()
    {
        List<string> errors = [];
        Dictionary<string, ServerInterface> current = InterfaceDiscovery.Read(_filter);
        lock (_listeners)
        {
            foreach ((string name, (Dhcp4InterfaceListener listener, Task _)) in _listeners.ToList())
            {
                if (!current.TryGetValue(name, out ServerInterface? seen) || seen.Index != listener.Interface.Index)
                {
                    listener.Dispose();
                    _listeners.Remove(name);
                    TransportLog.InterfaceGone(_logger, name);
                }
                else if (!seen.Addresses.SequenceEqual(listener.Interface.Addresses) || seen.Mac != listener.Interface.Mac)
                {
                    listener.Interface = seen;
                    TransportLog.AddressesChanged(_logger, name, string.Join(", ", seen.Addresses));
                }
            }

            foreach ((string name, ServerInterface serverInterface) in current)
            {
                if (_listeners.ContainsKey(name))
                {
                    continue;
                }

                try
                {
                    Dhcp4InterfaceListener listener = new(serverInterface, _engine, _engineGate, _time, _logger, _journal, openRawSocketNow: Scope is not null,
                        receiveBufferBytes: ReceiveBufferBytes) { LogEachRequest = LogEachRequest };
                    _listeners[name] = (listener, Task.Run(() => listener.RunAsync(_stopping.Token)));
                    TransportLog.Listening(_logger, name, string.Join(", ", serverInterface.Addresses));
                    if (listener.ReceiveBufferBytes < ReceiveBufferBytes)
                    {
                        TransportLog.ReceiveBufferCapped(_logger, name, listener.ReceiveBufferBytes / 1024, ReceiveBufferBytes / 1024);
                    }
                }
                catch (SocketException e)
                {
                    TransportLog.BindFailed(_logger, name, e.Message);
                    errors.Add($"cannot listen for DHCP on {name} (0.0.0.0:67): {e.Message}");
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
        List<Task> loops;
        lock (_listeners)
        {
            loops = [.. _listeners.Values.Select(l => l.Loop)];
            foreach ((Dhcp4InterfaceListener listener, Task _) in _listeners.Values)
            {
                listener.Dispose();
            }

            _listeners.Clear();
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
