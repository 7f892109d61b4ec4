using System.Globalization;
using Microsoft.Data.Sqlite;
using Qdhcp.Agent.Ipam;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Store.Sqlite;

/// <summary>
/// The default <see cref="INetworkStore"/>: one SQLite file (Microsoft.Data.Sqlite), in WAL mode, created and
/// migrated by <see cref="InitializeAsync"/> (see <see cref="SqliteSchema"/>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Every write is one <c>BEGIN IMMEDIATE</c> transaction: it takes the database's write lock first, loads the
/// network's state, runs the shared <see cref="NetworkRules"/> (the same validation and IPAM as every store),
/// writes, commits. Writers in this process also queue on a semaphore, so they do not spin on SQLITE_BUSY.</item>
/// <item>The schema's UNIQUE constraints (one address per network, one MAC per network, one bridge) back the
/// rules up, for a second process on the same file.</item>
/// <item>Reads run in a deferred transaction, so a port list and its fixed IPs are one snapshot.</item>
/// <item><see cref="Changed"/> is raised after the commit, on the writer's thread.</item>
/// <item>Sync SQLite calls behind Task-returning methods: SQLite has no real async I/O.</item>
/// </list>
/// </remarks>
public sealed class SqliteNetworkStore : INetworkStore
{
    private readonly string _connectionString;
    private readonly MacAddressGenerator _macs;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <param name="path">The database file; it and its directory are created when missing.</param>
    /// <param name="macs">Where generated MACs come from; a seeded one makes tests reproducible.</param>
    public SqliteNetworkStore(string path, MacAddressGenerator? macs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        _macs = macs ?? new MacAddressGenerator();
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public event Action<StoreChange>? Changed;

    /// <summary>The schema version in the file after <see cref="InitializeAsync"/>.</summary>
    public static int SchemaVersion => SqliteSchema.CurrentVersion;

    /// <inheritdoc/>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteConnection connection = Open();
            Execute(connection, null, "PRAGMA journal_mode=WAL;");
            using SqliteTransaction tx = connection.BeginTransaction(deferred: false);
            Execute(connection, tx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);");
            long? stored = Scalar<long?>(connection, tx, "SELECT MAX(version) FROM schema_version;");
            int version = (int)(stored ?? 0);
            if (version > SqliteSchema.CurrentVersion)
            {
                throw new InvalidOperationException(
                    $"{Path} has schema version {version}, newer than this qdhcp knows ({SqliteSchema.CurrentVersion}): upgrade qdhcp or use another file");
            }

            for (int v = version + 1; v <= SqliteSchema.CurrentVersion; v++)
            {
                Execute(connection, tx, SqliteSchema.Migrations[v - 1]);
            }

            if (version != SqliteSchema.CurrentVersion)
            {
                Execute(connection, tx, "DELETE FROM schema_version;");
                Execute(connection, tx, "INSERT INTO schema_version (version) VALUES ($v);", ("$v", SqliteSchema.CurrentVersion));
            }

            tx.Commit();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<Network>> ListNetworksAsync(CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<Network>>(cancellationToken, (c, tx) => QueryNetworks(c, tx, null));

    /// <inheritdoc/>
    public Task<Network?> GetNetworkAsync(string id, CancellationToken cancellationToken = default) =>
        Read(cancellationToken, (c, tx) => QueryNetworks(c, tx, id).FirstOrDefault());

    /// <inheritdoc/>
    public Task<Network> CreateNetworkAsync(Network network, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, (c, tx, changes) =>
        {
            Network prepared = NetworkRules.PrepareNetwork(network);
            if (QueryNetworks(c, tx, prepared.Id).Count > 0)
            {
                throw new StoreConflictException("id", $"network {prepared.Id} already exists");
            }

            CheckBridgeFree(c, tx, prepared);
            Execute(c, tx, "INSERT INTO networks (id, name, mtu, admin_state_up, bridge) VALUES ($id, $name, $mtu, $up, $bridge);",
                ("$id", prepared.Id), ("$name", prepared.Name), ("$mtu", prepared.Mtu), ("$up", prepared.AdminStateUp), ("$bridge", prepared.Bridge));
            changes.Add(new StoreChange(StoreChangeKind.NetworkCreated, prepared.Id, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task<Network> UpdateNetworkAsync(Network network, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, (c, tx, changes) =>
        {
            Network current = QueryNetworks(c, tx, network.Id).FirstOrDefault() ?? throw new StoreNotFoundException("network", network.Id);
            Network prepared = NetworkRules.PrepareNetwork(network, current);
            CheckBridgeFree(c, tx, prepared);
            Execute(c, tx, "UPDATE networks SET name = $name, mtu = $mtu, admin_state_up = $up, bridge = $bridge WHERE id = $id;",
                ("$id", prepared.Id), ("$name", prepared.Name), ("$mtu", prepared.Mtu), ("$up", prepared.AdminStateUp), ("$bridge", prepared.Bridge));
            changes.Add(new StoreChange(StoreChangeKind.NetworkUpdated, prepared.Id, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task DeleteNetworkAsync(string id, CancellationToken cancellationToken = default) =>
        Write<object?>(cancellationToken, (c, tx, changes) =>
        {
            if (QueryNetworks(c, tx, id).Count == 0)
            {
                throw new StoreNotFoundException("network", id);
            }

            Execute(c, tx, "DELETE FROM fixed_ips WHERE network_id = $id;", ("$id", id));
            Execute(c, tx, "DELETE FROM ports WHERE network_id = $id;", ("$id", id));
            Execute(c, tx, "DELETE FROM subnets WHERE network_id = $id;", ("$id", id));
            Execute(c, tx, "DELETE FROM leases WHERE network_id = $id;", ("$id", id));
            Execute(c, tx, "DELETE FROM networks WHERE id = $id;", ("$id", id));
            changes.Add(new StoreChange(StoreChangeKind.NetworkDeleted, id, id));
            return null;
        });

    /// <inheritdoc/>
    public Task<IReadOnlyList<Subnet>> ListSubnetsAsync(string? networkId = null, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<Subnet>>(cancellationToken, (c, tx) => QuerySubnets(c, tx, networkId, null));

    /// <inheritdoc/>
    public Task<Subnet?> GetSubnetAsync(string id, CancellationToken cancellationToken = default) =>
        Read(cancellationToken, (c, tx) => QuerySubnets(c, tx, null, id).FirstOrDefault());

    /// <inheritdoc/>
    public Task<Subnet> CreateSubnetAsync(Subnet subnet, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, (c, tx, changes) =>
        {
            NetworkState state = LoadState(c, tx, subnet.NetworkId);
            Subnet prepared = NetworkRules.PrepareSubnet(subnet, state);
            if (QuerySubnets(c, tx, null, prepared.Id).Count > 0)
            {
                throw new StoreConflictException("id", $"subnet {prepared.Id} already exists");
            }

            Execute(c, tx,
                """
                INSERT INTO subnets (id, network_id, name, cidr, gateway_ip, dns_nameservers, host_routes, enable_dhcp, allocation_pools, lease_seconds)
                VALUES ($id, $network, $name, $cidr, $gateway, $dns, $routes, $dhcp, $pools, $lease);
                """,
                SubnetParameters(prepared));
            changes.Add(new StoreChange(StoreChangeKind.SubnetCreated, prepared.NetworkId, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task<Subnet> UpdateSubnetAsync(Subnet subnet, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, (c, tx, changes) =>
        {
            Subnet current = QuerySubnets(c, tx, null, subnet.Id).FirstOrDefault() ?? throw new StoreNotFoundException("subnet", subnet.Id);
            NetworkState state = LoadState(c, tx, current.NetworkId);
            Subnet prepared = NetworkRules.PrepareSubnet(subnet, state, current);
            Execute(c, tx,
                """
                UPDATE subnets SET name = $name, cidr = $cidr, gateway_ip = $gateway, dns_nameservers = $dns, host_routes = $routes,
                    enable_dhcp = $dhcp, allocation_pools = $pools, lease_seconds = $lease
                WHERE id = $id AND network_id = $network;
                """,
                SubnetParameters(prepared));
            changes.Add(new StoreChange(StoreChangeKind.SubnetUpdated, prepared.NetworkId, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task DeleteSubnetAsync(string id, CancellationToken cancellationToken = default) =>
        Write<object?>(cancellationToken, (c, tx, changes) =>
        {
            Subnet current = QuerySubnets(c, tx, null, id).FirstOrDefault() ?? throw new StoreNotFoundException("subnet", id);
            NetworkState state = LoadState(c, tx, current.NetworkId);
            foreach (Port port in NetworkRules.PrepareSubnetDelete(current, state))
            {
                WriteFixedIps(c, tx, port);
                changes.Add(new StoreChange(StoreChangeKind.PortUpdated, port.NetworkId, port.Id));
            }

            Execute(c, tx, "DELETE FROM subnets WHERE id = $id;", ("$id", id));
            changes.Add(new StoreChange(StoreChangeKind.SubnetDeleted, current.NetworkId, id));
            return null;
        });

    /// <inheritdoc/>
    public Task<IReadOnlyList<Port>> ListPortsAsync(string? networkId = null, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<Port>>(cancellationToken, (c, tx) => QueryPorts(c, tx, networkId, null));

    /// <inheritdoc/>
    public Task<Port?> GetPortAsync(string id, CancellationToken cancellationToken = default) =>
        Read(cancellationToken, (c, tx) => QueryPorts(c, tx, null, id).FirstOrDefault());

    /// <inheritdoc/>
    public Task<Port> CreatePortAsync(PortRequest request, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, (c, tx, changes) =>
        {
            NetworkState state = LoadState(c, tx, request.NetworkId);
            Port prepared = NetworkRules.PreparePort(request, state, _macs);
            if (QueryPorts(c, tx, null, prepared.Id).Count > 0)
            {
                throw new StoreConflictException("id", $"port {prepared.Id} already exists");
            }

            Execute(c, tx,
                """
                INSERT INTO ports (id, network_id, name, mac_address, device_owner, device_id, host_name, extra_dhcp_opts, admin_state_up)
                VALUES ($id, $network, $name, $mac, $owner, $device, $host, $opts, $up);
                """,
                PortParameters(prepared));
            WriteFixedIps(c, tx, prepared);
            changes.Add(new StoreChange(StoreChangeKind.PortCreated, prepared.NetworkId, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task<Port> UpdatePortAsync(string id, PortUpdate update, CancellationToken cancellationToken = default) =>
        Write(cancellationToken, (c, tx, changes) =>
        {
            Port current = QueryPorts(c, tx, null, id).FirstOrDefault() ?? throw new StoreNotFoundException("port", id);
            NetworkState state = LoadState(c, tx, current.NetworkId);
            Port prepared = NetworkRules.PreparePortUpdate(current, update, state, _macs);
            Execute(c, tx,
                """
                UPDATE ports SET name = $name, mac_address = $mac, device_owner = $owner, device_id = $device, host_name = $host,
                    extra_dhcp_opts = $opts, admin_state_up = $up
                WHERE id = $id AND network_id = $network;
                """,
                PortParameters(prepared));
            WriteFixedIps(c, tx, prepared);
            changes.Add(new StoreChange(StoreChangeKind.PortUpdated, prepared.NetworkId, prepared.Id));
            return prepared;
        });

    /// <inheritdoc/>
    public Task DeletePortAsync(string id, CancellationToken cancellationToken = default) =>
        Write<object?>(cancellationToken, (c, tx, changes) =>
        {
            Port current = QueryPorts(c, tx, null, id).FirstOrDefault() ?? throw new StoreNotFoundException("port", id);
            Execute(c, tx, "DELETE FROM fixed_ips WHERE port_id = $id;", ("$id", id));
            Execute(c, tx, "DELETE FROM ports WHERE id = $id;", ("$id", id));
            changes.Add(new StoreChange(StoreChangeKind.PortDeleted, current.NetworkId, id));
            return null;
        });

    /// <inheritdoc/>
    public Task<IReadOnlyList<LeaseRecord>> ListLeasesAsync(string networkId, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<LeaseRecord>>(cancellationToken, (c, tx) =>
        {
            using SqliteCommand cmd = Command(c, tx, "SELECT expires, mac, ip, hostname, client_id FROM leases WHERE network_id = $n ORDER BY rowid;", ("$n", networkId));
            using SqliteDataReader r = cmd.ExecuteReader();
            var leases = new List<LeaseRecord>();
            while (r.Read())
            {
                leases.Add(new LeaseRecord(
                    r.GetInt64(0),
                    MacAddress.Parse(r.GetString(1)),
                    IPv4Address.Parse(r.GetString(2)),
                    r.IsDBNull(3) ? null : r.GetString(3),
                    r.IsDBNull(4) ? null : Convert.FromHexString(r.GetString(4).Replace(":", string.Empty, StringComparison.Ordinal))));
            }

            return leases;
        });

    /// <inheritdoc/>
    public Task SaveLeasesAsync(string networkId, IReadOnlyList<LeaseRecord> leases, CancellationToken cancellationToken = default) =>
        Write<object?>(cancellationToken, (c, tx, _) =>
        {
            if (QueryNetworks(c, tx, networkId).Count == 0)
            {
                throw new StoreNotFoundException("network", networkId);
            }

            Execute(c, tx, "DELETE FROM leases WHERE network_id = $n;", ("$n", networkId));
            using SqliteCommand insert = Command(c, tx, "INSERT INTO leases (network_id, mac, ip, hostname, client_id, expires) VALUES ($n, $mac, $ip, $host, $cid, $exp);",
                ("$n", networkId), ("$mac", null), ("$ip", null), ("$host", null), ("$cid", null), ("$exp", null));
            foreach (LeaseRecord lease in leases)
            {
                insert.Parameters["$mac"].Value = lease.Mac.ToString();
                insert.Parameters["$ip"].Value = lease.Address.ToString();
                insert.Parameters["$host"].Value = (object?)lease.HostName ?? DBNull.Value;
                insert.Parameters["$cid"].Value = lease.ClientId is { } id ? FormatHex(id) : DBNull.Value;
                insert.Parameters["$exp"].Value = lease.ExpiresUnixSeconds;
                insert.ExecuteNonQuery();
            }

            return null;
        });

    /// <summary>Releases the pooled connections, so the file can be moved or deleted.</summary>
    public ValueTask DisposeAsync()
    {
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _writeGate.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static string FormatHex(ReadOnlySpan<byte> bytes) =>
        string.Join(':', bytes.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private Task<T> Read<T>(CancellationToken cancellationToken, Func<SqliteConnection, SqliteTransaction, T> read)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        try
        {
            using SqliteConnection connection = Open();
            using SqliteTransaction tx = connection.BeginTransaction(deferred: true);
            T result = read(connection, tx);
            tx.Commit();
            return Task.FromResult(result);
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    private async Task<T> Write<T>(CancellationToken cancellationToken, Func<SqliteConnection, SqliteTransaction, List<StoreChange>, T> write)
    {
        var changes = new List<StoreChange>(2);
        T result;
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteConnection connection = Open();

            // deferred: false is BEGIN IMMEDIATE: the write lock is taken before anything is read.
            using SqliteTransaction tx = connection.BeginTransaction(deferred: false);
            try
            {
                result = write(connection, tx, changes);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19)
            {
                // SQLITE_CONSTRAINT: another process won a race the rules could not see.
                throw new StoreConflictException("id", $"the write conflicts with what another writer stored: {e.Message}");
            }

            tx.Commit();
        }
        finally
        {
            _writeGate.Release();
        }

        foreach (StoreChange change in changes)
        {
            Changed?.Invoke(change);
        }

        return result;
    }

    private NetworkState LoadState(SqliteConnection c, SqliteTransaction tx, string networkId)
    {
        Network network = QueryNetworks(c, tx, networkId).FirstOrDefault() ?? throw new StoreNotFoundException("network", networkId);
        return new NetworkState(network, QuerySubnets(c, tx, networkId, null), QueryPorts(c, tx, networkId, null));
    }

    private static void CheckBridgeFree(SqliteConnection c, SqliteTransaction tx, Network network)
    {
        string? other = Scalar<string?>(c, tx, "SELECT id FROM networks WHERE bridge = $b AND id <> $id LIMIT 1;", ("$b", network.Bridge), ("$id", network.Id));
        if (other is not null)
        {
            throw new StoreConflictException("bridge", $"bridge {network.Bridge} already carries network {other}");
        }
    }

    private static List<Network> QueryNetworks(SqliteConnection c, SqliteTransaction tx, string? id)
    {
        using SqliteCommand cmd = Command(c, tx,
            "SELECT id, name, mtu, admin_state_up, bridge FROM networks WHERE ($id IS NULL OR id = $id) ORDER BY seq;", ("$id", id));
        using SqliteDataReader r = cmd.ExecuteReader();
        var result = new List<Network>();
        while (r.Read())
        {
            result.Add(new Network(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt64(3) != 0, r.GetString(4)));
        }

        return result;
    }

    private static List<Subnet> QuerySubnets(SqliteConnection c, SqliteTransaction tx, string? networkId, string? id)
    {
        using SqliteCommand cmd = Command(c, tx,
            """
            SELECT id, network_id, name, cidr, gateway_ip, dns_nameservers, host_routes, enable_dhcp, allocation_pools, lease_seconds
            FROM subnets WHERE ($n IS NULL OR network_id = $n) AND ($id IS NULL OR id = $id) ORDER BY seq;
            """,
            ("$n", networkId), ("$id", id));
        using SqliteDataReader r = cmd.ExecuteReader();
        var result = new List<Subnet>();
        while (r.Read())
        {
            result.Add(new Subnet(
                r.GetString(0),
                r.GetString(1),
                r.GetString(2),
                r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4),
                SqliteJson.ReadNameservers(r.GetString(5)),
                SqliteJson.ReadRoutes(r.GetString(6)),
                r.GetInt64(7) != 0,
                SqliteJson.ReadPools(r.GetString(8)),
                (uint)r.GetInt64(9)));
        }

        return result;
    }

    private static List<Port> QueryPorts(SqliteConnection c, SqliteTransaction tx, string? networkId, string? id)
    {
        var fixedIps = new Dictionary<string, List<FixedIp>>(StringComparer.Ordinal);
        using (SqliteCommand ips = Command(c, tx,
            """
            SELECT f.port_id, f.subnet_id, f.ip_address FROM fixed_ips f
            WHERE ($n IS NULL OR f.network_id = $n) AND ($id IS NULL OR f.port_id = $id) ORDER BY f.port_id, f.position;
            """,
            ("$n", networkId), ("$id", id)))
        using (SqliteDataReader r = ips.ExecuteReader())
        {
            while (r.Read())
            {
                string port = r.GetString(0);
                if (!fixedIps.TryGetValue(port, out List<FixedIp>? list))
                {
                    fixedIps[port] = list = [];
                }

                list.Add(new FixedIp(r.GetString(1), r.GetString(2)));
            }
        }

        using SqliteCommand cmd = Command(c, tx,
            """
            SELECT id, network_id, name, mac_address, device_owner, device_id, host_name, extra_dhcp_opts, admin_state_up
            FROM ports WHERE ($n IS NULL OR network_id = $n) AND ($id IS NULL OR id = $id) ORDER BY seq;
            """,
            ("$n", networkId), ("$id", id));
        using SqliteDataReader p = cmd.ExecuteReader();
        var result = new List<Port>();
        while (p.Read())
        {
            string portId = p.GetString(0);
            result.Add(new Port(
                portId,
                p.GetString(1),
                p.GetString(2),
                p.GetString(3),
                fixedIps.TryGetValue(portId, out List<FixedIp>? list) ? list : [],
                p.GetString(4),
                p.GetString(5),
                p.IsDBNull(6) ? null : p.GetString(6),
                SqliteJson.ReadOptions(p.GetString(7)),
                p.GetInt64(8) != 0));
        }

        return result;
    }

    private static void WriteFixedIps(SqliteConnection c, SqliteTransaction tx, Port port)
    {
        Execute(c, tx, "DELETE FROM fixed_ips WHERE port_id = $id;", ("$id", port.Id));
        for (int i = 0; i < port.FixedIps.Count; i++)
        {
            Execute(c, tx, "INSERT INTO fixed_ips (port_id, position, network_id, subnet_id, ip_address) VALUES ($p, $i, $n, $s, $ip);",
                ("$p", port.Id), ("$i", i), ("$n", port.NetworkId), ("$s", port.FixedIps[i].SubnetId), ("$ip", port.FixedIps[i].IpAddress));
        }
    }

    private static (string, object?)[] SubnetParameters(Subnet s) =>
    [
        ("$id", s.Id), ("$network", s.NetworkId), ("$name", s.Name), ("$cidr", s.Cidr), ("$gateway", s.GatewayIp),
        ("$dns", SqliteJson.Nameservers(s.DnsNameservers)), ("$routes", SqliteJson.Routes(s.HostRoutes)), ("$dhcp", s.EnableDhcp),
        ("$pools", SqliteJson.Pools(s.AllocationPools)), ("$lease", (long)s.LeaseSeconds),
    ];

    private static (string, object?)[] PortParameters(Port p) =>
    [
        ("$id", p.Id), ("$network", p.NetworkId), ("$name", p.Name), ("$mac", p.MacAddress), ("$owner", p.DeviceOwner),
        ("$device", p.DeviceId), ("$host", p.HostName), ("$opts", SqliteJson.Options(p.ExtraDhcpOpts)), ("$up", p.AdminStateUp),
    ];

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        SqliteCommand cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach ((string name, object? value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value switch
            {
                null => DBNull.Value,
                bool b => b ? 1L : 0L,
                _ => value,
            });
        }

        return cmd;
    }

    private static void Execute(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using SqliteCommand cmd = Command(c, tx, sql, parameters);
        cmd.ExecuteNonQuery();
    }

    private static T? Scalar<T>(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using SqliteCommand cmd = Command(c, tx, sql, parameters);
        object? value = cmd.ExecuteScalar();
        return value is null or DBNull ? default : (T)value;
    }
}
