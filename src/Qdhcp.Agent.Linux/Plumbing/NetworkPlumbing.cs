namespace Qdhcp.Agent.Linux.Plumbing;

/// <summary>
/// What one network needs on the machine, as Neutron's DHCP agent (DeviceManager) and Linux bridge agent lay it out:
/// <code>
///   root namespace                                   qdhcp-&lt;network id&gt;
///   brq&lt;11 of network id&gt; -- qdp&lt;11 of port id&gt; ==veth== tap&lt;11 of port id&gt;  10.0.0.2/24, MTU, default via gateway
/// </code>
/// </summary>
/// <param name="NetworkId">The network's id.</param>
/// <param name="Namespace"><c>qdhcp-&lt;network id&gt;</c>.</param>
/// <param name="Bridge">The segment device in the root namespace (<c>brq&lt;11&gt;</c>), made by the <see cref="ISegmentDriver"/>.</param>
/// <param name="TapName">The DHCP port's interface inside the namespace: <c>tap&lt;11 of port id&gt;</c>.</param>
/// <param name="PeerName">Its veth peer in the root namespace, attached to the segment: <c>qdp&lt;11 of port id&gt;</c>.</param>
/// <param name="Mac">The DHCP port's MAC (lower case, colon separated).</param>
/// <param name="Addresses">The DHCP port's addresses with prefix length (<c>10.0.0.2/24</c>), one per DHCP-enabled subnet.</param>
/// <param name="Mtu">The network's MTU, set on both ends of the veth.</param>
/// <param name="Gateway">The default route's gateway (the first subnet's gateway), or null for no default route.</param>
public sealed record NetworkPlumbing(
    string NetworkId,
    string Namespace,
    string Bridge,
    string TapName,
    string PeerName,
    string Mac,
    IReadOnlyList<string> Addresses,
    int Mtu,
    string? Gateway)
{
    /// <summary>The root-side peer of a DHCP port: <c>qdp</c> + the first 11 characters of the port id (14, within IFNAMSIZ).</summary>
    public static string PeerNameFor(string portId) => "qdp" + portId[..Math.Min(11, portId.Length)];
}

/// <summary>One network namespace as read from the machine.</summary>
/// <param name="Links">Its links (<c>ip -j addr</c>), by name.</param>
/// <param name="DefaultRoute">Its default route, if any.</param>
public sealed record NamespaceState(string Name, IReadOnlyDictionary<string, LinkState> Links, RouteState? DefaultRoute);

/// <summary>A link as read from the machine.</summary>
/// <param name="PeerIndex">For a veth, the peer's ifindex (in the namespace <c>link_netnsid</c> names).</param>
/// <param name="Master">The bridge it is enslaved to, if any.</param>
/// <param name="Addresses">IPv4 addresses with prefix length.</param>
public sealed record LinkState(string Name, int Index, int? PeerIndex, string? Mac, int Mtu, bool Up, string? Master, bool IsBridge, IReadOnlyList<string> Addresses);

/// <summary>A default route as read from the machine.</summary>
public sealed record RouteState(string? Gateway, string? Device);

/// <summary>The machine as far as the agent cares: root links (bridges and peers) and the <c>qdhcp-*</c> namespaces.</summary>
public sealed record PlumbingState(IReadOnlyDictionary<string, LinkState> RootLinks, IReadOnlyDictionary<string, NamespaceState> Namespaces);

/// <summary>
/// What this agent made, kept in its state directory: a namespace or bridge that is not here was not made by this
/// agent and is never removed by it (another agent's, or an operator's).
/// </summary>
public sealed record OwnedPlumbingState
{
    /// <summary>Namespaces this agent created or adopted, with the root-side peer it plugged (to unplug it on removal).</summary>
    public Dictionary<string, string?> Namespaces { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Bridges this agent created (a bridge that existed before is used and left in place).</summary>
    public HashSet<string> Bridges { get; init; } = new(StringComparer.Ordinal);
}
