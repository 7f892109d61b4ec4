using Qdhcp.Agent.Model;
using Qdhcp.Engine.Leases;

namespace Qdhcp.Agent.Store;

/// <summary>A change to the store, published after it is committed, so the agent applies it at once.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="NetworkId">The network it belongs to (every resource belongs to one).</param>
/// <param name="ResourceId">The network, subnet or port id.</param>
public readonly record struct StoreChange(StoreChangeKind Kind, string NetworkId, string ResourceId);

public enum StoreChangeKind
{
    NetworkCreated,
    NetworkUpdated,
    NetworkDeleted,
    SubnetCreated,
    SubnetUpdated,
    SubnetDeleted,
    PortCreated,
    PortUpdated,
    PortDeleted,
}

/// <summary>
/// Thrown for a request that conflicts with what is stored (HTTP 409): an address or MAC already used by another
/// port, a subnet overlapping another of the network, a subnet still in use, an id already taken.
/// </summary>
public sealed class StoreConflictException(string field, string message) : Exception(message)
{
    /// <summary>The request field at fault, as in the API (<c>mac_address</c>, <c>fixed_ips</c>).</summary>
    public string Field { get; } = field;
}

/// <summary>
/// Thrown for a request that is wrong in itself, whatever is stored (HTTP 400): text that is not an address, a
/// gateway outside its CIDR, pools that overlap, an address outside its subnet.
/// </summary>
public sealed class StoreValidationException(string field, string message) : Exception(message)
{
    /// <summary>The request field at fault, as in the API (<c>cidr</c>, <c>gateway_ip</c>, <c>allocation_pools</c>).</summary>
    public string Field { get; } = field;
}

/// <summary>Thrown when a resource does not exist.</summary>
public sealed class StoreNotFoundException(string resource, string id) : Exception($"{resource} {id} could not be found.")
{
    public string Resource { get; } = resource;

    public string Id { get; } = id;
}

/// <summary>
/// Where networks, subnets, ports and leases live. Every write is one transaction: it happens whole or not at all
/// ("nothing is half-written"). Implementations: in-memory (tests), SQLite (default), PostgreSQL later, all
/// passing the same contract tests and all applying <see cref="Qdhcp.Agent.Ipam.NetworkRules"/> inside the write.
/// Errors: <see cref="StoreValidationException"/> (400), <see cref="StoreConflictException"/> (409),
/// <see cref="StoreNotFoundException"/> (404; also for a request naming a network that does not exist, as Neutron).
/// Lists come back in creation order.
/// </summary>
public interface INetworkStore : IAsyncDisposable
{
    /// <summary>
    /// Raised after each committed change, on the writer's thread (concurrent writers' events may interleave: a
    /// listener re-reads the store). <see cref="StoreChangeKind.NetworkDeleted"/> also stands for its subnets, ports
    /// and leases, which are not announced one by one; deleting a subnet announces the DHCP ports it changed.
    /// </summary>
    event Action<StoreChange>? Changed;

    /// <summary>Creates the schema or migrates it to the current version.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Network>> ListNetworksAsync(CancellationToken cancellationToken = default);

    Task<Network?> GetNetworkAsync(string id, CancellationToken cancellationToken = default);

    Task<Network> CreateNetworkAsync(Network network, CancellationToken cancellationToken = default);

    Task<Network> UpdateNetworkAsync(Network network, CancellationToken cancellationToken = default);

    /// <summary>Deletes a network with its subnets, ports and leases.</summary>
    Task DeleteNetworkAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Subnet>> ListSubnetsAsync(string? networkId = null, CancellationToken cancellationToken = default);

    Task<Subnet?> GetSubnetAsync(string id, CancellationToken cancellationToken = default);

    Task<Subnet> CreateSubnetAsync(Subnet subnet, CancellationToken cancellationToken = default);

    Task<Subnet> UpdateSubnetAsync(Subnet subnet, CancellationToken cancellationToken = default);

    /// <summary>Deletes a subnet; refused (conflict) while ports other than DHCP ports have addresses in it, as Neutron does.</summary>
    Task DeleteSubnetAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Port>> ListPortsAsync(string? networkId = null, CancellationToken cancellationToken = default);

    Task<Port?> GetPortAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a port. Fixed IPs without an address and a missing MAC are allocated here, in the same transaction
    /// that checks them for conflicts (one address, one port; one MAC per network).
    /// </summary>
    Task<Port> CreatePortAsync(PortRequest request, CancellationToken cancellationToken = default);

    Task<Port> UpdatePortAsync(string id, PortUpdate update, CancellationToken cancellationToken = default);

    Task DeletePortAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The leases of a network, as last written behind by its server (empty for an unknown network).</summary>
    Task<IReadOnlyList<LeaseRecord>> ListLeasesAsync(string networkId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the leases on record for a network (write-behind from its server).</summary>
    Task SaveLeasesAsync(string networkId, IReadOnlyList<LeaseRecord> leases, CancellationToken cancellationToken = default);
}

/// <summary>A port to create: what the API accepted, before IPAM fills the gaps.</summary>
/// <param name="Id">Null or empty: a new UUID.</param>
/// <param name="FixedIps">Requested addresses: a subnet with an address, a subnet alone (next free address of its pools), or
/// an address alone (its subnet found). Null (not given): one address, from the first subnet (creation order) that has
/// one free, as Neutron does for IPv4. Empty: no address. See <see cref="Qdhcp.Agent.Ipam.NetworkRules.ResolveFixedIps"/>.</param>
/// <param name="MacAddress">Null: a fresh one under fa:16:3e.</param>
public sealed record PortRequest(
    string? Id,
    string NetworkId,
    string Name,
    string? MacAddress,
    IReadOnlyList<FixedIpRequest>? FixedIps,
    string DeviceOwner,
    string DeviceId,
    string? HostName,
    IReadOnlyList<ExtraDhcpOpt> ExtraDhcpOpts,
    bool AdminStateUp = true);

/// <summary>One requested fixed IP: either part may be missing.</summary>
public sealed record FixedIpRequest(string? SubnetId, string? IpAddress);

/// <summary>A port update: null fields are left as they are.</summary>
public sealed record PortUpdate(
    string? Name = null,
    string? MacAddress = null,
    IReadOnlyList<FixedIpRequest>? FixedIps = null,
    string? DeviceOwner = null,
    string? DeviceId = null,
    string? HostName = null,
    IReadOnlyList<ExtraDhcpOpt>? ExtraDhcpOpts = null,
    bool? AdminStateUp = null);
