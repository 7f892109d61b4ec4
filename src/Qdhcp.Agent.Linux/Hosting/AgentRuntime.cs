using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Qdhcp.Agent.Dhcp;
using Qdhcp.Agent.Linux.Plumbing;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Engine.Model;
using Qdhcp.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Linux.Hosting;

/// <summary>Builds a network's DHCP configuration from the store's view of it (the network, its subnets, its ports).</summary>
public delegate Dhcp4Configuration NetworkConfigurationBuilder(Network network, IReadOnlyList<Subnet> subnets, IReadOnlyList<Port> ports);

/// <summary>How the runtime is set up.</summary>
/// <param name="AgentHostId">Names the DHCP ports this agent creates (<c>device_id</c> <c>dhcp&lt;host&gt;-&lt;network&gt;</c>, as Neutron).</param>
public sealed record AgentRuntimeOptions(string AgentHostId = "qdhcp")
{
    /// <summary>Network + subnets + ports -> what the engine serves; by default <see cref="NetworkDhcpConfigurationBuilder"/> with its defaults.</summary>
    public NetworkConfigurationBuilder BuildConfiguration { get; init; } = static (network, subnets, ports) => NetworkDhcpConfigurationBuilder.Build(network, subnets, ports);

    /// <summary><c>--log-dhcp</c> for every network.</summary>
    public bool LogEachRequest { get; init; }

    /// <summary>
    /// Every network's DNS responder (on the DHCP port's addresses, port 53, UDP and TCP): its upstreams, by default
    /// none (names outside the network's zone are REFUSED). Null turns DNS off (then also build configurations with
    /// <see cref="NetworkDhcpSettings.DnsEnabled"/> false, so DHCP does not announce the DHCP port as DNS server).
    /// </summary>
    public NetworkDnsOptions? Dns { get; init; } = new([]);

    /// <summary>
    /// Where each network's lease journal lives (<c>&lt;network id&gt;.journal</c>): <c>qdhcp agent</c> uses
    /// <c>&lt;state dir&gt;/leases</c>. Null: a temporary directory removed at dispose, so leases outlive only a clean
    /// stop (tests and benches).
    /// </summary>
    public string? LeaseJournalDirectory { get; init; }
}

/// <summary>What the last full resync did, and how long it took.</summary>
public sealed record ResyncReport(int Networks, int Changed, int Untouched, int Removed, int Commands, TimeSpan ReadTime, TimeSpan ApplyTime, TimeSpan Total,
    IReadOnlyDictionary<string, string> Failures);

/// <summary>
/// The agent: one process that serves every network of the store, each from its own namespace, with the same engine
/// as <c>qdhcp serve</c>.
/// <list type="bullet">
/// <item><see cref="StartAsync"/>: full resync. Reads the store and the machine, opens the sockets of the networks
///   whose plumbing is already right at once (renewals are answered before anything else is done), applies the
///   plan (missing namespaces, ports and bridges made; stale ones this agent owns removed), then opens the rest.</item>
/// <item>Then every <see cref="INetworkStore.Changed"/> re-reads that network and applies it: the engine's
///   configuration and the DNS zone are swapped (a port created, changed or deleted is served by the next reply); a deleted port's
///   leases are released in-process; the plumbing is planned and applied only when the DHCP port or the subnets
///   changed; the DHCP port is created when the network gets its first DHCP-enabled subnet; a deleted network's
///   sockets are closed and its namespace removed.</item>
/// <item>Leases: every change is journaled per network before its ACK (<see cref="LeaseJournal"/>) and compacted into
///   the store in the background; at start a network's leases are the store's plus its journal replayed.</item>
/// <item><see cref="DisposeAsync"/>: closes the sockets and compacts the leases into the store. The plumbing stays, so a
///   restarted agent finds every network right and serves it at once.</item>
/// </list>
/// Changes to one network are applied one at a time, in the order of the store; different networks in parallel.
/// </summary>
public sealed class AgentRuntime : IAsyncDisposable
{
    private readonly INetworkStore _store;
    private readonly INetworkPlumbing _plumbing;
    private readonly AgentRuntimeOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, NetworkHost> _hosts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NetworkState> _state = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NetworkWorker> _workers = new(StringComparer.Ordinal);
    private readonly LeaseCompactor _compactor = new();
    private readonly string _journalDirectory;
    private readonly bool _ownsJournalDirectory;
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _started;
    private int _disposed;

    public AgentRuntime(INetworkStore store, INetworkPlumbing plumbing, AgentRuntimeOptions options, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        _store = store;
        _plumbing = plumbing;
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("qdhcp.agent");
        _time = time ?? TimeProvider.System;
        _ownsJournalDirectory = options.LeaseJournalDirectory is null;
        _journalDirectory = options.LeaseJournalDirectory ?? Directory.CreateTempSubdirectory("qdhcp-leases-").FullName;
        Directory.CreateDirectory(_journalDirectory);
    }

    /// <summary>The last full resync (null before <see cref="StartAsync"/> finished).</summary>
    public ResyncReport? LastResync { get; private set; }

    /// <summary>The error of the last change applied to each network that failed (cleared when one succeeds).</summary>
    public IReadOnlyDictionary<string, string> Errors => _state.Where(s => s.Value.Error is not null).ToDictionary(s => s.Key, s => s.Value.Error!);

    /// <summary>The networks served now.</summary>
    public IReadOnlyCollection<string> NetworksServed => [.. _hosts.Keys];

    /// <summary>Subscribes to the store and runs the full resync; returns once every network is served.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // Subscribe first: a change committed during the resync is applied after it (workers wait for _started).
        _store.Changed += OnStoreChanged;
        long started = Stopwatch.GetTimestamp();
        IReadOnlyList<Network> networks = await _store.ListNetworksAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<Subnet> allSubnets = await _store.ListSubnetsAsync(null, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<Port> allPorts = await _store.ListPortsAsync(null, cancellationToken).ConfigureAwait(false);
        ILookup<string, Subnet> subnetsByNetwork = allSubnets.ToLookup(s => s.NetworkId, StringComparer.Ordinal);
        ILookup<string, Port> portsByNetwork = allPorts.ToLookup(p => p.NetworkId, StringComparer.Ordinal);

        List<Desired> desired = [];
        foreach (Network network in networks)
        {
            Desired? d = await DescribeAsync(network, [.. subnetsByNetwork[network.Id]], [.. portsByNetwork[network.Id]], cancellationToken).ConfigureAwait(false);
            if (d is not null)
            {
                desired.Add(d);
            }
        }

        long read = Stopwatch.GetTimestamp();
        // Only what matters is read: the desired networks' namespaces and those this agent owns (stale ones among them).
        PlumbingState actual = _plumbing.ReadActual([.. desired.Select(d => d.Plumbing.Namespace).Union(_plumbing.Owned.Namespaces.Keys)]);
        LinuxPlumbingPlan plan = _plumbing.Plan(desired.Select(d => d.Plumbing), actual, removeStale: true);
        TimeSpan readTime = Stopwatch.GetElapsedTime(read);
        HashSet<string> changed = new(plan.ChangedNetworks, StringComparer.Ordinal);

        // Networks that are right: serve them now, before touching anything else.
        Dictionary<string, IReadOnlyList<LeaseRecord>> leases = await LoadLeasesAsync(desired, cancellationToken).ConfigureAwait(false);
        OpenHosts(desired.Where(d => !changed.Contains(d.Network.Id)), leases);

        long apply = Stopwatch.GetTimestamp();
        IReadOnlyDictionary<string, string> failures = _plumbing.Apply(plan);
        TimeSpan applyTime = Stopwatch.GetElapsedTime(apply);
        foreach (string ns in plan.RemovedNamespaces)
        {
            AgentLog.StaleRemoved(_logger, "namespace", ns);
        }

        OpenHosts(desired.Where(d => changed.Contains(d.Network.Id)), leases);
        LastResync = new ResyncReport(desired.Count, changed.Count, desired.Count - changed.Count, plan.RemovedNamespaces.Count, plan.CommandCount,
            readTime, applyTime, Stopwatch.GetElapsedTime(started), failures);
        AgentLog.Resynced(_logger, desired.Count, plan.CommandCount, desired.Count - changed.Count, LastResync.Total.TotalMilliseconds);
        _started = true;

        // Changes that arrived during the resync.
        foreach (NetworkWorker worker in _workers.Values)
        {
            worker.Kick();
        }
    }

    /// <summary>Waits until every change seen so far has been applied (tests, and the API's "applied" answer).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (_workers.Values.FirstOrDefault(w => w.Busy) is { } busy)
        {
            await busy.WhenIdleAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The live leases of a network, or null when it is not served here.</summary>
    public IReadOnlyList<LeaseRecord>? GetLeases(string networkId) => _hosts.TryGetValue(networkId, out NetworkHost? host) ? host.Engine.Leases.ToRecords() : null;

    /// <summary>Every served network's lease journal counters, by network id.</summary>
    public IReadOnlyDictionary<string, LeaseJournalCounters> GetLeaseJournalCounters() =>
        _hosts.Where(h => h.Value.Journal is not null).ToDictionary(h => h.Key, h => h.Value.Journal!.Counters, StringComparer.Ordinal);

    /// <summary>Every served network's packet counters, by network id.</summary>
    public IReadOnlyDictionary<string, Dhcp4Counters> GetCounters() => _hosts.ToDictionary(h => h.Key, h => h.Value.Engine.Counters, StringComparer.Ordinal);

    /// <summary>Healthy when started and no network has a pending error or an unwritable lease journal; the status says which failed.</summary>
    public (bool Healthy, string Status, int NetworksServed) GetHealth()
    {
        if (!_started)
        {
            return (false, "resync in progress", _hosts.Count);
        }

        Dictionary<string, string> errors = new(Errors, StringComparer.Ordinal);
        foreach ((string id, NetworkHost host) in _hosts)
        {
            if (host.Journal is { IsHealthy: false } journal)
            {
                errors.TryAdd(id, $"cannot write the lease journal {journal.Path}: new bindings are refused");
            }
        }

        return errors.Count == 0
            ? (true, "ok", _hosts.Count)
            : (false, $"{errors.Count} network(s) failing: " + string.Join("; ", errors.Take(3).Select(e => $"{e.Key}: {e.Value}")), _hosts.Count);
    }

    private void OnStoreChanged(StoreChange change)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        NetworkWorker worker = _workers.GetOrAdd(change.NetworkId, id => new NetworkWorker(id, this));
        worker.Post(change);
        if (_started)
        {
            worker.Kick();
        }
    }

    /// <summary>Applies one network's pending changes: re-reads it from the store and brings engine, plumbing and sockets in line.</summary>
    private async Task SyncNetworkAsync(string networkId, IReadOnlyList<StoreChange> changes)
    {
        long started = Stopwatch.GetTimestamp();
        NetworkState state = _state.GetOrAdd(networkId, _ => new NetworkState());
        try
        {
            CancellationToken token = _stopping.Token;
            Network? network = await _store.GetNetworkAsync(networkId, token).ConfigureAwait(false);
            Desired? desired = null;
            if (network is not null)
            {
                IReadOnlyList<Subnet> subnets = await _store.ListSubnetsAsync(networkId, token).ConfigureAwait(false);
                IReadOnlyList<Port> ports = await _store.ListPortsAsync(networkId, token).ConfigureAwait(false);
                desired = await DescribeAsync(network, subnets, ports, token).ConfigureAwait(false);
            }

            if (desired is null)
            {
                await RemoveNetworkAsync(networkId, network).ConfigureAwait(false);
                state.Error = null;
                return;
            }

            if (_hosts.TryGetValue(networkId, out NetworkHost? host))
            {
                // The engine first: a port change is served by the next reply, whatever the plumbing does next.
                host.Reload(desired.Configuration);
                ReleaseStalePortLeases(host, state.Ports, desired.Ports);
            }

            if (host is null || state.Plumbing is null || !SamePlumbing(state.Plumbing, desired.Plumbing))
            {
                PlumbingState actual = _plumbing.ReadActual([desired.Plumbing.Namespace]);
                LinuxPlumbingPlan plan = _plumbing.Plan([desired.Plumbing], actual, removeStale: false);
                IReadOnlyDictionary<string, string> failures = _plumbing.Apply(plan);
                if (failures.Count > 0)
                {
                    throw new PlumbingException(string.Join("; ", failures.Values));
                }

                if (host is null)
                {
                    IReadOnlyList<LeaseRecord> leases = await _store.ListLeasesAsync(networkId, token).ConfigureAwait(false);
                    OpenHost(desired, leases);
                }
                else
                {
                    host.RefreshInterfaces();
                }
            }

            state.Plumbing = desired.Plumbing;
            state.Ports = desired.Ports;
            state.Error = null;
            AgentLog.ChangeApplied(_logger, networkId, string.Join(",", changes.Select(c => c.Kind).Distinct()), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            state.Error = e.Message;
            AgentLog.NetworkFailed(_logger, networkId, e.Message);
        }
    }

    private async Task RemoveNetworkAsync(string networkId, Network? network)
    {
        if (_hosts.TryRemove(networkId, out NetworkHost? host))
        {
            // Sockets first: an open socket keeps its namespace alive.
            await host.DisposeAsync().ConfigureAwait(false);
            if (host.Journal is { } journal)
            {
                _compactor.Remove(journal);
                journal.Delete();
            }
        }

        _state.TryRemove(networkId, out _);
        string ns = network?.Namespace ?? "qdhcp-" + networkId;
        string bridge = network?.Bridge ?? Network.DefaultBridgeName(networkId);
        if (_plumbing.Owned.Namespaces.ContainsKey(ns))
        {
            PlumbingState actual = _plumbing.ReadActual([ns]);
            LinuxPlumbingPlan plan = _plumbing.Plan([], actual, removeStale: true, new Dictionary<string, string> { [ns] = bridge });
            _plumbing.Apply(plan);
            AgentLog.NetworkRemoved(_logger, networkId);
        }
    }

    /// <summary>A port gone, or its MAC or addresses changed: its old leases are released, as Neutron's agent does with dhcp_release.</summary>
    private void ReleaseStalePortLeases(NetworkHost host, IReadOnlyDictionary<string, Port>? before, IReadOnlyDictionary<string, Port> now)
    {
        if (before is null)
        {
            return;
        }

        foreach ((string id, Port old) in before)
        {
            now.TryGetValue(id, out Port? current);
            if (current is not null && current.MacAddress == old.MacAddress && current.FixedIps.SequenceEqual(old.FixedIps))
            {
                continue;
            }

            HashSet<string> kept = current is not null && current.MacAddress == old.MacAddress ? [.. current.FixedIps.Select(f => f.IpAddress)] : [];
            List<IPv4Address> gone = [.. old.FixedIps.Where(f => !kept.Contains(f.IpAddress) && IPv4Address.TryParse(f.IpAddress, out _)).Select(f => IPv4Address.Parse(f.IpAddress))];
            if (gone.Count > 0 && MacAddress.TryParse(old.MacAddress, out MacAddress mac))
            {
                int released = host.Release(mac, gone);
                if (released > 0)
                {
                    AgentLog.LeasesReleased(_logger, host.NetworkId, released, id);
                }
            }
        }
    }

    /// <summary>
    /// What a network needs, or null when it needs no DHCP server (deleted, admin down, no DHCP-enabled IPv4 subnet).
    /// Creates the network's DHCP port (device_owner network:dhcp, addresses from IPAM) when it has none, and gives
    /// it an address on a DHCP-enabled subnet it lacks one on, as Neutron's DHCP agent does.
    /// </summary>
    private async Task<Desired?> DescribeAsync(Network network, IReadOnlyList<Subnet> subnets, IReadOnlyList<Port> ports, CancellationToken cancellationToken)
    {
        List<Subnet> dhcpSubnets = [.. subnets.Where(s => s.EnableDhcp && !s.Cidr.Contains(':'))];
        if (!network.AdminStateUp || dhcpSubnets.Count == 0)
        {
            return null;
        }

        Port? dhcpPort = ports.FirstOrDefault(p => p.IsDhcpPort);
        if (dhcpPort is null)
        {
            dhcpPort = await _store.CreatePortAsync(new PortRequest(null, network.Id, string.Empty, null,
                [.. dhcpSubnets.Select(s => new FixedIpRequest(s.Id, null))], Port.DhcpDeviceOwner,
                $"dhcp{_options.AgentHostId}-{network.Id}", null, []), cancellationToken).ConfigureAwait(false);
            ports = [.. ports, dhcpPort];
        }
        else if (dhcpSubnets.Any(s => !dhcpPort.FixedIps.Any(f => f.SubnetId == s.Id)))
        {
            List<FixedIpRequest> fixedIps = [.. dhcpPort.FixedIps.Select(f => new FixedIpRequest(f.SubnetId, f.IpAddress))];
            fixedIps.AddRange(dhcpSubnets.Where(s => !dhcpPort.FixedIps.Any(f => f.SubnetId == s.Id)).Select(s => new FixedIpRequest(s.Id, null)));
            Port updated = await _store.UpdatePortAsync(dhcpPort.Id, new PortUpdate(FixedIps: fixedIps), cancellationToken).ConfigureAwait(false);
            ports = [.. ports.Select(p => p.Id == updated.Id ? updated : p)];
            dhcpPort = updated;
        }

        List<string> addresses = [];
        foreach (Subnet subnet in dhcpSubnets)
        {
            FixedIp? ip = dhcpPort.FixedIps.FirstOrDefault(f => f.SubnetId == subnet.Id);
            if (ip is not null)
            {
                addresses.Add($"{ip.IpAddress}/{subnet.Cidr[(subnet.Cidr.IndexOf('/') + 1)..]}");
            }
        }

        string? gateway = dhcpSubnets.Select(s => s.GatewayIp).FirstOrDefault(g => !string.IsNullOrEmpty(g));
        NetworkPlumbing plumbing = new(network.Id, network.Namespace, network.Bridge, dhcpPort.TapName, NetworkPlumbing.PeerNameFor(dhcpPort.Id),
            dhcpPort.MacAddress.ToLowerInvariant(), addresses, network.Mtu, gateway);
        Dhcp4Configuration configuration = _options.BuildConfiguration(network, subnets, ports);
        return new Desired(network, plumbing, configuration, ports.ToDictionary(p => p.Id, StringComparer.Ordinal));
    }

    private async Task<Dictionary<string, IReadOnlyList<LeaseRecord>>> LoadLeasesAsync(List<Desired> desired, CancellationToken cancellationToken)
    {
        Dictionary<string, IReadOnlyList<LeaseRecord>> leases = new(StringComparer.Ordinal);
        foreach (Desired d in desired)
        {
            leases[d.Network.Id] = await _store.ListLeasesAsync(d.Network.Id, cancellationToken).ConfigureAwait(false);
        }

        return leases;
    }

    private void OpenHosts(IEnumerable<Desired> desired, Dictionary<string, IReadOnlyList<LeaseRecord>> leases)
    {
        Parallel.ForEach(desired, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, d =>
        {
            try
            {
                OpenHost(d, leases.TryGetValue(d.Network.Id, out IReadOnlyList<LeaseRecord>? l) ? l : []);
                NetworkState state = _state.GetOrAdd(d.Network.Id, _ => new NetworkState());
                state.Plumbing = d.Plumbing;
                state.Ports = d.Ports;
            }
            catch (Exception e)
            {
                _state.GetOrAdd(d.Network.Id, _ => new NetworkState()).Error = e.Message;
                AgentLog.NetworkFailed(_logger, d.Network.Id, e.Message);
            }
        });
    }

    private void OpenHost(Desired desired, IReadOnlyList<LeaseRecord> leases)
    {
        // Leases of MACs that no longer have a port here were released while the agent was away: drop them.
        HashSet<(string, string)> reserved = [.. desired.Ports.Values.SelectMany(p => p.FixedIps.Select(f => (p.MacAddress.ToLowerInvariant(), f.IpAddress)))];
        string networkId = desired.Network.Id;
        Dhcp4LeaseTable table = new();
        LeaseJournal journal = new(Path.Combine(_journalDirectory, networkId + ".journal"), new StoreLeasePersistence(_store, networkId, leases),
            LeaseCompactionPolicy.Store, _loggerFactory.CreateLogger("qdhcp.leases"), _time);
        journal.Open(table, l => reserved.Contains((l.Mac.ToString().ToLowerInvariant(), l.Address.ToString())));
        NetworkHost host = new(networkId, desired.Plumbing.Namespace, desired.Configuration, table, journal, _loggerFactory, _time, _options.LogEachRequest, _options.Dns);
        if (!_hosts.TryAdd(networkId, host))
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            journal.Dispose();
            return;
        }

        _compactor.Add(journal);

        host.RefreshInterfaces();
    }

    private static bool SamePlumbing(NetworkPlumbing a, NetworkPlumbing b) =>
        a with { Addresses = [] } == b with { Addresses = [] } && a.Addresses.SequenceEqual(b.Addresses, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _store.Changed -= OnStoreChanged;
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (NetworkWorker worker in _workers.Values)
        {
            await worker.WhenIdleAsync(CancellationToken.None).ConfigureAwait(false);
        }

        foreach (NetworkHost host in _hosts.Values)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }

        // After the sockets: the last commit and compaction see every change.
        _compactor.Dispose();
        foreach (NetworkHost host in _hosts.Values)
        {
            host.Journal?.Dispose();
        }

        _hosts.Clear();
        if (_ownsJournalDirectory)
        {
            Directory.Delete(_journalDirectory, recursive: true);
        }

        _stopping.Dispose();
    }

    private sealed record Desired(Network Network, NetworkPlumbing Plumbing, Dhcp4Configuration Configuration, IReadOnlyDictionary<string, Port> Ports);

    private sealed class NetworkState
    {
        public NetworkPlumbing? Plumbing { get; set; }

        public IReadOnlyDictionary<string, Port>? Ports { get; set; }

        public string? Error { get; set; }
    }

    /// <summary>Serializes one network's changes: changes that arrive while one is applied are coalesced into the next pass.</summary>
    private sealed class NetworkWorker(string networkId, AgentRuntime runtime)
    {
        private readonly Lock _gate = new();
        private List<StoreChange> _pending = [];
        private Task _running = Task.CompletedTask;
        private bool _active;

        public bool Busy
        {
            get
            {
                lock (_gate)
                {
                    return (_pending.Count > 0 && runtime._started && !runtime._stopping.IsCancellationRequested) || _active;
                }
            }
        }

        public void Post(StoreChange change)
        {
            lock (_gate)
            {
                _pending.Add(change);
            }
        }

        public void Kick()
        {
            lock (_gate)
            {
                if (_pending.Count == 0 || _active)
                {
                    return;
                }

                _active = true;
                _running = Task.Run(RunAsync);
            }
        }

        public async Task WhenIdleAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                Task running;
                lock (_gate)
                {
                    running = _running;
                    if (!_active && (_pending.Count == 0 || runtime._stopping.IsCancellationRequested || !runtime._started))
                    {
                        return;
                    }
                }

                await running.WaitAsync(cancellationToken).ConfigureAwait(false);
                await Task.Yield();
            }
        }

        private async Task RunAsync()
        {
            while (true)
            {
                List<StoreChange> batch;
                lock (_gate)
                {
                    if (_pending.Count == 0 || runtime._stopping.IsCancellationRequested)
                    {
                        _active = false;
                        return;
                    }

                    batch = _pending;
                    _pending = [];
                }

                await runtime.SyncNetworkAsync(networkId, batch).ConfigureAwait(false);
            }
        }
    }
}
