using Qdhcp.Agent.Linux.Plumbing;

namespace Qdhcp.Agent.Tests.Plumbing;

/// <summary>
/// The planner LinuxPlumbing (the agent runtime's executor) runs: desired networks vs the machine as read -> the
/// <c>ip -batch</c> lines, in their batches, and the owned state after. Pure, so no root is needed.
/// </summary>
public class LinuxPlumbingPlannerTests
{
    private const string NetA = "5f833617-6179-4797-b7c0-7d420d84040c";
    private const string NetB = "9a0a3c41-1111-4797-b7c0-7d420d840002";
    private const string PortA = "26c9b807-7c11-4a52-9ed4-00000000000a";
    private const string PortB = "77777777-7c11-4a52-9ed4-00000000000b";

    private static readonly ISegmentDriver Bridges = new BridgePerNetworkSegmentDriver();

    private static readonly NetworkPlumbing A = Desired(NetA, PortA, "10.10.10.3/24", "10.10.10.1", 1500);
    private static readonly NetworkPlumbing B = Desired(NetB, PortB, "10.20.0.3/24", "10.20.0.1", 1450);

    private static NetworkPlumbing Desired(string net, string port, string address, string? gateway, int mtu) =>
        new(net, "qdhcp-" + net, "brq" + net[..11], "tap" + port[..11], NetworkPlumbing.PeerNameFor(port), "fa:16:3e:00:00:03", [address], mtu, gateway);

    private static LinkState Link(string name, int index, int? peerIndex = null, string? mac = null, int mtu = 1500, bool up = true, string? master = null,
        bool isBridge = false, IReadOnlyList<string>? addresses = null) =>
        new(name, index, peerIndex, mac, mtu, up, master, isBridge, addresses ?? []);

    /// <summary>The machine as LinuxPlumbing reads it once every network is in place.</summary>
    private static PlumbingState Converged(params NetworkPlumbing[] networks)
    {
        Dictionary<string, LinkState> root = new(StringComparer.Ordinal) { ["lo"] = Link("lo", 1, mtu: 65536) };
        Dictionary<string, NamespaceState> namespaces = new(StringComparer.Ordinal);
        int index = 10;
        foreach (NetworkPlumbing n in networks)
        {
            root.TryAdd(n.Bridge, Link(n.Bridge, index++, mac: "02:00:00:00:00:01", isBridge: true));
            int peerIndex = index++;
            int tapIndex = 2;
            root[n.PeerName] = Link(n.PeerName, peerIndex, tapIndex, "02:00:00:00:00:02", n.Mtu, master: n.Bridge);
            namespaces[n.Namespace] = new NamespaceState(
                n.Namespace,
                new Dictionary<string, LinkState>(StringComparer.Ordinal)
                {
                    ["lo"] = Link("lo", 1, mtu: 65536, addresses: ["127.0.0.1/8"]),
                    [n.TapName] = Link(n.TapName, tapIndex, peerIndex, n.Mac, n.Mtu, addresses: n.Addresses),
                },
                n.Gateway is null ? null : new RouteState(n.Gateway, n.TapName));
        }

        return new PlumbingState(root, namespaces);
    }

    private static OwnedPlumbingState Owned(params NetworkPlumbing[] networks) => new()
    {
        Namespaces = networks.ToDictionary(n => n.Namespace, n => (string?)n.PeerName, StringComparer.Ordinal),
        Bridges = new HashSet<string>(networks.Select(n => n.Bridge), StringComparer.Ordinal),
    };

    private static OwnedPlumbingState NoneOwned => new();

    private static LinuxPlumbingPlan Plan(IEnumerable<NetworkPlumbing> desired, PlumbingState actual, OwnedPlumbingState owned, bool removeStale = true,
        IReadOnlyDictionary<string, string>? removeOnly = null) =>
        LinuxPlumbingPlanner.Plan(desired, actual, owned, Bridges, removeStale, removeOnly);

    private static PlumbingState WithNamespace(PlumbingState state, NamespaceState ns) =>
        state with { Namespaces = new Dictionary<string, NamespaceState>(state.Namespaces, StringComparer.Ordinal) { [ns.Name] = ns } };

    private static PlumbingState WithTap(PlumbingState state, NetworkPlumbing n, Func<LinkState, LinkState> change)
    {
        NamespaceState ns = state.Namespaces[n.Namespace];
        return WithNamespace(state, ns with { Links = new Dictionary<string, LinkState>(ns.Links, StringComparer.Ordinal) { [n.TapName] = change(ns.Links[n.TapName]) } });
    }

    private static PlumbingState WithRoot(PlumbingState state, Action<Dictionary<string, LinkState>> change)
    {
        Dictionary<string, LinkState> root = new(state.RootLinks, StringComparer.Ordinal);
        change(root);
        return state with { RootLinks = root };
    }

    [Fact]
    public void PeerNameFor_FitsIfnamsiz()
    {
        Assert.Equal("qdp26c9b807-7c", NetworkPlumbing.PeerNameFor(PortA));
        Assert.True(NetworkPlumbing.PeerNameFor(PortA).Length <= 15);
    }

    [Fact]
    public void Plan_FromNothing_CreatesEverythingInOrder()
    {
        LinuxPlumbingPlan plan = Plan([A], new PlumbingState(new Dictionary<string, LinkState>(), new Dictionary<string, NamespaceState>()), NoneOwned);

        Assert.Empty(plan.NamespaceFirst);
        Assert.Equal(
            [
                $"netns add {A.Namespace}",
                $"link add {A.Bridge} type bridge",
                $"link set {A.Bridge} up",
                $"link add {A.PeerName} mtu 1500 type veth peer name {A.TapName} netns {A.Namespace}",
                $"link set {A.PeerName} mtu 1500 master {A.Bridge} up",
            ],
            plan.RootBefore);
        Assert.Equal(
            [
                $"link set {A.TapName} address fa:16:3e:00:00:03",
                $"link set {A.TapName} mtu 1500",
                $"addr add 10.10.10.3/24 dev {A.TapName}",
                $"link set {A.TapName} up",
                "link set lo up",
                $"route replace default via 10.10.10.1 dev {A.TapName} onlink",
            ],
            plan.InNamespace[A.Namespace]);
        Assert.Empty(plan.RootAfter);
        Assert.Equal([NetA], plan.ChangedNetworks);
        Assert.Equal(A.PeerName, plan.Owned.Namespaces[A.Namespace]);
        Assert.Contains(A.Bridge, plan.Owned.Bridges);
    }

    [Fact]
    public void Plan_ActualEqualsDesired_Empty()
    {
        PlumbingState actual = Converged(A, B);
        foreach (OwnedPlumbingState owned in new[] { Owned(A, B), NoneOwned })
        {
            LinuxPlumbingPlan plan = Plan([A, B], actual, owned);
            Assert.True(plan.IsEmpty);
            Assert.Empty(plan.ChangedNetworks);
            Assert.Empty(plan.RemovedNamespaces);
        }
    }

    [Fact]
    public void Plan_MissingNamespace_CreatedWithPairExistingBridgeUsed()
    {
        PlumbingState actual = Converged(A);
        actual = new PlumbingState(WithRoot(actual, r => r.Remove(A.PeerName)).RootLinks, new Dictionary<string, NamespaceState>());
        LinuxPlumbingPlan plan = Plan([A], actual, NoneOwned);

        Assert.Equal(
            [
                $"netns add {A.Namespace}",
                $"link add {A.PeerName} mtu 1500 type veth peer name {A.TapName} netns {A.Namespace}",
                $"link set {A.PeerName} mtu 1500 master {A.Bridge} up",
            ],
            plan.RootBefore);
        Assert.Contains("link set lo up", plan.InNamespace[A.Namespace]);

        // The bridge was there before: used, not owned.
        Assert.DoesNotContain(A.Bridge, plan.Owned.Bridges);
    }

    [Fact]
    public void Plan_MissingBridge_CreatedAndOwned()
    {
        // Deleting a bridge releases what was enslaved to it: the peer is read without a master.
        PlumbingState actual = WithRoot(Converged(A), r =>
        {
            r.Remove(A.Bridge);
            r[A.PeerName] = r[A.PeerName] with { Master = null };
        });
        LinuxPlumbingPlan plan = Plan([A], actual, Owned(A));

        Assert.Equal([$"link add {A.Bridge} type bridge", $"link set {A.Bridge} up", $"link set {A.PeerName} mtu 1500 master {A.Bridge} up"], plan.RootBefore);
        Assert.Empty(plan.InNamespace);
        Assert.Contains(A.Bridge, plan.Owned.Bridges);
    }

    [Fact]
    public void Plan_MissingVeth_PairCreatedAndTapConfigured()
    {
        PlumbingState actual = WithRoot(Converged(A), r => r.Remove(A.PeerName));
        NamespaceState ns = actual.Namespaces[A.Namespace];
        actual = WithNamespace(actual, ns with { Links = ns.Links.Where(l => l.Key == "lo").ToDictionary(l => l.Key, l => l.Value), DefaultRoute = null });
        LinuxPlumbingPlan plan = Plan([A], actual, Owned(A));

        Assert.Empty(plan.NamespaceFirst);
        Assert.Equal([$"link add {A.PeerName} mtu 1500 type veth peer name {A.TapName} netns {A.Namespace}", $"link set {A.PeerName} mtu 1500 master {A.Bridge} up"], plan.RootBefore);
        Assert.Equal(
            [
                $"link set {A.TapName} address fa:16:3e:00:00:03",
                $"link set {A.TapName} mtu 1500",
                $"addr add 10.10.10.3/24 dev {A.TapName}",
                $"link set {A.TapName} up",
                $"route replace default via 10.10.10.1 dev {A.TapName} onlink",
            ],
            plan.InNamespace[A.Namespace]);
    }

    [Fact]
    public void Plan_PeerIndexMismatch_PairRemade()
    {
        // The tap's peer is not our qdp link (a half left by an interrupted run, or someone else's pair).
        PlumbingState actual = WithTap(Converged(A), A, t => t with { PeerIndex = 999 });
        LinuxPlumbingPlan plan = Plan([A], actual, Owned(A));

        Assert.Equal([$"link del {A.TapName}"], plan.NamespaceFirst[A.Namespace]);
        Assert.Equal(
            [
                $"link del {A.PeerName}",
                $"link add {A.PeerName} mtu 1500 type veth peer name {A.TapName} netns {A.Namespace}",
                $"link set {A.PeerName} mtu 1500 master {A.Bridge} up",
            ],
            plan.RootBefore);

        // The new tap is configured from scratch, route included.
        Assert.Contains($"addr add 10.10.10.3/24 dev {A.TapName}", plan.InNamespace[A.Namespace]);
        Assert.Contains($"route replace default via 10.10.10.1 dev {A.TapName} onlink", plan.InNamespace[A.Namespace]);
        Assert.Equal([NetA], plan.ChangedNetworks);
    }

    [Fact]
    public void Plan_WrongMtu_TapAndPeerSet()
    {
        PlumbingState actual = Converged(A, B);
        NetworkPlumbing changed = B with { Mtu = 1400 };
        LinuxPlumbingPlan plan = Plan([A, changed], actual, Owned(A, B));

        Assert.Equal([$"link set {B.PeerName} mtu 1400 master {B.Bridge} up"], plan.RootBefore);
        Assert.Equal([B.Namespace], plan.InNamespace.Keys);
        Assert.Equal([$"link set {B.TapName} mtu 1400"], plan.InNamespace[B.Namespace]);
        Assert.Equal([NetB], plan.ChangedNetworks);
    }

    [Fact]
    public void Plan_WrongAddressMacAndRoute_OnlyTheseInTheNamespace()
    {
        PlumbingState actual = Converged(A, B);
        NetworkPlumbing changed = B with { Addresses = ["10.20.0.4/24"], Mac = "fa:16:3e:00:00:04", Gateway = "10.20.0.254" };
        LinuxPlumbingPlan plan = Plan([A, changed], actual, Owned(A, B));

        Assert.Empty(plan.RootBefore);
        Assert.Empty(plan.RootAfter);
        Assert.Equal([B.Namespace], plan.InNamespace.Keys);
        Assert.Equal(
            [
                $"link set {B.TapName} address fa:16:3e:00:00:04",
                $"addr del 10.20.0.3/24 dev {B.TapName}",
                $"addr add 10.20.0.4/24 dev {B.TapName}",
                $"route replace default via 10.20.0.254 dev {B.TapName} onlink",
            ],
            plan.InNamespace[B.Namespace]);
        Assert.Equal([NetB], plan.ChangedNetworks);
    }

    [Fact]
    public void Plan_MacCaseOnly_NoChange()
    {
        PlumbingState actual = WithTap(Converged(A), A, t => t with { Mac = "FA:16:3E:00:00:03" });
        Assert.True(Plan([A], actual, Owned(A)).IsEmpty);
    }

    [Fact]
    public void Plan_RouteViaOtherDevice_Replaced()
    {
        NamespaceState ns = Converged(A).Namespaces[A.Namespace];
        PlumbingState actual = WithNamespace(Converged(A), ns with { DefaultRoute = new RouteState("10.10.10.1", "eth9") });
        Assert.Equal([$"route replace default via 10.10.10.1 dev {A.TapName} onlink"], Plan([A], actual, Owned(A)).InNamespace[A.Namespace]);
    }

    [Fact]
    public void Plan_GatewayGone_RouteRemoved()
    {
        LinuxPlumbingPlan plan = Plan([A with { Gateway = null }], Converged(A), Owned(A));
        Assert.Empty(plan.RootBefore);
        Assert.Equal(["route del default"], plan.InNamespace[A.Namespace]);
    }

    [Fact]
    public void Plan_DownLinks_BroughtUp()
    {
        PlumbingState actual = Converged(A);
        NamespaceState ns = actual.Namespaces[A.Namespace];
        actual = WithNamespace(actual, ns with { Links = ns.Links.ToDictionary(l => l.Key, l => l.Value with { Up = false }) });
        actual = WithRoot(actual, r =>
        {
            r[A.Bridge] = r[A.Bridge] with { Up = false };
            r[A.PeerName] = r[A.PeerName] with { Up = false };
        });
        LinuxPlumbingPlan plan = Plan([A], actual, Owned(A));

        Assert.Equal([$"link set {A.Bridge} up", $"link set {A.PeerName} mtu 1500 master {A.Bridge} up"], plan.RootBefore);
        Assert.Equal([$"link set {A.TapName} up", "link set lo up"], plan.InNamespace[A.Namespace]);
    }

    [Fact]
    public void Plan_StaleTapInNamespace_Deleted()
    {
        PlumbingState actual = Converged(A);
        NamespaceState ns = actual.Namespaces[A.Namespace];
        actual = WithNamespace(actual, ns with
        {
            Links = new Dictionary<string, LinkState>(ns.Links, StringComparer.Ordinal) { ["tapold0000-00"] = Link("tapold0000-00", 7, 70) },
        });
        LinuxPlumbingPlan plan = Plan([A], actual, Owned(A));

        Assert.Empty(plan.RootBefore);
        Assert.Equal(["link del tapold0000-00"], plan.InNamespace[A.Namespace]);
    }

    [Fact]
    public void Plan_DhcpPortReplaced_OldPeerUnpluggedNewPairMade()
    {
        PlumbingState actual = Converged(A);
        NetworkPlumbing replaced = Desired(NetA, PortB, "10.10.10.4/24", "10.10.10.1", 1500);
        LinuxPlumbingPlan plan = Plan([replaced], actual, Owned(A));

        Assert.Equal(
            [
                $"link del {A.PeerName}",
                $"link add {replaced.PeerName} mtu 1500 type veth peer name {replaced.TapName} netns {A.Namespace}",
                $"link set {replaced.PeerName} mtu 1500 master {A.Bridge} up",
            ],
            plan.RootBefore);
        Assert.DoesNotContain(plan.RootBefore, l => l.StartsWith("netns add", StringComparison.Ordinal) || l.Contains("type bridge", StringComparison.Ordinal));
        Assert.Equal($"link del {A.TapName}", plan.InNamespace[A.Namespace][0]);
        Assert.Equal(replaced.PeerName, plan.Owned.Namespaces[A.Namespace]);
    }

    [Fact]
    public void Plan_StaleOwnedNamespace_Removed_ForeignLeftAlone()
    {
        PlumbingState actual = Converged(A, B);
        actual = WithNamespace(actual, new NamespaceState("qdhcp-someone-elses", new Dictionary<string, LinkState>(), null));
        actual = WithRoot(actual, r => r["brqforeign00"] = Link("brqforeign00", 90, isBridge: true));
        LinuxPlumbingPlan plan = Plan([A], actual, Owned(A, B));

        Assert.Empty(plan.RootBefore);
        Assert.Empty(plan.InNamespace);
        Assert.Equal([$"link del {B.PeerName}", $"netns del {B.Namespace}", $"link del {B.Bridge}"], plan.RootAfter);
        Assert.Equal([B.Namespace], plan.RemovedNamespaces);
        Assert.Equal([A.Namespace], plan.Owned.Namespaces.Keys);
        Assert.Equal([A.Bridge], plan.Owned.Bridges);

        // Without removeStale (a single network's change), nothing is removed.
        LinuxPlumbingPlan noRemove = Plan([A], actual, Owned(A, B), removeStale: false);
        Assert.True(noRemove.IsEmpty);
        Assert.Contains(B.Namespace, noRemove.Owned.Namespaces.Keys);

        // Nothing owned: nothing removed.
        Assert.True(Plan([], actual, NoneOwned).IsEmpty);
    }

    [Fact]
    public void Plan_StaleOwnedBridgeWithOthersAttached_Kept()
    {
        PlumbingState actual = WithRoot(Converged(A), r => r["tapvm000000-00"] = Link("tapvm000000-00", 80, master: A.Bridge));
        LinuxPlumbingPlan plan = Plan([], actual, Owned(A));

        Assert.Equal([$"link del {A.PeerName}", $"netns del {A.Namespace}"], plan.RootAfter);
        Assert.Contains(A.Bridge, plan.Owned.Bridges);
    }

    [Fact]
    public void Plan_UnownedNamespaceDesired_Adopted()
    {
        PlumbingState actual = Converged(A);
        LinuxPlumbingPlan plan = Plan([A], actual, NoneOwned);

        Assert.True(plan.IsEmpty);
        Assert.Equal(A.PeerName, plan.Owned.Namespaces[A.Namespace]);
        Assert.Empty(plan.Owned.Bridges);

        // Adopted, it is removed once no network wants it (its pre-existing bridge is not).
        LinuxPlumbingPlan later = Plan([], actual, plan.Owned);
        Assert.Equal([$"link del {A.PeerName}", $"netns del {A.Namespace}"], later.RootAfter);
    }

    [Fact]
    public void Plan_RemoveOnly_RemovesJustThatNetwork()
    {
        PlumbingState actual = Converged(A, B);
        LinuxPlumbingPlan plan = Plan([], actual, Owned(A, B), removeOnly: new Dictionary<string, string> { [B.Namespace] = B.Bridge });

        Assert.Equal([$"link del {B.PeerName}", $"netns del {B.Namespace}", $"link del {B.Bridge}"], plan.RootAfter);
        Assert.Equal([B.Namespace], plan.RemovedNamespaces);
        Assert.Equal([A.Namespace], plan.Owned.Namespaces.Keys);
        Assert.Equal([A.Bridge], plan.Owned.Bridges);
    }

    [Fact]
    public void Plan_StaleNamespaceAlreadyGone_OnlyOwnedStateForgets()
    {
        PlumbingState actual = new(Converged(A).RootLinks.Where(l => l.Key == "lo").ToDictionary(l => l.Key, l => l.Value), new Dictionary<string, NamespaceState>());
        LinuxPlumbingPlan plan = Plan([], actual, Owned(A));

        Assert.True(plan.IsEmpty);
        Assert.Equal([A.Namespace], plan.RemovedNamespaces);
        Assert.Empty(plan.Owned.Namespaces);
        Assert.Empty(plan.Owned.Bridges);
    }
}
