using System.Collections.Concurrent;
using CsCheck;
using Qdhcp.Agent.Ipam;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Tests.Store;

/// <summary>
/// What every <see cref="INetworkStore"/> must do (Kea's GenericLeaseMgrTest idea): each backend's test class
/// derives from this one and only says how to make (and reopen) a store.
/// </summary>
public abstract class NetworkStoreContractTests : IAsyncLifetime
{
    protected const string Net1 = "5f833617-6179-4797-b7c0-7d420d84040c";
    protected const string Net2 = "9a0a3c41-1111-4797-b7c0-7d420d840002";
    protected const string Sub1 = "0c6a8f8e-aaaa-4a52-9ed4-000000000001";
    protected const string Sub2 = "0c6a8f8e-aaaa-4a52-9ed4-000000000002";

    private readonly ConcurrentQueue<StoreChange> _changes = new();

    protected INetworkStore Store { get; private set; } = null!;

    protected IReadOnlyList<StoreChange> Changes => [.. _changes];

    /// <summary>A fresh, empty store (not yet initialized).</summary>
    protected abstract INetworkStore CreateStore();

    /// <summary>How many random sequences the property test runs (fewer on a disk backend).</summary>
    protected virtual int PropertyIterations => 100;

    public virtual async ValueTask InitializeAsync()
    {
        Store = CreateStore();
        await Store.InitializeAsync(TestContext.Current.CancellationToken);
        Store.Changed += _changes.Enqueue;
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected static Network NewNetwork(string id = Net1, int mtu = 1500) => new(id, "net", mtu, true, string.Empty);

    protected static Subnet NewSubnet(
        string id = Sub1,
        string network = Net1,
        string cidr = "10.10.10.0/24",
        string? gateway = "10.10.10.1",
        IReadOnlyList<AllocationPool>? pools = null,
        bool dhcp = true) =>
        new(id, network, "sub", cidr, gateway, ["10.10.10.53"], [new HostRoute("192.168.0.0/16", "10.10.10.254")], dhcp, pools ?? [], 86400);

    protected static PortRequest NewPort(
        string? id = null,
        string network = Net1,
        string? mac = null,
        IReadOnlyList<FixedIpRequest>? fixedIps = null,
        string owner = "compute:nova") =>
        new(id, network, "port", mac, fixedIps, owner, "vm", null, []);

    protected static FixedIpRequest Ip(string address, string? subnet = null) => new(subnet, address);

    protected async Task SeedAsync(IReadOnlyList<AllocationPool>? pools = null)
    {
        await Store.CreateNetworkAsync(NewNetwork());
        await Store.CreateSubnetAsync(NewSubnet(pools: pools));
    }

    // ---- networks ----

    [Fact]
    public async Task Network_CreateGetListUpdateDelete_RoundTrips()
    {
        Network created = await Store.CreateNetworkAsync(NewNetwork());
        Assert.Equal(new Network(Net1, "net", 1500, true, "brq5f833617-61"), created);
        Assert.Equal(created, await Store.GetNetworkAsync(Net1));

        await Store.CreateNetworkAsync(NewNetwork(Net2, 9000) with { Bridge = "br-ext" });
        Assert.Equal([Net1, Net2], (await Store.ListNetworksAsync()).Select(n => n.Id));

        Network updated = await Store.UpdateNetworkAsync(created with { Name = "renamed", Mtu = 1450, AdminStateUp = false });
        Assert.Equal(created with { Name = "renamed", Mtu = 1450, AdminStateUp = false }, await Store.GetNetworkAsync(Net1));
        Assert.Equal(updated, await Store.GetNetworkAsync(Net1));

        await Store.DeleteNetworkAsync(Net1);
        Assert.Null(await Store.GetNetworkAsync(Net1));
        Assert.Equal([Net2], (await Store.ListNetworksAsync()).Select(n => n.Id));
    }

    [Fact]
    public async Task Network_EmptyId_GetsUuid()
    {
        Network created = await Store.CreateNetworkAsync(NewNetwork(string.Empty));
        Assert.True(Guid.TryParse(created.Id, out _));
        Assert.Equal("brq" + created.Id[..11], created.Bridge);
    }

    [Fact]
    public async Task Network_DuplicateIdOrBridge_Conflict()
    {
        await Store.CreateNetworkAsync(NewNetwork());
        Assert.Equal("id", (await Assert.ThrowsAsync<StoreConflictException>(() => Store.CreateNetworkAsync(NewNetwork()))).Field);
        Network other = NewNetwork(Net2) with { Bridge = "brq5f833617-61" };
        Assert.Equal("bridge", (await Assert.ThrowsAsync<StoreConflictException>(() => Store.CreateNetworkAsync(other))).Field);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(67)]
    [InlineData(65536)]
    public async Task Network_BadMtu_Validation(int mtu)
    {
        StoreValidationException e = await Assert.ThrowsAsync<StoreValidationException>(() => Store.CreateNetworkAsync(NewNetwork(mtu: mtu)));
        Assert.Equal("mtu", e.Field);
        Assert.Empty(await Store.ListNetworksAsync());
    }

    [Fact]
    public async Task Missing_Resources_NotFound()
    {
        Assert.Null(await Store.GetSubnetAsync("nope"));
        Assert.Null(await Store.GetPortAsync("nope"));
        await Assert.ThrowsAsync<StoreNotFoundException>(() => Store.DeleteNetworkAsync("nope"));
        await Assert.ThrowsAsync<StoreNotFoundException>(() => Store.DeleteSubnetAsync("nope"));
        await Assert.ThrowsAsync<StoreNotFoundException>(() => Store.DeletePortAsync("nope"));
        await Assert.ThrowsAsync<StoreNotFoundException>(() => Store.UpdateNetworkAsync(NewNetwork()));
        await Assert.ThrowsAsync<StoreNotFoundException>(() => Store.CreateSubnetAsync(NewSubnet()));
        await Assert.ThrowsAsync<StoreNotFoundException>(() => Store.CreatePortAsync(NewPort()));
        await Assert.ThrowsAsync<StoreNotFoundException>(() => Store.UpdatePortAsync("nope", new PortUpdate(Name: "x")));
    }

    // ---- subnets ----

    [Fact]
    public async Task Subnet_Create_FillsNeutronDefaults()
    {
        await Store.CreateNetworkAsync(NewNetwork());
        Subnet created = await Store.CreateSubnetAsync(NewSubnet());
        Assert.Equal([new AllocationPool("10.10.10.2", "10.10.10.254")], created.AllocationPools);
        Assert.Equal(created, await Store.GetSubnetAsync(Sub1));

        Subnet noGateway = await Store.CreateSubnetAsync(NewSubnet(Sub2, cidr: "10.20.0.0/16", gateway: null));
        Assert.Null(noGateway.GatewayIp);
        Assert.Equal([new AllocationPool("10.20.0.1", "10.20.255.254")], noGateway.AllocationPools);
        Assert.Equal([Sub1, Sub2], (await Store.ListSubnetsAsync(Net1)).Select(s => s.Id));
        Assert.Empty(await Store.ListSubnetsAsync(Net2));
    }

    [Fact]
    public async Task Subnet_Update_ChangesWhatMayChange()
    {
        await SeedAsync();
        Subnet current = (await Store.GetSubnetAsync(Sub1))!;
        Subnet updated = await Store.UpdateSubnetAsync(current with
        {
            GatewayIp = "10.10.10.254",
            DnsNameservers = ["8.8.8.8", "1.1.1.1"],
            HostRoutes = [],
            EnableDhcp = false,
            AllocationPools = [],
            LeaseSeconds = 600,
        });
        Assert.Equal([new AllocationPool("10.10.10.1", "10.10.10.253")], updated.AllocationPools);
        Assert.Equal(updated, await Store.GetSubnetAsync(Sub1));

        StoreValidationException e = await Assert.ThrowsAsync<StoreValidationException>(() => Store.UpdateSubnetAsync(updated with { Cidr = "10.10.0.0/16" }));
        Assert.Equal("cidr", e.Field);
    }

    [Fact]
    public async Task Subnet_Overlapping_Conflict()
    {
        await SeedAsync();
        StoreConflictException e = await Assert.ThrowsAsync<StoreConflictException>(() => Store.CreateSubnetAsync(NewSubnet(Sub2, cidr: "10.10.0.0/16")));
        Assert.Equal("cidr", e.Field);
        Assert.Contains(Sub1, e.Message, StringComparison.Ordinal);

        // The same CIDR on another network is fine (Neutron: overlap is per network).
        await Store.CreateNetworkAsync(NewNetwork(Net2));
        await Store.CreateSubnetAsync(NewSubnet(Sub2, network: Net2));
    }

    [Fact]
    public async Task Subnet_Invalid_ValidationNamesField()
    {
        await Store.CreateNetworkAsync(NewNetwork());
        StoreValidationException e = await Assert.ThrowsAsync<StoreValidationException>(() => Store.CreateSubnetAsync(NewSubnet(gateway: "10.10.10.300")));
        Assert.Equal("gateway_ip", e.Field);
        Assert.Contains("10.10.10.300 is not an IPv4 address", e.Message, StringComparison.Ordinal);
        Assert.Equal("cidr", (await Assert.ThrowsAsync<StoreValidationException>(() => Store.CreateSubnetAsync(NewSubnet(cidr: "fd00::/64", gateway: null)))).Field);
        Assert.Empty(await Store.ListSubnetsAsync());
    }

    [Fact]
    public async Task Subnet_DeleteWithPorts_ConflictUntilPortsGo()
    {
        await SeedAsync();
        Port vm = await Store.CreatePortAsync(NewPort());
        Port dhcp = await Store.CreatePortAsync(NewPort(owner: Port.DhcpDeviceOwner));

        StoreConflictException e = await Assert.ThrowsAsync<StoreConflictException>(() => Store.DeleteSubnetAsync(Sub1));
        Assert.Contains(vm.Id, e.Message, StringComparison.Ordinal);
        Assert.NotNull(await Store.GetSubnetAsync(Sub1));

        await Store.DeletePortAsync(vm.Id);
        await Store.DeleteSubnetAsync(Sub1);
        Assert.Null(await Store.GetSubnetAsync(Sub1));

        // The DHCP port stays, without its address in the deleted subnet (Neutron does the same).
        Assert.Empty((await Store.GetPortAsync(dhcp.Id))!.FixedIps);
    }

    // ---- ports and IPAM ----

    [Fact]
    public async Task Port_NoFixedIp_GetsNextFreeOfPools()
    {
        await SeedAsync(pools: [new AllocationPool("10.10.10.100", "10.10.10.101"), new AllocationPool("10.10.10.10", "10.10.10.10")]);
        Port a = await Store.CreatePortAsync(NewPort());
        Port b = await Store.CreatePortAsync(NewPort());
        Port c = await Store.CreatePortAsync(NewPort());
        Assert.Equal(["10.10.10.100", "10.10.10.101", "10.10.10.10"], new[] { a, b, c }.Select(p => p.FixedIps.Single().IpAddress));
        Assert.All(new[] { a, b, c }, p => Assert.Equal(Sub1, p.FixedIps.Single().SubnetId));

        StoreConflictException full = await Assert.ThrowsAsync<StoreConflictException>(() => Store.CreatePortAsync(NewPort()));
        Assert.Equal("fixed_ips", full.Field);
        Assert.Contains("no free address left", full.Message, StringComparison.Ordinal);

        // A freed address is given out again.
        await Store.DeletePortAsync(b.Id);
        Assert.Equal("10.10.10.101", (await Store.CreatePortAsync(NewPort())).FixedIps.Single().IpAddress);
    }

    [Fact]
    public async Task Port_NoFixedIp_FirstSubnetFull_TakesNextSubnet()
    {
        await SeedAsync(pools: [new AllocationPool("10.10.10.2", "10.10.10.2")]);
        await Store.CreateSubnetAsync(NewSubnet(Sub2, cidr: "10.20.0.0/24", gateway: "10.20.0.1"));
        Assert.Equal(new FixedIp(Sub1, "10.10.10.2"), (await Store.CreatePortAsync(NewPort())).FixedIps.Single());
        Assert.Equal(new FixedIp(Sub2, "10.20.0.2"), (await Store.CreatePortAsync(NewPort())).FixedIps.Single());
    }

    [Fact]
    public async Task Port_EmptyFixedIps_NoAddress()
    {
        await SeedAsync();
        Assert.Empty((await Store.CreatePortAsync(NewPort(fixedIps: []))).FixedIps);
    }

    [Fact]
    public async Task Port_RequestedAddress_OutsidePoolAllowedAndNotReallocated()
    {
        await SeedAsync(pools: [new AllocationPool("10.10.10.100", "10.10.10.200")]);
        Port fixedPort = await Store.CreatePortAsync(NewPort(fixedIps: [Ip("10.10.10.5")]));
        Assert.Equal(new FixedIp(Sub1, "10.10.10.5"), fixedPort.FixedIps.Single());
        Port inPool = await Store.CreatePortAsync(NewPort(fixedIps: [Ip("10.10.10.100", Sub1)]));
        Assert.Equal("10.10.10.100", inPool.FixedIps.Single().IpAddress);
        Assert.Equal("10.10.10.101", (await Store.CreatePortAsync(NewPort(fixedIps: [new FixedIpRequest(Sub1, null)]))).FixedIps.Single().IpAddress);
    }

    [Fact]
    public async Task Port_DuplicateAddress_ConflictNamesOwner()
    {
        await SeedAsync();
        Port first = await Store.CreatePortAsync(NewPort(fixedIps: [Ip("10.10.10.2")]));
        StoreConflictException e = await Assert.ThrowsAsync<StoreConflictException>(() => Store.CreatePortAsync(NewPort(fixedIps: [Ip("10.10.10.2")])));
        Assert.Equal("fixed_ips", e.Field);
        Assert.Equal($"10.10.10.2 is already used by port {first.Id}", e.Message);
    }

    [Theory]
    [InlineData("10.10.10.0", "network address")]
    [InlineData("10.10.10.255", "broadcast address")]
    [InlineData("10.10.11.2", "not in any subnet")]
    [InlineData("10.10.10.300", "is not an IPv4 address")]
    public async Task Port_BadRequestedAddress_Validation(string address, string reason)
    {
        await SeedAsync();
        StoreValidationException e = await Assert.ThrowsAsync<StoreValidationException>(() => Store.CreatePortAsync(NewPort(fixedIps: [Ip(address)])));
        Assert.Equal("fixed_ips", e.Field);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Port_Gateway_OnlyForRouter()
    {
        await SeedAsync();
        await Assert.ThrowsAsync<StoreConflictException>(() => Store.CreatePortAsync(NewPort(fixedIps: [Ip("10.10.10.1")])));
        Port router = await Store.CreatePortAsync(NewPort(fixedIps: [Ip("10.10.10.1")], owner: "network:router_interface"));
        Assert.Equal("10.10.10.1", router.FixedIps.Single().IpAddress);
    }

    [Fact]
    public async Task Port_SecondFixedIpConflicts_NothingWrittenNoEvent()
    {
        await SeedAsync();
        Port owner = await Store.CreatePortAsync(NewPort(fixedIps: [Ip("10.10.10.9")]));
        int events = Changes.Count;

        await Assert.ThrowsAsync<StoreConflictException>(() =>
            Store.CreatePortAsync(NewPort(id: "half", mac: "fa:16:3e:00:00:01", fixedIps: [Ip("10.10.10.8"), Ip("10.10.10.9")])));

        Assert.Null(await Store.GetPortAsync("half"));
        Assert.Equal([owner.Id], (await Store.ListPortsAsync()).Select(p => p.Id));
        Assert.Equal(events, Changes.Count);

        // Neither the address nor the MAC of the failed request is held.
        Port retry = await Store.CreatePortAsync(NewPort(id: "half", mac: "fa:16:3e:00:00:01", fixedIps: [Ip("10.10.10.8")]));
        Assert.Equal("10.10.10.8", retry.FixedIps.Single().IpAddress);
    }

    [Fact]
    public async Task Port_FailedUpdate_LeavesPortAsItWas()
    {
        await SeedAsync();
        Port a = await Store.CreatePortAsync(NewPort(fixedIps: [Ip("10.10.10.20")]));
        await Store.CreatePortAsync(NewPort(fixedIps: [Ip("10.10.10.21")]));
        await Assert.ThrowsAsync<StoreConflictException>(() =>
            Store.UpdatePortAsync(a.Id, new PortUpdate(Name: "changed", FixedIps: [Ip("10.10.10.22"), Ip("10.10.10.21")])));
        Assert.Equal(a, await Store.GetPortAsync(a.Id));
    }

    [Fact]
    public async Task Port_Mac_GeneratedUniqueLowercaseAndCheckedPerNetwork()
    {
        await SeedAsync();
        await Store.CreateNetworkAsync(NewNetwork(Net2));
        Port generated = await Store.CreatePortAsync(NewPort());
        Assert.StartsWith("fa:16:3e:", generated.MacAddress, StringComparison.Ordinal);
        Assert.Equal(generated.MacAddress.ToLowerInvariant(), generated.MacAddress);

        Port given = await Store.CreatePortAsync(NewPort(mac: "FA:16:3E:AB:CD:EF"));
        Assert.Equal("fa:16:3e:ab:cd:ef", given.MacAddress);

        StoreConflictException e = await Assert.ThrowsAsync<StoreConflictException>(() => Store.CreatePortAsync(NewPort(mac: "fa:16:3e:ab:cd:ef")));
        Assert.Equal("mac_address", e.Field);
        Assert.Contains(given.Id, e.Message, StringComparison.Ordinal);

        // The same MAC on another network is fine (Neutron: unique per network).
        await Store.CreatePortAsync(NewPort(network: Net2, mac: "fa:16:3e:ab:cd:ef"));

        Assert.Equal("mac_address", (await Assert.ThrowsAsync<StoreValidationException>(() => Store.CreatePortAsync(NewPort(mac: "fa:16:3e:ab:cd")))).Field);
        Assert.Equal("mac_address", (await Assert.ThrowsAsync<StoreValidationException>(() => Store.CreatePortAsync(NewPort(mac: "01:00:5e:00:00:01")))).Field);
    }

    [Fact]
    public async Task Port_ManyGeneratedMacs_AllDistinct()
    {
        await Store.CreateNetworkAsync(NewNetwork());
        var macs = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            Assert.True(macs.Add((await Store.CreatePortAsync(NewPort(fixedIps: []))).MacAddress));
        }
    }

    [Fact]
    public async Task Port_CreateGetListUpdateDelete_RoundTrips()
    {
        await SeedAsync();
        var request = new PortRequest(
            "p1", Net1, "vm1", "fa:16:3e:fe:c7:87", [Ip("10.10.10.2")], "compute:nova", "instance-1", "vm1",
            [new ExtraDhcpOpt("bootfile-name", "pxelinux.0"), new ExtraDhcpOpt("26", "1400"), new ExtraDhcpOpt("client-id", "01:fa:16:3e:fe:c7:87")]);
        Port created = await Store.CreatePortAsync(request);
        Port expected = new("p1", Net1, "vm1", "fa:16:3e:fe:c7:87", [new FixedIp(Sub1, "10.10.10.2")], "compute:nova", "instance-1", "vm1", request.ExtraDhcpOpts, true);
        AssertPort(expected, created);
        AssertPort(expected, (await Store.GetPortAsync("p1"))!);

        Port updated = await Store.UpdatePortAsync("p1", new PortUpdate(Name: "renamed", FixedIps: [new FixedIpRequest(Sub1, null), Ip("10.10.10.50")], AdminStateUp: false, ExtraDhcpOpts: []));
        Assert.Equal([new FixedIp(Sub1, "10.10.10.2"), new FixedIp(Sub1, "10.10.10.50")], updated.FixedIps);
        Assert.False(updated.AdminStateUp);
        Assert.Empty(updated.ExtraDhcpOpts);
        AssertPort(updated, (await Store.GetPortAsync("p1"))!);

        Port moved = await Store.UpdatePortAsync("p1", new PortUpdate(MacAddress: "fa:16:3e:00:00:99", FixedIps: [Ip("10.10.10.51")]));
        Assert.Equal("fa:16:3e:00:00:99", moved.MacAddress);
        Assert.Equal([new FixedIp(Sub1, "10.10.10.51")], moved.FixedIps);

        // The addresses it let go are free again.
        Assert.Equal("10.10.10.2", (await Store.CreatePortAsync(NewPort())).FixedIps.Single().IpAddress);

        await Store.DeletePortAsync("p1");
        Assert.Null(await Store.GetPortAsync("p1"));
    }

    [Fact]
    public async Task Port_BadExtraDhcpOpt_Validation()
    {
        await SeedAsync();
        PortRequest request = NewPort() with { ExtraDhcpOpts = [new ExtraDhcpOpt("no-such-option", "x")] };
        Assert.Equal("extra_dhcp_opts", (await Assert.ThrowsAsync<StoreValidationException>(() => Store.CreatePortAsync(request))).Field);
        Assert.Empty(await Store.ListPortsAsync());
    }

    [Fact]
    public async Task Ports_ListedPerNetworkInCreationOrder()
    {
        await SeedAsync();
        await Store.CreateNetworkAsync(NewNetwork(Net2));
        await Store.CreatePortAsync(NewPort("b"));
        await Store.CreatePortAsync(NewPort("a"));
        await Store.CreatePortAsync(NewPort("c", network: Net2));
        Assert.Equal(["b", "a"], (await Store.ListPortsAsync(Net1)).Select(p => p.Id));
        Assert.Equal(["b", "a", "c"], (await Store.ListPortsAsync()).Select(p => p.Id));
    }

    // ---- cascade, events, leases ----

    [Fact]
    public async Task Network_Delete_CascadesToSubnetsPortsLeases()
    {
        await SeedAsync();
        await Store.CreateNetworkAsync(NewNetwork(Net2));
        await Store.CreateSubnetAsync(NewSubnet(Sub2, network: Net2));
        await Store.CreatePortAsync(NewPort("p1"));
        await Store.CreatePortAsync(NewPort("p2", network: Net2));
        await Store.SaveLeasesAsync(Net1, [Lease("fa:16:3e:00:00:01", "10.10.10.2")]);

        await Store.DeleteNetworkAsync(Net1);
        Assert.Empty(await Store.ListSubnetsAsync(Net1));
        Assert.Empty(await Store.ListPortsAsync(Net1));
        Assert.Empty(await Store.ListLeasesAsync(Net1));
        Assert.Equal(["p2"], (await Store.ListPortsAsync()).Select(p => p.Id));
        Assert.Equal([Sub2], (await Store.ListSubnetsAsync()).Select(s => s.Id));

        // The same ids can be used again.
        await SeedAsync();
        await Store.CreatePortAsync(NewPort("p1"));
    }

    [Fact]
    public async Task Changed_RaisedAfterCommit_WithNetworkId()
    {
        var seen = new List<(StoreChange Change, bool Visible)>();
        Store.Changed += change =>
        {
            // A listener reading the store inside the event sees the change committed.
            bool visible = change.Kind switch
            {
                StoreChangeKind.NetworkDeleted => Store.GetNetworkAsync(change.ResourceId).Result is null,
                StoreChangeKind.PortDeleted => Store.GetPortAsync(change.ResourceId).Result is null,
                StoreChangeKind.SubnetDeleted => Store.GetSubnetAsync(change.ResourceId).Result is null,
                StoreChangeKind.NetworkCreated or StoreChangeKind.NetworkUpdated => Store.GetNetworkAsync(change.ResourceId).Result is not null,
                StoreChangeKind.SubnetCreated or StoreChangeKind.SubnetUpdated => Store.GetSubnetAsync(change.ResourceId).Result is not null,
                _ => Store.GetPortAsync(change.ResourceId).Result is not null,
            };
            seen.Add((change, visible));
        };

        await SeedAsync();
        Port port = await Store.CreatePortAsync(NewPort("p1"));
        await Store.UpdatePortAsync("p1", new PortUpdate(Name: "x"));
        Subnet subnet = (await Store.GetSubnetAsync(Sub1))!;
        await Store.UpdateSubnetAsync(subnet with { Name = "y" });
        await Store.UpdateNetworkAsync(NewNetwork() with { Name = "z" });
        await Store.DeletePortAsync("p1");
        await Store.DeleteSubnetAsync(Sub1);
        await Store.DeleteNetworkAsync(Net1);

        Assert.Equal(
            [
                new StoreChange(StoreChangeKind.NetworkCreated, Net1, Net1),
                new StoreChange(StoreChangeKind.SubnetCreated, Net1, Sub1),
                new StoreChange(StoreChangeKind.PortCreated, Net1, port.Id),
                new StoreChange(StoreChangeKind.PortUpdated, Net1, port.Id),
                new StoreChange(StoreChangeKind.SubnetUpdated, Net1, Sub1),
                new StoreChange(StoreChangeKind.NetworkUpdated, Net1, Net1),
                new StoreChange(StoreChangeKind.PortDeleted, Net1, port.Id),
                new StoreChange(StoreChangeKind.SubnetDeleted, Net1, Sub1),
                new StoreChange(StoreChangeKind.NetworkDeleted, Net1, Net1),
            ],
            seen.Select(s => s.Change));
        Assert.All(seen, s => Assert.True(s.Visible, s.Change.ToString()));
    }

    [Fact]
    public async Task Leases_SaveReplacesListReturns()
    {
        await SeedAsync();
        LeaseRecord[] first = [Lease("fa:16:3e:00:00:01", "10.10.10.2", "vm1", [1, 0xfa, 0x16]), Lease("fa:16:3e:00:00:02", "10.10.10.3")];
        await Store.SaveLeasesAsync(Net1, first);
        AssertLeases(first, await Store.ListLeasesAsync(Net1));

        LeaseRecord[] second = [Lease("fa:16:3e:00:00:03", "10.10.10.4", expires: 0)];
        await Store.SaveLeasesAsync(Net1, second);
        AssertLeases(second, await Store.ListLeasesAsync(Net1));
        Assert.Empty(await Store.ListLeasesAsync(Net2));
        await Assert.ThrowsAsync<StoreNotFoundException>(() => Store.SaveLeasesAsync(Net2, second));
    }

    // ---- property ----

    /// <summary>
    /// Random create/delete sequences, with and without requested addresses, on a /27 with two small pools: no
    /// address is ever held by two ports, every allocated address is in a pool, and the store agrees with a model.
    /// </summary>
    [Fact]
    public void Ports_RandomCreateDelete_OneAddressOnePortNeverOutsidePools()
    {
        AllocationPool[] pools = [new("10.10.10.4", "10.10.10.7"), new("10.10.10.20", "10.10.10.22")];
        Gen<(int Kind, int Host, int Victim)> op = Gen.Select(Gen.Int[0, 2], Gen.Int[1, 30], Gen.Int[0, 15]);
        op.Array[1, 40].Sample(ops => RunSequence(ops, pools).GetAwaiter().GetResult(), iter: PropertyIterations);
    }

    private async Task RunSequence((int Kind, int Host, int Victim)[] ops, AllocationPool[] pools)
    {
        await using INetworkStore store = CreateStore();
        await store.InitializeAsync();
        await store.CreateNetworkAsync(NewNetwork());
        await store.CreateSubnetAsync(NewSubnet(cidr: "10.10.10.0/27", gateway: "10.10.10.1", pools: pools));
        var poolRanges = pools.Select(p => new Ipv4Range(IPv4Address.Parse(p.Start), IPv4Address.Parse(p.End))).ToArray();
        var model = new Dictionary<string, string>(); // port -> address
        var auto = new HashSet<string>();
        foreach ((int kind, int host, int victim) in ops)
        {
            string requested = $"10.10.10.{host}";
            switch (kind)
            {
                case 0:
                    try
                    {
                        Port p = await store.CreatePortAsync(NewPort());
                        string address = p.FixedIps.Single().IpAddress;
                        model[p.Id] = address;
                        auto.Add(p.Id);
                    }
                    catch (StoreConflictException)
                    {
                        Assert.True(poolRanges.All(r => Enumerable.Range((int)(r.Start.Value & 0xff), (int)r.Count).All(h => model.ContainsValue($"10.10.10.{h}"))));
                    }

                    break;
                case 1:
                    bool taken = model.ContainsValue(requested) || host == 1;
                    try
                    {
                        Port p = await store.CreatePortAsync(NewPort(fixedIps: [Ip(requested)]));
                        Assert.False(taken);
                        model[p.Id] = requested;
                    }
                    catch (StoreConflictException)
                    {
                        Assert.True(taken);
                    }

                    break;
                default:
                    if (model.Count > 0)
                    {
                        string id = model.Keys.ElementAt(victim % model.Count);
                        await store.DeletePortAsync(id);
                        model.Remove(id);
                        auto.Remove(id);
                    }

                    break;
            }

            IReadOnlyList<Port> ports = await store.ListPortsAsync();
            string[] addresses = ports.SelectMany(p => p.FixedIps).Select(f => f.IpAddress).ToArray();
            Assert.Equal(addresses.Length, addresses.Distinct().Count());
            Assert.Equal(model.OrderBy(kv => kv.Key), ports.ToDictionary(p => p.Id, p => p.FixedIps.Single().IpAddress).OrderBy(kv => kv.Key));
            foreach (Port p in ports.Where(p => auto.Contains(p.Id)))
            {
                IPv4Address a = IPv4Address.Parse(p.FixedIps.Single().IpAddress);
                Assert.Contains(poolRanges, r => r.Contains(a));
            }
        }
    }

    protected static LeaseRecord Lease(string mac, string ip, string? host = null, byte[]? clientId = null, long expires = 1795719322) =>
        new(expires, MacAddress.Parse(mac), IPv4Address.Parse(ip), host, clientId);

    protected static void AssertLeases(IReadOnlyList<LeaseRecord> expected, IReadOnlyList<LeaseRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i] with { ClientId = null }, actual[i] with { ClientId = null });
            Assert.Equal(expected[i].ClientId, actual[i].ClientId);
        }
    }

    /// <summary>Records hold lists, which compare by reference: compare them element by element.</summary>
    protected static void AssertPort(Port expected, Port actual)
    {
        Assert.Equal(expected with { FixedIps = [], ExtraDhcpOpts = [] }, actual with { FixedIps = [], ExtraDhcpOpts = [] });
        Assert.Equal(expected.FixedIps, actual.FixedIps);
        Assert.Equal(expected.ExtraDhcpOpts, actual.ExtraDhcpOpts);
    }
}
