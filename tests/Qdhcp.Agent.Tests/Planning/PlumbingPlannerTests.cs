using CsCheck;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Planning;

namespace Qdhcp.Agent.Tests.Planning;

public class PlumbingPlannerTests
{
    private const string NetA = "5f833617-6179-4797-b7c0-7d420d84040c";
    private const string NetB = "9a0a3c41-1111-4797-b7c0-7d420d840002";
    private const string PortA = "26c9b807-7c11-4a52-9ed4-00000000000a";
    private const string PortB = "77777777-7c11-4a52-9ed4-00000000000b";

    private static readonly HashSet<string> NoneOwned = [];

    private static DesiredNetworkPlumbing Desired(string net = NetA, string port = PortA, string address = "10.10.10.3/24", string? gateway = "10.10.10.1", int mtu = 1500) =>
        DesiredNetworkPlumbing.For(
            new Network(net, "n", mtu, true, Network.DefaultBridgeName(net)),
            [new Subnet("s-" + net, net, "s", address.StartsWith("10.10.10.", StringComparison.Ordinal) ? "10.10.10.0/24" : "10.20.0.0/24", gateway, [], [], true, [], 86400)],
            new Port(port, net, string.Empty, "fa:16:3e:00:00:03", [new FixedIp("s-" + net, address.Split('/')[0])], Port.DhcpDeviceOwner, "dhcp", null, [], true))!;

    /// <summary>The machine once a desired network is in place, built by running the plan from nothing.</summary>
    private static FakeMachine Converged(params DesiredNetworkPlumbing[] desired)
    {
        var machine = new FakeMachine();
        machine.Apply(PlumbingPlanner.Plan(desired, machine.Actual, machine.Owned));
        return machine;
    }

    [Fact]
    public void For_DhcpPort_NamesAsNeutron()
    {
        DesiredNetworkPlumbing d = Desired();
        Assert.Equal("qdhcp-" + NetA, d.Namespace);
        Assert.Equal("brq5f833617-61", d.Bridge);
        Assert.Equal("tap26c9b807-7c", d.TapName);
        Assert.Equal("qdp26c9b807-7c", d.PeerName);
        Assert.True(d.PeerName.Length <= 15);
        Assert.Equal(["10.10.10.3/24"], d.Addresses);
        Assert.Equal("10.10.10.1", d.DefaultGateway);
        Assert.Equal(1500, d.Mtu);
    }

    [Fact]
    public void For_NothingToServe_Null()
    {
        var net = new Network(NetA, "n", 1500, true, "brq");
        var subnet = new Subnet("s", NetA, "s", "10.10.10.0/24", null, [], [], true, [], 60);
        var port = new Port(PortA, NetA, string.Empty, "fa:16:3e:00:00:03", [new FixedIp("s", "10.10.10.3")], Port.DhcpDeviceOwner, "d", null, [], true);
        Assert.NotNull(DesiredNetworkPlumbing.For(net, [subnet], port));
        Assert.Null(DesiredNetworkPlumbing.For(net with { AdminStateUp = false }, [subnet], port));
        Assert.Null(DesiredNetworkPlumbing.For(net, [subnet with { EnableDhcp = false }], port));
        Assert.Null(DesiredNetworkPlumbing.For(net, [subnet], null));
        Assert.Null(DesiredNetworkPlumbing.For(net, [subnet], port with { FixedIps = [] }));
        Assert.Null(DesiredNetworkPlumbing.For(net, [subnet], port)!.DefaultGateway);
    }

    [Fact]
    public void Plan_FromNothing_CreatesEverythingInOrder()
    {
        DesiredNetworkPlumbing d = Desired();
        IReadOnlyList<PlumbingAction> plan = PlumbingPlanner.Plan([d], ActualPlumbing.Empty, NoneOwned);
        Assert.Equal(
            [
                new CreateNamespace(d.Namespace),
                new SetUp("lo", d.Namespace),
                new CreateBridge(d.Bridge),
                new SetUp(d.Bridge, null),
                new CreateVethPair(d.TapName, d.PeerName, 1500),
                new MoveToNamespace(d.TapName, d.Namespace),
                new SetMac(d.TapName, d.Namespace, "fa:16:3e:00:00:03"),
                new AddAddress(d.TapName, d.Namespace, "10.10.10.3/24"),
                new SetUp(d.TapName, d.Namespace),
                new SetMaster(d.PeerName, d.Bridge),
                new SetUp(d.PeerName, null),
                new SetDefaultRoute(d.Namespace, "10.10.10.1", d.TapName),
            ],
            plan);
    }

    [Fact]
    public void Plan_ActualEqualsDesired_Empty()
    {
        DesiredNetworkPlumbing a = Desired();
        DesiredNetworkPlumbing b = Desired(NetB, PortB, "10.20.0.3/24", "10.20.0.1", 1450);
        FakeMachine machine = Converged(a, b);
        Assert.Empty(PlumbingPlanner.Plan([a, b], machine.Actual, machine.Owned));
        Assert.Empty(PlumbingPlanner.Plan([a, b], machine.Actual, NoneOwned));
    }

    [Fact]
    public void Plan_ExistingBridge_UsedNotCreated()
    {
        DesiredNetworkPlumbing d = Desired();
        var actual = new ActualPlumbing([], [new ActualLink(d.Bridge, "02:00:00:00:00:09", [], 1500, true, IsBridge: true)]);
        IReadOnlyList<PlumbingAction> plan = PlumbingPlanner.Plan([d], actual, NoneOwned);
        Assert.DoesNotContain(plan, a => a is CreateBridge);
        Assert.Contains(new SetMaster(d.PeerName, d.Bridge), plan);
    }

    [Fact]
    public void Plan_OneNetworkChanged_OtherUntouched()
    {
        DesiredNetworkPlumbing a = Desired();
        DesiredNetworkPlumbing b = Desired(NetB, PortB, "10.20.0.3/24", "10.20.0.1");
        FakeMachine machine = Converged(a, b);

        DesiredNetworkPlumbing changed = b with { Mtu = 1400, Addresses = ["10.20.0.4/24"], DefaultGateway = "10.20.0.254", MacAddress = "fa:16:3e:00:00:04" };
        IReadOnlyList<PlumbingAction> plan = PlumbingPlanner.Plan([a, changed], machine.Actual, machine.Owned);
        Assert.Equal(
            [
                new SetMac(b.TapName, b.Namespace, "fa:16:3e:00:00:04"),
                new SetMtu(b.TapName, b.Namespace, 1400),
                new RemoveAddress(b.TapName, b.Namespace, "10.20.0.3/24"),
                new AddAddress(b.TapName, b.Namespace, "10.20.0.4/24"),
                new SetMtu(b.PeerName, null, 1400),
                new SetDefaultRoute(b.Namespace, "10.20.0.254", b.TapName),
            ],
            plan);
        Assert.DoesNotContain(plan, x => x.ToString().Contains(NetA[..11], StringComparison.Ordinal) || x.ToString().Contains(PortA[..11], StringComparison.Ordinal));

        machine.Apply(plan);
        Assert.Empty(PlumbingPlanner.Plan([a, changed], machine.Actual, machine.Owned));
    }

    [Fact]
    public void Plan_GatewayGone_RouteRemoved()
    {
        DesiredNetworkPlumbing d = Desired();
        FakeMachine machine = Converged(d);
        Assert.Equal([new RemoveDefaultRoute(d.Namespace)], PlumbingPlanner.Plan([d with { DefaultGateway = null }], machine.Actual, machine.Owned));
    }

    [Fact]
    public void Plan_DownLinks_BroughtUp()
    {
        DesiredNetworkPlumbing d = Desired();
        ActualPlumbing actual = Converged(d).Actual;
        ActualPlumbing down = new(
            actual.Namespaces.Select(ns => ns with { Links = ns.Links.Select(l => l with { Up = false }).ToList() }).ToList(),
            actual.RootLinks.Select(l => l with { Up = false }).ToList());
        Assert.Equal(
            [new SetUp("lo", d.Namespace), new SetUp(d.Bridge, null), new SetUp(d.TapName, d.Namespace), new SetUp(d.PeerName, null)],
            PlumbingPlanner.Plan([d], down, NoneOwned));
    }

    [Fact]
    public void Plan_StaleNamespaces_OwnedDeletedForeignKept()
    {
        DesiredNetworkPlumbing a = Desired();
        DesiredNetworkPlumbing b = Desired(NetB, PortB, "10.20.0.3/24", "10.20.0.1");
        FakeMachine machine = Converged(a, b);
        var foreign = new ActualNamespace("qdhcp-someone-elses", [], null);
        var other = new ActualNamespace("qrouter-1234", [], null);
        ActualPlumbing actual = machine.Actual with { Namespaces = [.. machine.Actual.Namespaces, foreign, other] };

        IReadOnlyList<PlumbingAction> plan = PlumbingPlanner.Plan([a], actual, machine.Owned);
        Assert.Equal([new DeleteLink(b.PeerName, null), new DeleteNamespace(b.Namespace), new DeleteLink(b.Bridge, null)], plan);

        machine.Apply(plan);
        Assert.Empty(PlumbingPlanner.Plan([a], machine.Actual, machine.Owned));

        // Nothing owned: nothing deleted.
        Assert.Empty(PlumbingPlanner.Plan([], Converged(a).Actual, NoneOwned));
    }

    [Fact]
    public void Plan_DhcpPortReplaced_OldTapDeletedNewPlugged()
    {
        DesiredNetworkPlumbing old = Desired();
        FakeMachine machine = Converged(old);
        DesiredNetworkPlumbing replaced = Desired(port: PortB, address: "10.10.10.4/24");
        IReadOnlyList<PlumbingAction> plan = PlumbingPlanner.Plan([replaced], machine.Actual, machine.Owned);
        Assert.Contains(new DeleteLink(old.TapName, old.Namespace), plan);
        Assert.Contains(new CreateVethPair(replaced.TapName, replaced.PeerName, 1500), plan);
        Assert.DoesNotContain(plan, x => x is CreateNamespace or CreateBridge);
        machine.Apply(plan);
        Assert.Empty(PlumbingPlanner.Plan([replaced], machine.Actual, machine.Owned));
    }

    [Fact]
    public void Plan_HalfCreatedVeth_Repaired()
    {
        DesiredNetworkPlumbing d = Desired();

        // Both ends still in the root namespace: move the tap in.
        var bothInRoot = new ActualPlumbing(
            [new ActualNamespace(d.Namespace, [new ActualLink("lo", null, [], 65536, true)], null)],
            [
                new ActualLink(d.Bridge, null, [], 1500, true, IsBridge: true),
                new ActualLink(d.TapName, "02:00:00:00:00:02", [], 1500, false),
                new ActualLink(d.PeerName, "02:00:00:00:00:03", [], 1500, false),
            ]);
        IReadOnlyList<PlumbingAction> plan = PlumbingPlanner.Plan([d], bothInRoot, NoneOwned);
        Assert.Equal(new MoveToNamespace(d.TapName, d.Namespace), plan[0]);
        Assert.DoesNotContain(plan, x => x is CreateVethPair or DeleteLink);

        // Only the peer left: delete it, make the pair again.
        var peerOnly = bothInRoot with { RootLinks = [bothInRoot.RootLinks[0], bothInRoot.RootLinks[2]] };
        plan = PlumbingPlanner.Plan([d], peerOnly, NoneOwned);
        Assert.Equal([new DeleteLink(d.PeerName, null), new CreateVethPair(d.TapName, d.PeerName, 1500), new MoveToNamespace(d.TapName, d.Namespace)], plan.Take(3));
    }

    /// <summary>From any mix of stale, partial and foreign plumbing, one plan converges: planning again gives nothing.</summary>
    [Fact]
    public void Plan_RandomStartingStates_ConvergeInOneRound()
    {
        DesiredNetworkPlumbing[] all =
        [
            Desired(),
            Desired(NetB, PortB, "10.20.0.3/24", "10.20.0.1", 1450),
            Desired("c0ffee00-1111-2222-3333-444444444444", "p0000000-cccc", "10.10.10.9/24", null),
        ];
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 7], Gen.Bool, Gen.Bool).Sample((want, present, owned, tweak) =>
        {
            DesiredNetworkPlumbing[] start = all.Where((_, i) => (present & (1 << i)) != 0).ToArray();
            DesiredNetworkPlumbing[] desired = all.Where((_, i) => (want & (1 << i)) != 0).ToArray();
            FakeMachine machine = Converged(tweak ? start.Select(d => d with { Mtu = 9000, DefaultGateway = null }).ToArray() : start);
            if (!owned)
            {
                machine.Owned.Clear();
            }

            machine.Apply(PlumbingPlanner.Plan(desired, machine.Actual, machine.Owned));
            Assert.Empty(PlumbingPlanner.Plan(desired, machine.Actual, machine.Owned));
            foreach (DesiredNetworkPlumbing d in desired)
            {
                ActualNamespace ns = Assert.Single(machine.Actual.Namespaces, n => n.Name == d.Namespace);
                ActualLink tap = Assert.Single(ns.Links, l => l.Name == d.TapName);
                Assert.Equal(d.Addresses, tap.Addresses);
                Assert.Equal(d.DefaultGateway, ns.DefaultGateway);
            }

            if (owned)
            {
                Assert.Equal(desired.Length, machine.Actual.Namespaces.Count);
            }
        });
    }
}
