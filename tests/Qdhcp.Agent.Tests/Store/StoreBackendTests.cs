using Microsoft.Data.Sqlite;
using Qdhcp.Agent.Ipam;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Engine.Leases;
using Qdhcp.Store.Sqlite;

namespace Qdhcp.Agent.Tests.Store;

public sealed class InMemoryNetworkStoreTests : NetworkStoreContractTests
{
    protected override INetworkStore CreateStore() => new InMemoryNetworkStore(new MacAddressGenerator(seed: 42));
}

/// <summary>The contract on a temporary SQLite file, plus what only a file can do: reopen, migrate, keep its format.</summary>
public sealed class SqliteNetworkStoreTests : NetworkStoreContractTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "qdhcp-store-" + Guid.NewGuid().ToString("N"));

    protected override int PropertyIterations => 15;

    protected override INetworkStore CreateStore() =>
        new SqliteNetworkStore(Path.Combine(_directory, Guid.NewGuid().ToString("N"), "networks.db"), new MacAddressGenerator(seed: 42));

    private string DbPath => ((SqliteNetworkStore)Store).Path;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Reopen_ReadsEverythingBack()
    {
        await SeedAsync();
        await Store.CreateSubnetAsync(NewSubnet(Sub2, cidr: "10.20.0.0/24", gateway: null, pools: [new AllocationPool("10.20.0.10", "10.20.0.20")], dhcp: false));
        Port port = await Store.CreatePortAsync(new PortRequest(
            "p1", Net1, "vm1", null, [Ip("10.10.10.2"), new FixedIpRequest(Sub2, null)], "compute:nova", "vm", "vm1",
            [new ExtraDhcpOpt("tag:ipxe,bootfile-name", "boot.ipxe"), new ExtraDhcpOpt("59", "3600", 6)], AdminStateUp: false));
        LeaseRecord[] leases = [Lease("fa:16:3e:00:00:01", "10.10.10.2", "vm1", [1, 0xfa]), Lease("fa:16:3e:00:00:02", "10.10.10.3", expires: 0)];
        await Store.SaveLeasesAsync(Net1, leases);

        IReadOnlyList<Network> networks = await Store.ListNetworksAsync();
        IReadOnlyList<Subnet> subnets = await Store.ListSubnetsAsync();
        await Store.DisposeAsync();

        await using var reopened = new SqliteNetworkStore(DbPath);
        await reopened.InitializeAsync();
        Assert.Equal(networks, await reopened.ListNetworksAsync());
        Assert.Equal(subnets, await reopened.ListSubnetsAsync());
        Assert.Equal([port], await reopened.ListPortsAsync());
        AssertLeases(leases, await reopened.ListLeasesAsync(Net1));

        // IPAM goes on from what was stored.
        Assert.Equal("10.10.10.3", (await reopened.CreatePortAsync(NewPort())).FixedIps.Single().IpAddress);
    }

    [Fact]
    public async Task Initialize_Twice_KeepsDataAndVersion()
    {
        await SeedAsync();
        await Store.InitializeAsync();
        Assert.NotNull(await Store.GetSubnetAsync(Sub1));
        Assert.Equal((long)SqliteNetworkStore.SchemaVersion, ReadScalar("SELECT version FROM schema_version"));
        Assert.Equal(1L, ReadScalar("SELECT COUNT(*) FROM schema_version"));
        Assert.Equal("wal", ReadScalar("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Initialize_NewerSchema_RefusesWithReason()
    {
        Execute("UPDATE schema_version SET version = 999");
        await Store.DisposeAsync();
        await using var reopened = new SqliteNetworkStore(DbPath);
        InvalidOperationException e = await Assert.ThrowsAsync<InvalidOperationException>(() => reopened.InitializeAsync());
        Assert.Contains("999", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Golden: what is written to disk, column by column. A change here breaks every existing database: add a
    /// migration instead (SqliteSchema) and keep reading the old format.
    /// </summary>
    [Fact]
    public async Task PersistedFormat_IsStable()
    {
        Assert.Equal(1, SqliteNetworkStore.SchemaVersion);
        await Store.CreateNetworkAsync(new Network(Net1, "net", 1450, true, string.Empty));
        await Store.CreateSubnetAsync(new Subnet(Sub1, Net1, "sub", "10.10.10.0/24", "10.10.10.1", ["10.10.10.53"],
            [new HostRoute("192.168.0.0/16", "10.10.10.254")], true, [], 86400));
        await Store.CreatePortAsync(new PortRequest("p1", Net1, "vm", "FA:16:3E:00:00:01", null, "compute:nova", "d", null,
            [new ExtraDhcpOpt("bootfile-name", "pxelinux.0")], AdminStateUp: false));
        await Store.SaveLeasesAsync(Net1, [Lease("fa:16:3e:00:00:01", "10.10.10.2", "vm", [1, 0xfa, 0x16], 1795719322)]);

        Assert.Equal($"{Net1}|net|1450|1|brq5f833617-61", Row("SELECT id, name, mtu, admin_state_up, bridge FROM networks"));
        Assert.Equal(
            $"{Sub1}|{Net1}|sub|10.10.10.0/24|10.10.10.1|[\"10.10.10.53\"]|[{{\"destination\":\"192.168.0.0/16\",\"nexthop\":\"10.10.10.254\"}}]|1|[{{\"start\":\"10.10.10.2\",\"end\":\"10.10.10.254\"}}]|86400",
            Row("SELECT id, network_id, name, cidr, gateway_ip, dns_nameservers, host_routes, enable_dhcp, allocation_pools, lease_seconds FROM subnets"));
        Assert.Equal(
            $"p1|{Net1}|vm|fa:16:3e:00:00:01|compute:nova|d|<null>|[{{\"opt_name\":\"bootfile-name\",\"opt_value\":\"pxelinux.0\",\"ip_version\":4}}]|0",
            Row("SELECT id, network_id, name, mac_address, device_owner, device_id, host_name, extra_dhcp_opts, admin_state_up FROM ports"));
        Assert.Equal($"p1|0|{Net1}|{Sub1}|10.10.10.2", Row("SELECT port_id, position, network_id, subnet_id, ip_address FROM fixed_ips"));
        Assert.Equal($"{Net1}|fa:16:3e:00:00:01|10.10.10.2|vm|01:fa:16|1795719322", Row("SELECT network_id, mac, ip, hostname, client_id, expires FROM leases"));
    }

    /// <summary>A database written by schema 1 (as the golden test pins it) is read by this code.</summary>
    [Fact]
    public async Task Version1File_WrittenByHand_IsRead()
    {
        Execute($"INSERT INTO networks (id, name, mtu, admin_state_up, bridge) VALUES ('{Net2}', 'old', 1500, 1, 'brq9a0a3c41-11')");
        Execute($"INSERT INTO subnets (id, network_id, name, cidr, gateway_ip, dns_nameservers, host_routes, enable_dhcp, allocation_pools, lease_seconds) VALUES ('{Sub2}', '{Net2}', 's', '10.9.0.0/24', NULL, '[]', '[]', 1, '[{{\"start\":\"10.9.0.5\",\"end\":\"10.9.0.6\"}}]', 120)");
        Execute($"INSERT INTO ports (id, network_id, name, mac_address, device_owner, device_id, host_name, extra_dhcp_opts, admin_state_up) VALUES ('p9', '{Net2}', '', 'fa:16:3e:00:00:09', 'network:dhcp', '', 'dhcp', '[]', 1)");
        Execute($"INSERT INTO fixed_ips (port_id, position, network_id, subnet_id, ip_address) VALUES ('p9', 0, '{Net2}', '{Sub2}', '10.9.0.5')");

        Assert.Equal(new Subnet(Sub2, Net2, "s", "10.9.0.0/24", null, [], [], true, [new AllocationPool("10.9.0.5", "10.9.0.6")], 120), await Store.GetSubnetAsync(Sub2));
        Assert.Equal(new Port("p9", Net2, string.Empty, "fa:16:3e:00:00:09", [new FixedIp(Sub2, "10.9.0.5")], "network:dhcp", string.Empty, "dhcp", [], true), await Store.GetPortAsync("p9"));
        Assert.Equal("10.9.0.6", (await Store.CreatePortAsync(NewPort(network: Net2))).FixedIps.Single().IpAddress);
    }

    [Fact]
    public async Task TwoStoresOnOneFile_NeverShareAnAddress()
    {
        await SeedAsync(pools: [new AllocationPool("10.10.10.2", "10.10.10.41")]);
        await using var second = new SqliteNetworkStore(DbPath, new MacAddressGenerator(seed: 7));
        await second.InitializeAsync();
        Task<Port>[] creates = Enumerable.Range(0, 40)
            .Select(i => Task.Run(() => (i % 2 == 0 ? Store : second).CreatePortAsync(NewPort(fixedIps: null))))
            .ToArray();
        Port[] ports = await Task.WhenAll(creates);
        Assert.Equal(40, ports.Select(p => p.FixedIps.Single().IpAddress).Distinct().Count());
        Assert.Equal(40, ports.Select(p => p.MacAddress).Distinct().Count());
    }

    private object? ReadScalar(string sql)
    {
        using var c = new SqliteConnection($"Data Source={DbPath}");
        c.Open();
        using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private void Execute(string sql)
    {
        using var c = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        c.Open();
        using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private string Row(string sql)
    {
        using var c = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        c.Open();
        using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using SqliteDataReader r = cmd.ExecuteReader();
        Assert.True(r.Read());
        string row = string.Join('|', Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "<null>" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)));
        Assert.False(r.Read());
        return row;
    }
}
