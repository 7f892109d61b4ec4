namespace Qdhcp.Agent.Linux.Plumbing;

/// <summary>
/// The <c>ip</c> commands that bring the machine from <see cref="PlumbingState"/> to the desired plumbing, in the
/// order they run: <see cref="NamespaceFirst"/> (rare: a tap left without its peer, removed before its
/// replacement is made), <see cref="RootBefore"/> (one <c>ip -batch</c> in the root namespace: namespaces, bridges, veth
/// pairs and their attachment), then <see cref="InNamespace"/> (one <c>ip -n NS -batch</c> per namespace that needs
/// anything, in parallel), then <see cref="RootAfter"/> (removal of what is stale: peers, namespaces, bridges).
/// A network that is already right contributes nothing: no command, no process.
/// </summary>
public sealed record LinuxPlumbingPlan(
    IReadOnlyDictionary<string, IReadOnlyList<string>> NamespaceFirst,
    IReadOnlyList<string> RootBefore,
    IReadOnlyDictionary<string, IReadOnlyList<string>> InNamespace,
    IReadOnlyList<string> RootAfter,
    IReadOnlyList<string> ChangedNetworks,
    IReadOnlyList<string> RemovedNamespaces,
    OwnedPlumbingState Owned)
{
    public int CommandCount => NamespaceFirst.Values.Sum(l => l.Count) + RootBefore.Count + InNamespace.Values.Sum(l => l.Count) + RootAfter.Count;

    public bool IsEmpty => CommandCount == 0;
}

/// <summary>
/// Computes a <see cref="LinuxPlumbingPlan"/>: pure, so every case is tested without root. Per desired network:
/// <list type="bullet">
/// <item>namespace missing: <c>netns add</c>;</item>
/// <item>segment: whatever the <see cref="ISegmentDriver"/> says (bridge created when missing, brought up);</item>
/// <item>veth pair: right when the tap is in the namespace and its peer index is the root peer's ifindex; else
///   any half is deleted and the pair is created (<c>link add PEER type veth peer name TAP netns NS</c>);</item>
/// <item>peer attachment (master, MTU, up): the driver's lines;</item>
/// <item>in the namespace: other <c>tap*</c> links (an old DHCP port) deleted; MAC, MTU, up; addresses added and
///   removed to match; lo up; the default route replaced (or deleted) to match the gateway.</item>
/// </list>
/// Then, for namespaces in the owned state with no desired network (only with <c>removeStale</c>): the peer
/// deleted, the namespace deleted, and a bridge this agent created deleted when nothing else is attached to it.
/// Namespaces and bridges not in the owned state are never touched unless a desired network uses them
/// (then they are adopted).
/// </summary>
public static class LinuxPlumbingPlanner
{
    /// <param name="removeOnly">With <paramref name="removeStale"/>: consider only these namespaces (and their bridges) for removal; null: every owned one (a full resync).</param>
    public static LinuxPlumbingPlan Plan(IEnumerable<NetworkPlumbing> desired, PlumbingState actual, OwnedPlumbingState owned, ISegmentDriver segments, bool removeStale,
        IReadOnlyDictionary<string, string>? removeOnly = null)
    {
        Dictionary<string, IReadOnlyList<string>> namespaceFirst = new(StringComparer.Ordinal);
        List<string> rootBefore = [];
        List<string> rootCreate = [];
        List<string> rootAttach = [];
        Dictionary<string, IReadOnlyList<string>> inNamespace = new(StringComparer.Ordinal);
        List<string> rootAfter = [];
        List<string> changed = [];
        List<string> removed = [];
        OwnedPlumbingState nextOwned = new()
        {
            Namespaces = new Dictionary<string, string?>(owned.Namespaces, StringComparer.Ordinal),
            Bridges = new HashSet<string>(owned.Bridges, StringComparer.Ordinal),
        };
        HashSet<string> desiredNamespaces = new(StringComparer.Ordinal);
        HashSet<string> desiredBridges = new(StringComparer.Ordinal);
        HashSet<string> bridgesEnsured = new(StringComparer.Ordinal);

        foreach (NetworkPlumbing network in desired)
        {
            desiredNamespaces.Add(network.Namespace);
            desiredBridges.Add(network.Bridge);
            int before = rootBefore.Count + rootCreate.Count + rootAttach.Count;
            actual.Namespaces.TryGetValue(network.Namespace, out NamespaceState? ns);
            if (ns is null)
            {
                rootBefore.Add($"netns add {network.Namespace}");
            }

            if (nextOwned.Namespaces.TryGetValue(network.Namespace, out string? oldPeer) && oldPeer is not null && oldPeer != network.PeerName
                && actual.RootLinks.ContainsKey(oldPeer))
            {
                // The DHCP port was replaced: unplug the old one (its tap in the namespace goes with it).
                rootBefore.Add($"link del {oldPeer}");
            }

            nextOwned.Namespaces[network.Namespace] = network.PeerName;
            if (bridgesEnsured.Add(network.Bridge))
            {
                List<string> segment = [.. segments.EnsureSegment(network, actual)];
                if (segment.Count > 0 && !actual.RootLinks.ContainsKey(network.Bridge))
                {
                    nextOwned.Bridges.Add(network.Bridge);
                }

                rootBefore.AddRange(segment);
            }

            LinkState? tap = ns is not null && ns.Links.TryGetValue(network.TapName, out LinkState? t) ? t : null;
            LinkState? peer = actual.RootLinks.TryGetValue(network.PeerName, out LinkState? p) ? p : null;
            bool pairOk = tap is not null && peer is not null && tap.PeerIndex == peer.Index;
            List<string> nsLines = [];
            if (!pairOk)
            {
                if (peer is not null)
                {
                    rootBefore.Add($"link del {network.PeerName}");
                }

                if (tap is not null)
                {
                    // A tap whose peer is not ours: remove it before the new pair arrives under the same name.
                    namespaceFirst[network.Namespace] = [$"link del {network.TapName}"];
                }

                rootCreate.Add($"link add {network.PeerName} mtu {network.Mtu} type veth peer name {network.TapName} netns {network.Namespace}");
            }

            rootAttach.AddRange(segments.Attach(network, pairOk ? peer : null, !pairOk));

            if (ns is not null)
            {
                foreach (LinkState other in ns.Links.Values)
                {
                    if (other.Name.StartsWith("tap", StringComparison.Ordinal) && other.Name != network.TapName)
                    {
                        nsLines.Add($"link del {other.Name}");
                    }
                }
            }

            LinkState? currentTap = pairOk ? tap : null;
            if (currentTap is null || !string.Equals(currentTap.Mac, network.Mac, StringComparison.OrdinalIgnoreCase))
            {
                nsLines.Add($"link set {network.TapName} address {network.Mac}");
            }

            if (currentTap is null || currentTap.Mtu != network.Mtu)
            {
                nsLines.Add($"link set {network.TapName} mtu {network.Mtu}");
            }

            IReadOnlyList<string> have = currentTap?.Addresses ?? [];
            foreach (string address in have.Except(network.Addresses, StringComparer.Ordinal))
            {
                nsLines.Add($"addr del {address} dev {network.TapName}");
            }

            foreach (string address in network.Addresses.Except(have, StringComparer.Ordinal))
            {
                nsLines.Add($"addr add {address} dev {network.TapName}");
            }

            if (currentTap is null || !currentTap.Up)
            {
                nsLines.Add($"link set {network.TapName} up");
            }

            if (ns is null || !ns.Links.TryGetValue("lo", out LinkState? lo) || !lo.Up)
            {
                nsLines.Add("link set lo up");
            }

            RouteState? route = currentTap is null ? null : ns?.DefaultRoute;
            if (network.Gateway is { } gateway)
            {
                if (route is null || route.Gateway != gateway || route.Device != network.TapName)
                {
                    nsLines.Add($"route replace default via {gateway} dev {network.TapName} onlink");
                }
            }
            else if (ns?.DefaultRoute is not null && currentTap is not null)
            {
                nsLines.Add("route del default");
            }

            if (nsLines.Count > 0)
            {
                inNamespace[network.Namespace] = nsLines;
            }

            if (nsLines.Count > 0 || namespaceFirst.ContainsKey(network.Namespace) || rootBefore.Count + rootCreate.Count + rootAttach.Count != before)
            {
                changed.Add(network.NetworkId);
            }
        }

        if (removeStale)
        {
            foreach ((string ns, string? peer) in owned.Namespaces)
            {
                if (desiredNamespaces.Contains(ns) || (removeOnly is not null && !removeOnly.ContainsKey(ns)))
                {
                    continue;
                }

                if (peer is not null && actual.RootLinks.ContainsKey(peer))
                {
                    rootAfter.Add($"link del {peer}");
                }

                if (actual.Namespaces.ContainsKey(ns))
                {
                    rootAfter.Add($"netns del {ns}");
                }

                removed.Add(ns);
                nextOwned.Namespaces.Remove(ns);
            }

            foreach (string bridge in owned.Bridges)
            {
                if (desiredBridges.Contains(bridge) || (removeOnly is not null && !removeOnly.Values.Contains(bridge)))
                {
                    continue;
                }

                HashSet<string?> stalePeers = [.. owned.Namespaces.Where(n => removed.Contains(n.Key)).Select(n => n.Value)];
                bool othersAttached = actual.RootLinks.Values.Any(l => l.Master == bridge && !stalePeers.Contains(l.Name));
                if (!othersAttached)
                {
                    rootAfter.AddRange(segments.RemoveSegment(bridge, null, actual with
                    {
                        RootLinks = actual.RootLinks.Where(l => !stalePeers.Contains(l.Key)).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
                    }));
                    nextOwned.Bridges.Remove(bridge);
                }
            }
        }

        return new LinuxPlumbingPlan(namespaceFirst, [.. rootBefore, .. rootCreate, .. rootAttach], inNamespace, rootAfter, changed, removed, nextOwned);
    }
}
