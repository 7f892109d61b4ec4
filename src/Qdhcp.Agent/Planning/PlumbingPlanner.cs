namespace Qdhcp.Agent.Planning;

/// <summary>
/// Desired vs actual -> the actions that make the machine right (Neutron's DhcpAgent.sync_state and
/// DeviceManager.setup, as a pure function, so it is tested without root). Running the plan and planning again
/// gives an empty plan.
/// </summary>
public static class PlumbingPlanner
{
    /// <summary>
    /// Plans every network, then the clean-up.
    /// <list type="bullet">
    /// <item>Per desired network, in order: namespace (created with lo up); bridge (created when missing, set up
    /// when down); the veth pair (created in the root namespace and its tap end moved in when missing; a half left
    /// by an interrupted run is deleted first, or moved in when both ends are still in the root namespace); then
    /// only what differs: the tap's MAC, MTU, addresses (missing added, other IPv4 ones removed), up; the peer's
    /// bridge, MTU, up; the default route (replaced when it differs, removed when the network has no gateway).
    /// A network whose plumbing is right gets no action.</item>
    /// <item>In a desired namespace, other links (not lo, not the tap) are deleted when the namespace or the link is
    /// owned: an old DHCP port's tap after the port changed.</item>
    /// <item>Clean-up, in this order: owned <c>qdp*</c> peers in the root namespace that no network wants; owned
    /// <c>qdhcp-*</c> namespaces that no network wants (an un-owned one, another agent's, is left alone); owned
    /// bridges that no network wants. Nothing un-owned is ever deleted.</item>
    /// </list>
    /// </summary>
    /// <param name="desired">One entry per network to serve (see <see cref="DesiredNetworkPlumbing.For"/>).</param>
    /// <param name="actual">What exists now.</param>
    /// <param name="owned">Names of the namespaces and root devices this agent created (it records them as it runs
    /// <see cref="CreateNamespace"/>, <see cref="CreateBridge"/> and <see cref="CreateVethPair"/>).</param>
    public static IReadOnlyList<PlumbingAction> Plan(
        IReadOnlyList<DesiredNetworkPlumbing> desired,
        ActualPlumbing actual,
        IReadOnlySet<string> owned)
    {
        var actions = new List<PlumbingAction>();
        var namespaces = new Dictionary<string, ActualNamespace>(StringComparer.Ordinal);
        foreach (ActualNamespace ns in actual.Namespaces)
        {
            namespaces.TryAdd(ns.Name, ns);
        }

        var root = new Dictionary<string, ActualLink>(StringComparer.Ordinal);
        foreach (ActualLink link in actual.RootLinks)
        {
            root.TryAdd(link.Name, link);
        }

        var bridgesCreated = new HashSet<string>(StringComparer.Ordinal);
        var gone = new HashSet<string>(StringComparer.Ordinal);
        foreach (DesiredNetworkPlumbing d in desired)
        {
            PlanNetwork(d, namespaces.GetValueOrDefault(d.Namespace), root, owned, bridgesCreated, gone, actions);
        }

        // Clean-up order: owned peers (each takes its tap inside a namespace with it), then namespaces, then bridges.
        var wantedNamespaces = desired.Select(d => d.Namespace).ToHashSet(StringComparer.Ordinal);
        var wantedRoot = desired.SelectMany(d => new[] { d.PeerName, d.Bridge }).ToHashSet(StringComparer.Ordinal);
        foreach (ActualLink link in actual.RootLinks)
        {
            if (!link.IsBridge && link.Name.StartsWith(DesiredNetworkPlumbing.PeerPrefix, StringComparison.Ordinal)
                && !wantedRoot.Contains(link.Name) && owned.Contains(link.Name) && !gone.Contains(link.Name))
            {
                actions.Add(new DeleteLink(link.Name, null));
            }
        }

        foreach (ActualNamespace ns in actual.Namespaces)
        {
            if (ns.Name.StartsWith(DesiredNetworkPlumbing.NamespacePrefix, StringComparison.Ordinal)
                && !wantedNamespaces.Contains(ns.Name)
                && owned.Contains(ns.Name))
            {
                actions.Add(new DeleteNamespace(ns.Name));
            }
        }

        foreach (ActualLink link in actual.RootLinks)
        {
            if (link.IsBridge && !wantedRoot.Contains(link.Name) && owned.Contains(link.Name))
            {
                actions.Add(new DeleteLink(link.Name, null));
            }
        }

        return actions;
    }

    private static void PlanNetwork(
        DesiredNetworkPlumbing d,
        ActualNamespace? ns,
        Dictionary<string, ActualLink> root,
        IReadOnlySet<string> owned,
        HashSet<string> bridgesCreated,
        HashSet<string> gone,
        List<PlumbingAction> actions)
    {
        bool freshTap = false;
        if (ns is null)
        {
            actions.Add(new CreateNamespace(d.Namespace));
            actions.Add(new SetUp("lo", d.Namespace));
        }
        else if (ns.Links.FirstOrDefault(l => l.Name == "lo") is { Up: false })
        {
            actions.Add(new SetUp("lo", d.Namespace));
        }

        if (!root.TryGetValue(d.Bridge, out ActualLink? bridge))
        {
            if (bridgesCreated.Add(d.Bridge))
            {
                actions.Add(new CreateBridge(d.Bridge));
                actions.Add(new SetUp(d.Bridge, null));
            }
        }
        else if (!bridge.Up)
        {
            actions.Add(new SetUp(d.Bridge, null));
        }

        ActualLink? tap = ns?.Links.FirstOrDefault(l => l.Name == d.TapName);
        root.TryGetValue(d.PeerName, out ActualLink? peer);
        if (tap is null)
        {
            root.TryGetValue(d.TapName, out ActualLink? tapInRoot);
            if (tapInRoot is null || peer is null)
            {
                // Whatever half an interrupted run left goes; a veth end takes its peer with it.
                if (tapInRoot is not null)
                {
                    actions.Add(new DeleteLink(d.TapName, null));
                }

                if (peer is not null)
                {
                    actions.Add(new DeleteLink(d.PeerName, null));
                }

                actions.Add(new CreateVethPair(d.TapName, d.PeerName, d.Mtu));
                peer = null;
                tapInRoot = null;
            }

            // Moving a link to another namespace takes it down and flushes its addresses: configure it as new.
            actions.Add(new MoveToNamespace(d.TapName, d.Namespace));
            freshTap = true;
        }

        PlanTap(d, tap, actions);
        PlanPeer(d, peer, actions);

        if (ns is not null)
        {
            foreach (ActualLink other in ns.Links)
            {
                if (other.Name != "lo" && other.Name != d.TapName && (owned.Contains(d.Namespace) || owned.Contains(other.Name)))
                {
                    actions.Add(new DeleteLink(other.Name, d.Namespace));

                    // A tap<11> of ours takes its qdp<11> peer with it.
                    if (other.Name.StartsWith("tap", StringComparison.Ordinal))
                    {
                        gone.Add(DesiredNetworkPlumbing.PeerPrefix + other.Name[3..]);
                    }
                }
            }
        }

        // A fresh tap has no route yet; a route out of another device (deleted above, or foreign) is replaced.
        string? route = ns?.DefaultGateway;
        bool routeElsewhere = ns?.DefaultRouteDevice is { } device && device != d.TapName;
        if (d.DefaultGateway is not null && (freshTap || routeElsewhere || route != d.DefaultGateway))
        {
            actions.Add(new SetDefaultRoute(d.Namespace, d.DefaultGateway, d.TapName));
        }
        else if (d.DefaultGateway is null && route is not null)
        {
            actions.Add(new RemoveDefaultRoute(d.Namespace));
        }
    }

    /// <summary>A fresh tap (null) gets everything; an existing one only what differs. MAC and MTU before up, addresses before the route.</summary>
    private static void PlanTap(DesiredNetworkPlumbing d, ActualLink? tap, List<PlumbingAction> actions)
    {
        if (tap is null || !string.Equals(tap.MacAddress, d.MacAddress, StringComparison.OrdinalIgnoreCase))
        {
            actions.Add(new SetMac(d.TapName, d.Namespace, d.MacAddress));
        }

        if (tap is not null && tap.Mtu != d.Mtu)
        {
            actions.Add(new SetMtu(d.TapName, d.Namespace, d.Mtu));
        }

        IReadOnlyList<string> present = tap?.Addresses.Where(IsIpv4).ToList() ?? [];
        foreach (string stale in present.Where(a => !d.Addresses.Contains(a)))
        {
            actions.Add(new RemoveAddress(d.TapName, d.Namespace, stale));
        }

        foreach (string missing in d.Addresses.Where(a => !present.Contains(a)))
        {
            actions.Add(new AddAddress(d.TapName, d.Namespace, missing));
        }

        if (tap is null || !tap.Up)
        {
            actions.Add(new SetUp(d.TapName, d.Namespace));
        }
    }

    private static void PlanPeer(DesiredNetworkPlumbing d, ActualLink? peer, List<PlumbingAction> actions)
    {
        if (peer is not null && peer.Mtu != d.Mtu)
        {
            actions.Add(new SetMtu(d.PeerName, null, d.Mtu));
        }

        if (peer is null || peer.Master != d.Bridge)
        {
            actions.Add(new SetMaster(d.PeerName, d.Bridge));
        }

        if (peer is null || !peer.Up)
        {
            actions.Add(new SetUp(d.PeerName, null));
        }
    }

    private static bool IsIpv4(string cidr) => !cidr.Contains(':', StringComparison.Ordinal);
}
