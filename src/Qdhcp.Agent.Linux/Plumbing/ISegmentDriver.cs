namespace Qdhcp.Agent.Linux.Plumbing;

/// <summary>
/// How a network's DHCP port reaches the network's segment in the root namespace, kept apart from the namespace
/// plumbing as Neutron keeps its L2 agents apart from the DHCP agent. Implementations return <c>ip -batch</c> lines
/// for the root namespace; <see cref="LinuxPlumbing"/> runs them with the rest.
/// </summary>
/// <remarks>
/// <see cref="BridgePerNetworkSegmentDriver"/> (Neutron's Linux bridge agent on a flat or local network) is the only
/// driver here. A VLAN driver (bridge + <c>eth1.&lt;vlan&gt;</c> sub-interface enslaved to it) would add its lines to
/// <see cref="EnsureSegment"/>; VLAN sub-interfaces are not available on our test machines, so it is not written.
/// </remarks>
public interface ISegmentDriver
{
    /// <summary>A name for logs and docs (<c>bridge</c>).</summary>
    string Name { get; }

    /// <summary>Lines that create the network's segment device when missing and bring it up. Empty when it is right.</summary>
    IEnumerable<string> EnsureSegment(NetworkPlumbing network, PlumbingState actual);

    /// <summary>Lines that attach the DHCP port's root-side peer to the segment, with the MTU, up. Empty when it is right.</summary>
    IEnumerable<string> Attach(NetworkPlumbing network, LinkState? peer, bool peerIsNew);

    /// <summary>
    /// Lines that remove a segment device this agent created for a network that is gone; empty when something else
    /// is still attached to it (a VM's tap), which is then left for its owner.
    /// </summary>
    IEnumerable<string> RemoveSegment(string bridge, string? ownPeer, PlumbingState actual);
}

/// <summary>
/// One Linux bridge per network in the root namespace, <c>brq&lt;first 11 of network id&gt;</c>, created if missing,
/// as Neutron's Linux bridge agent names it (on a flat network the physical interface would be enslaved to it too).
/// </summary>
public sealed class BridgePerNetworkSegmentDriver : ISegmentDriver
{
    public string Name => "bridge";

    public IEnumerable<string> EnsureSegment(NetworkPlumbing network, PlumbingState actual)
    {
        if (!actual.RootLinks.TryGetValue(network.Bridge, out LinkState? bridge))
        {
            yield return $"link add {network.Bridge} type bridge";
            yield return $"link set {network.Bridge} up";
        }
        else if (!bridge.Up)
        {
            yield return $"link set {network.Bridge} up";
        }
    }

    public IEnumerable<string> Attach(NetworkPlumbing network, LinkState? peer, bool peerIsNew)
    {
        if (peerIsNew || peer is null || peer.Master != network.Bridge || !peer.Up || peer.Mtu != network.Mtu)
        {
            yield return $"link set {network.PeerName} mtu {network.Mtu} master {network.Bridge} up";
        }
    }

    public IEnumerable<string> RemoveSegment(string bridge, string? ownPeer, PlumbingState actual)
    {
        if (!actual.RootLinks.ContainsKey(bridge))
        {
            yield break;
        }

        bool othersAttached = actual.RootLinks.Values.Any(l => l.Master == bridge && l.Name != ownPeer);
        if (!othersAttached)
        {
            yield return $"link del {bridge}";
        }
    }
}
