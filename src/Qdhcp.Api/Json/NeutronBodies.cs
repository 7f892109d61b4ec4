using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Qdhcp.Api.Json;

// Response bodies, field for field as Neutron's (ML2 with the usual extensions) answers them, so that openstacksdk
// and python-openstackclient find every attribute they read and print. Attributes qdhcp has no notion of carry
// Neutron's neutral value (shared false, no security groups, no QoS); "qdhcp:*" attributes are ours.

/// <summary>A network as Neutron shows it.</summary>
public sealed class NetworkBody
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string TenantId { get; init; } = "";

    public string ProjectId { get; init; } = "";

    public bool AdminStateUp { get; init; }

    public int Mtu { get; init; }

    public string Status { get; init; } = "ACTIVE";

    /// <summary>The ids of the network's subnets.</summary>
    public IReadOnlyList<string> Subnets { get; init; } = [];

    public bool Shared { get; init; }

    [JsonPropertyName("router:external")]
    public bool RouterExternal { get; init; }

    public string Description { get; init; } = "";

    public bool PortSecurityEnabled { get; init; }

    public IReadOnlyList<string> AvailabilityZoneHints { get; init; } = [];

    public IReadOnlyList<string> AvailabilityZones { get; init; } = [];

    [JsonPropertyName("ipv4_address_scope")]
    public string? Ipv4AddressScope { get; init; }

    [JsonPropertyName("ipv6_address_scope")]
    public string? Ipv6AddressScope { get; init; }

    public bool L2Adjacency { get; init; } = true;

    public string? QosPolicyId { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? CreatedAt { get; init; }

    public string? UpdatedAt { get; init; }

    public int RevisionNumber { get; init; }

    /// <summary>Ours: the Linux bridge the network's DHCP port is plugged into.</summary>
    [JsonPropertyName("qdhcp:bridge")]
    public required string Bridge { get; init; }
}

public sealed record AllocationPoolBody(string Start, string End);

public sealed record HostRouteBody(string Destination, string Nexthop);

/// <summary>A subnet as Neutron shows it.</summary>
public sealed class SubnetBody
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string NetworkId { get; init; }

    public string TenantId { get; init; } = "";

    public string ProjectId { get; init; } = "";

    public int IpVersion { get; init; } = 4;

    public required string Cidr { get; init; }

    public string? GatewayIp { get; init; }

    public IReadOnlyList<AllocationPoolBody> AllocationPools { get; init; } = [];

    public IReadOnlyList<string> DnsNameservers { get; init; } = [];

    public IReadOnlyList<HostRouteBody> HostRoutes { get; init; } = [];

    public bool EnableDhcp { get; init; }

    [JsonPropertyName("ipv6_ra_mode")]
    public string? Ipv6RaMode { get; init; }

    [JsonPropertyName("ipv6_address_mode")]
    public string? Ipv6AddressMode { get; init; }

    public string? SubnetpoolId { get; init; }

    public string? SegmentId { get; init; }

    public bool DnsPublishFixedIp { get; init; }

    public IReadOnlyList<string> ServiceTypes { get; init; } = [];

    public string Description { get; init; } = "";

    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? CreatedAt { get; init; }

    public string? UpdatedAt { get; init; }

    public int RevisionNumber { get; init; }

    /// <summary>Ours: the DHCP lease time of the subnet's addresses, in seconds.</summary>
    [JsonPropertyName("qdhcp:lease_seconds")]
    public uint LeaseSeconds { get; init; }
}

public sealed record FixedIpBody(string SubnetId, string IpAddress);

public sealed record ExtraDhcpOptBody(string OptName, string OptValue, int IpVersion);

/// <summary>A port as Neutron shows it.</summary>
public sealed class PortBody
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string NetworkId { get; init; }

    public string TenantId { get; init; } = "";

    public string ProjectId { get; init; } = "";

    public required string MacAddress { get; init; }

    public bool AdminStateUp { get; init; }

    public string Status { get; init; } = "ACTIVE";

    public string DeviceId { get; init; } = "";

    public string DeviceOwner { get; init; } = "";

    public IReadOnlyList<FixedIpBody> FixedIps { get; init; } = [];

    public IReadOnlyList<ExtraDhcpOptBody> ExtraDhcpOpts { get; init; } = [];

    /// <summary>The port's host name in the DHCP hosts table; "" means Neutron's default, <c>host-a-b-c-d</c>.</summary>
    public string DnsName { get; init; } = "";

    public IReadOnlyList<JsonObject> AllowedAddressPairs { get; init; } = [];

    public IReadOnlyList<string> SecurityGroups { get; init; } = [];

    public bool PortSecurityEnabled { get; init; }

    [JsonPropertyName("binding:host_id")]
    public string BindingHostId { get; init; } = "";

    [JsonPropertyName("binding:vnic_type")]
    public string BindingVnicType { get; init; } = "normal";

    [JsonPropertyName("binding:vif_type")]
    public string BindingVifType { get; init; } = "unbound";

    [JsonPropertyName("binding:vif_details")]
    public JsonObject BindingVifDetails { get; init; } = [];

    [JsonPropertyName("binding:profile")]
    public JsonObject BindingProfile { get; init; } = [];

    public string? QosPolicyId { get; init; }

    public string? QosNetworkPolicyId { get; init; }

    public string Description { get; init; } = "";

    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? CreatedAt { get; init; }

    public string? UpdatedAt { get; init; }

    public int RevisionNumber { get; init; }
}

/// <summary>A lease as <c>GET /v2.0/qdhcp/networks/{id}/leases</c> shows it (our extension).</summary>
/// <param name="ExpiresAt">UTC, ISO 8601; null for an infinite lease.</param>
/// <param name="ClientId">Option 61 in hex (<c>01:fa:16:3e:...</c>), or null.</param>
public sealed record LeaseBody(string MacAddress, string IpAddress, string? Hostname, string? ClientId, string? ExpiresAt);

public sealed record LeasesEnvelope(IReadOnlyList<LeaseBody> Leases);

public sealed record NeutronError(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("detail")] string Detail);

public sealed record NeutronErrorEnvelope([property: JsonPropertyName("NeutronError")] NeutronError NeutronError);

public sealed record Link(string Href, string Rel);

public sealed record ApiVersion(string Id, string Status, IReadOnlyList<Link> Links);

public sealed record VersionsEnvelope(IReadOnlyList<ApiVersion> Versions);

public sealed record ApiResource(string Name, string Collection, IReadOnlyList<Link> Links);

public sealed record ResourcesEnvelope(IReadOnlyList<ApiResource> Resources);

public sealed record ExtensionBody(string Alias, string Name, string Description, string Updated, IReadOnlyList<Link> Links);

public sealed record ExtensionsEnvelope(IReadOnlyList<ExtensionBody> Extensions);

public sealed record ExtensionEnvelope(ExtensionBody Extension);

public sealed record HealthBody(string Status, bool Healthy, int NetworksServed);

/// <summary>
/// Source-generated serialization of every body the API writes (no reflection: the <c>qdhcp</c> executable is
/// trimmed/AOT-compatible). Names are snake_case as Neutron's; nulls are written, as Neutron writes them.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(NetworkBody))]
[JsonSerializable(typeof(SubnetBody))]
[JsonSerializable(typeof(PortBody))]
[JsonSerializable(typeof(LeasesEnvelope))]
[JsonSerializable(typeof(NeutronErrorEnvelope))]
[JsonSerializable(typeof(VersionsEnvelope))]
[JsonSerializable(typeof(ResourcesEnvelope))]
[JsonSerializable(typeof(ExtensionsEnvelope))]
[JsonSerializable(typeof(ExtensionEnvelope))]
[JsonSerializable(typeof(HealthBody))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(NetworkEnvelope))]
[JsonSerializable(typeof(NetworksEnvelope))]
[JsonSerializable(typeof(SubnetEnvelope))]
[JsonSerializable(typeof(SubnetsEnvelope))]
[JsonSerializable(typeof(PortEnvelope))]
[JsonSerializable(typeof(PortsEnvelope))]
public sealed partial class NeutronJsonContext : JsonSerializerContext;

// Envelopes, for clients of the API (the qdhcp CLI reads with these).
public sealed record NetworkEnvelope(NetworkBody Network);

public sealed record NetworksEnvelope(IReadOnlyList<NetworkBody> Networks);

public sealed record SubnetEnvelope(SubnetBody Subnet);

public sealed record SubnetsEnvelope(IReadOnlyList<SubnetBody> Subnets);

public sealed record PortEnvelope(PortBody Port);

public sealed record PortsEnvelope(IReadOnlyList<PortBody> Ports);
