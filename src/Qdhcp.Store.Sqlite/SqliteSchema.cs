namespace Qdhcp.Store.Sqlite;

/// <summary>
/// The schema as an ordered list of migrations. The database records the last one applied in
/// <c>schema_version</c>; on start every later one runs, all in one transaction. Never edit a released script:
/// append a new one.
/// </summary>
/// <remarks>
/// Persisted formats (guarded by a golden test): booleans 0/1; MACs lowercase <c>aa:bb:cc:dd:ee:ff</c>; addresses
/// dotted quads; CIDRs <c>a.b.c.d/n</c>; list columns JSON with snake_case names (<c>["10.0.0.53"]</c>,
/// <c>[{"destination":..,"nexthop":..}]</c>, <c>[{"start":..,"end":..}]</c>,
/// <c>[{"opt_name":..,"opt_value":..,"ip_version":4}]</c>); lease client-ids colon-separated lowercase hex;
/// expiry Unix seconds (0 = infinite). <c>seq</c> keeps creation order, which IPAM uses (first subnet first).
/// </remarks>
internal static class SqliteSchema
{
    /// <summary>Migration n (1-based) brings the schema from version n-1 to n.</summary>
    public static IReadOnlyList<string> Migrations { get; } =
    [
        // 1: networks, subnets, ports, fixed IPs, leases.
        """
        CREATE TABLE networks (
            seq             INTEGER PRIMARY KEY AUTOINCREMENT,
            id              TEXT    NOT NULL UNIQUE,
            name            TEXT    NOT NULL,
            mtu             INTEGER NOT NULL,
            admin_state_up  INTEGER NOT NULL,
            bridge          TEXT    NOT NULL UNIQUE
        );
        CREATE TABLE subnets (
            seq              INTEGER PRIMARY KEY AUTOINCREMENT,
            id               TEXT    NOT NULL UNIQUE,
            network_id       TEXT    NOT NULL REFERENCES networks(id),
            name             TEXT    NOT NULL,
            cidr             TEXT    NOT NULL,
            gateway_ip       TEXT    NULL,
            dns_nameservers  TEXT    NOT NULL,
            host_routes      TEXT    NOT NULL,
            enable_dhcp      INTEGER NOT NULL,
            allocation_pools TEXT    NOT NULL,
            lease_seconds    INTEGER NOT NULL
        );
        CREATE INDEX subnets_network ON subnets(network_id);
        CREATE TABLE ports (
            seq              INTEGER PRIMARY KEY AUTOINCREMENT,
            id               TEXT    NOT NULL UNIQUE,
            network_id       TEXT    NOT NULL REFERENCES networks(id),
            name             TEXT    NOT NULL,
            mac_address      TEXT    NOT NULL,
            device_owner     TEXT    NOT NULL,
            device_id        TEXT    NOT NULL,
            host_name        TEXT    NULL,
            extra_dhcp_opts  TEXT    NOT NULL,
            admin_state_up   INTEGER NOT NULL,
            UNIQUE (network_id, mac_address)
        );
        CREATE TABLE fixed_ips (
            port_id     TEXT    NOT NULL REFERENCES ports(id),
            position    INTEGER NOT NULL,
            network_id  TEXT    NOT NULL REFERENCES networks(id),
            subnet_id   TEXT    NOT NULL REFERENCES subnets(id),
            ip_address  TEXT    NOT NULL,
            PRIMARY KEY (port_id, position),
            UNIQUE (network_id, ip_address)
        );
        CREATE INDEX fixed_ips_subnet ON fixed_ips(subnet_id);
        CREATE TABLE leases (
            network_id  TEXT    NOT NULL REFERENCES networks(id),
            mac         TEXT    NOT NULL,
            ip          TEXT    NOT NULL,
            hostname    TEXT    NULL,
            client_id   TEXT    NULL,
            expires     INTEGER NOT NULL
        );
        CREATE INDEX leases_network ON leases(network_id);
        """,
    ];

    /// <summary>The version this code writes and reads.</summary>
    public static int CurrentVersion => Migrations.Count;
}
