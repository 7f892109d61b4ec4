using Qdhcp.Agent.Ipam;
using Qdhcp.Agent.Model;
using Qdhcp.Engine.Leases;

namespace Qdhcp.Agent.Store;

/// <summary>
/// An <see cref="INetworkStore"/> in memory: for tests and for an agent that keeps nothing across restarts.
/// </summary>
/// <remarks>
/// One lock guards everything. A write loads the network's state, runs <see cref="NetworkRules"/> on it (which
/// throw before anything is touched), then applies the result: so a write happens whole or not at all.
/// <see cref="Changed"/> is raised after the lock is released, on the writer's thread; two concurrent writers'
/// events may arrive in either order, so a listener re-reads the store rather than relying on event order.
/// Lists come back in creation order.
/// </remarks>
public sealed class InMemoryNetworkStore : INetworkStore
{
    private readonly Lock _lock = new();
    private readonly MacAddressGenerator _macs;
    private readonly Dictionary<string, Entry<Network>> _networks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry<Subnet>> _subnets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry<Port>> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LeaseRecord[]> _leases = new(StringComparer.Ordinal);
    private long _sequence;

    /// <param name="macs">Where generated MACs come from; a seeded one makes tests reproducible.</param>
    public InMemoryNetworkStore(MacAddressGenerator? macs = null) => _macs = macs ?? new MacAddressGenerator();

    /// <inheritdoc/>
    public event Action<StoreChange>? Changed;

    /// <inheritdoc/>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task<IReadOnlyList<Network>> ListNetworksAsync(CancellationToken cancellationToken = default) =>
        Read(() => Ordered(_networks.Values));

    /// <inheritdoc/>
    public Task<Network?> GetNetworkAsync(string id, CancellationToken cancellationToken = default) =>
        Read(() => _networks.TryGetValue(id, out Entry<Network>? e) ? e.Value : null);

    /// <inheritdoc/>
    public Task<Network> CreateNetworkAsync(Network network, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, changes =>
        {
            Network prepared = NetworkRules.PrepareNetwork(network);
            if (_networks.ContainsKey(prepared.Id))
            {
                throw new StoreConflictException("id", $"network {prepared.Id} already exists");
            }

            CheckBridgeFree(prepared);
            _networks[prepared.Id] = new Entry<Network>(++_sequence, prepared);
            changes.Add(new StoreChange(StoreChangeKind.NetworkCreated, prepared.Id, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task<Network> UpdateNetworkAsync(Network network, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, changes =>
        {
            Entry<Network> current = _networks.TryGetValue(network.Id, out Entry<Network>? e) ? e : throw new StoreNotFoundException("network", network.Id);
            Network prepared = NetworkRules.PrepareNetwork(network, current.Value);
            CheckBridgeFree(prepared);
            _networks[prepared.Id] = current with { Value = prepared };
            changes.Add(new StoreChange(StoreChangeKind.NetworkUpdated, prepared.Id, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task DeleteNetworkAsync(string id, CancellationToken cancellationToken = default) =>
        Write<object?>(cancellationToken, changes =>
        {
            if (!_networks.Remove(id))
            {
                throw new StoreNotFoundException("network", id);
            }

            RemoveWhere(_subnets, s => s.NetworkId == id);
            RemoveWhere(_ports, p => p.NetworkId == id);
            _leases.Remove(id);
            changes.Add(new StoreChange(StoreChangeKind.NetworkDeleted, id, id));
            return null;
        });

    /// <inheritdoc/>
    public Task<IReadOnlyList<Subnet>> ListSubnetsAsync(string? networkId = null, CancellationToken cancellationToken = default) =>
        Read(() => Ordered(_subnets.Values.Where(e => networkId is null || e.Value.NetworkId == networkId)));

    /// <inheritdoc/>
    public Task<Subnet?> GetSubnetAsync(string id, CancellationToken cancellationToken = default) =>
        Read(() => _subnets.TryGetValue(id, out Entry<Subnet>? e) ? e.Value : null);

    /// <inheritdoc/>
    public Task<Subnet> CreateSubnetAsync(Subnet subnet, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, changes =>
        {
            NetworkState state = StateOf(subnet.NetworkId);
            Subnet prepared = NetworkRules.PrepareSubnet(subnet, state);
            if (_subnets.ContainsKey(prepared.Id))
            {
                throw new StoreConflictException("id", $"subnet {prepared.Id} already exists");
            }

            _subnets[prepared.Id] = new Entry<Subnet>(++_sequence, prepared);
            changes.Add(new StoreChange(StoreChangeKind.SubnetCreated, prepared.NetworkId, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task<Subnet> UpdateSubnetAsync(Subnet subnet, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, changes =>
        {
            Entry<Subnet> current = _subnets.TryGetValue(subnet.Id, out Entry<Subnet>? e) ? e : throw new StoreNotFoundException("subnet", subnet.Id);
            NetworkState state = StateOf(current.Value.NetworkId);
            Subnet prepared = NetworkRules.PrepareSubnet(subnet, state, current.Value);
            _subnets[prepared.Id] = current with { Value = prepared };
            changes.Add(new StoreChange(StoreChangeKind.SubnetUpdated, prepared.NetworkId, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task DeleteSubnetAsync(string id, CancellationToken cancellationToken = default) =>
        Write<object?>(cancellationToken, changes =>
        {
            Entry<Subnet> current = _subnets.TryGetValue(id, out Entry<Subnet>? e) ? e : throw new StoreNotFoundException("subnet", id);
            NetworkState state = StateOf(current.Value.NetworkId);
            IReadOnlyList<Port> updated = NetworkRules.PrepareSubnetDelete(current.Value, state);
            foreach (Port port in updated)
            {
                _ports[port.Id] = _ports[port.Id] with { Value = port };
                changes.Add(new StoreChange(StoreChangeKind.PortUpdated, port.NetworkId, port.Id));
            }

            _subnets.Remove(id);
            changes.Add(new StoreChange(StoreChangeKind.SubnetDeleted, current.Value.NetworkId, id));
            return null;
        });

    /// <inheritdoc/>
    public Task<IReadOnlyList<Port>> ListPortsAsync(string? networkId = null, CancellationToken cancellationToken = default) =>
        Read(() => Ordered(_ports.Values.Where(e => networkId is null || e.Value.NetworkId == networkId)));

    /// <inheritdoc/>
    public Task<Port?> GetPortAsync(string id, CancellationToken cancellationToken = default) =>
        Read(() => _ports.TryGetValue(id, out Entry<Port>? e) ? e.Value : null);

    /// <inheritdoc/>
    public Task<Port> CreatePortAsync(PortRequest request, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, changes =>
        {
            NetworkState state = StateOf(request.NetworkId);
            Port prepared = NetworkRules.PreparePort(request, state, _macs);
            if (_ports.ContainsKey(prepared.Id))
            {
                throw new StoreConflictException("id", $"port {prepared.Id} already exists");
            }

            _ports[prepared.Id] = new Entry<Port>(++_sequence, prepared);
            changes.Add(new StoreChange(StoreChangeKind.PortCreated, prepared.NetworkId, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task<Port> UpdatePortAsync(string id, PortUpdate update, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, changes =>
        {
            Entry<Port> current = _ports.TryGetValue(id, out Entry<Port>? e) ? e : throw new StoreNotFoundException("port", id);
            NetworkState state = StateOf(current.Value.NetworkId);
            Port prepared = NetworkRules.PreparePortUpdate(current.Value, update, state, _macs);
            _ports[id] = current with { Value = prepared };
            changes.Add(new StoreChange(StoreChangeKind.PortUpdated, prepared.NetworkId, id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task DeletePortAsync(string id, CancellationToken cancellationToken = default) =>
        Write<object?>(cancellationToken, changes =>
        {
            if (!_ports.Remove(id, out Entry<Port>? removed))
            {
                throw new StoreNotFoundException("port", id);
            }

            changes.Add(new StoreChange(StoreChangeKind.PortDeleted, removed.Value.NetworkId, id));
            return null;
        });

    /// <inheritdoc/>
    public Task<IReadOnlyList<LeaseRecord>> ListLeasesAsync(string networkId, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<LeaseRecord>>(() => _leases.TryGetValue(networkId, out LeaseRecord[]? l) ? l : []);

    /// <inheritdoc/>
    public Task SaveLeasesAsync(string networkId, IReadOnlyList<LeaseRecord> leases, CancellationToken cancellationToken = default) =>
        Write<object?>(cancellationToken, _ =>
        {
            if (!_networks.ContainsKey(networkId))
            {
                throw new StoreNotFoundException("network", networkId);
            }

            _leases[networkId] = [.. leases];
            return null;
        });

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private NetworkState StateOf(string networkId)
    {
        Network network = _networks.TryGetValue(networkId, out Entry<Network>? n) ? n.Value : throw new StoreNotFoundException("network", networkId);
        return new NetworkState(
            network,
            Ordered(_subnets.Values.Where(e => e.Value.NetworkId == networkId)),
            Ordered(_ports.Values.Where(e => e.Value.NetworkId == networkId)));
    }

    private void CheckBridgeFree(Network network)
    {
        foreach (Entry<Network> other in _networks.Values)
        {
            if (other.Value.Id != network.Id && other.Value.Bridge == network.Bridge)
            {
                throw new StoreConflictException("bridge", $"bridge {network.Bridge} already carries network {other.Value.Id}");
            }
        }
    }

    private static IReadOnlyList<T> Ordered<T>(IEnumerable<Entry<T>> entries) =>
        entries.OrderBy(e => e.Sequence).Select(e => e.Value).ToArray();

    private static void RemoveWhere<T>(Dictionary<string, Entry<T>> table, Func<T, bool> predicate)
    {
        foreach (string key in table.Where(kv => predicate(kv.Value.Value)).Select(kv => kv.Key).ToList())
        {
            table.Remove(key);
        }
    }

    private Task<T> Read<T>(Func<T> read)
    {
        lock (_lock)
        {
            try
            {
                return Task.FromResult(read());
            }
            catch (Exception e)
            {
                return Task.FromException<T>(e);
            }
        }
    }

    private Task<T> Write<T>(CancellationToken cancellationToken, Func<List<StoreChange>, T> write)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var changes = new List<StoreChange>(2);
        T result;
        lock (_lock)
        {
            try
            {
                result = write(changes);
            }
            catch (Exception e)
            {
                return Task.FromException<T>(e);
            }
        }

        foreach (StoreChange change in changes)
        {
            Changed?.Invoke(change);
        }

        return Task.FromResult(result);
    }

    private sealed record Entry<T>(long Sequence, T Value);
}
