using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Qdhcp.Agent.Ipam;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Api.Json;

namespace Qdhcp.Api.Endpoints;

/// <summary><c>/v2.0/subnets</c>: list, show, create, update, delete, as Neutron's (IPv4 only for now).</summary>
internal sealed class SubnetEndpoints(INetworkStore store)
{
    /// <summary>Neutron's <c>dhcp_lease_duration</c> default.</summary>
    public const uint DefaultLeaseSeconds = 86400;

    private static readonly string[] Updatable =
        ["name", "gateway_ip", "allocation_pools", "dns_nameservers", "host_routes", "enable_dhcp", "qdhcp:lease_seconds"];

    private static readonly string[] NeutralFields =
        ["description", "tenant_id", "project_id", "subnetpool_id", "use_default_subnetpool", "ipv6_ra_mode", "ipv6_address_mode",
         "segment_id", "service_types", "dns_publish_fixed_ip", "tags"];

    private static readonly string[] CreateFields = ["network_id", "cidr", "ip_version", .. Updatable, .. NeutralFields];

    private static readonly string[] UpdateFields = [.. Updatable, .. NeutralFields];

    private static readonly string[] PoolKeys = ["start", "end"];

    private static readonly string[] RouteKeys = ["destination", "nexthop"];

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v2.0/subnets", ListAsync);
        routes.MapPost("/v2.0/subnets", CreateAsync);
        routes.MapGet("/v2.0/subnets/{id}", ShowAsync);
        routes.MapPut("/v2.0/subnets/{id}", UpdateAsync);
        routes.MapDelete("/v2.0/subnets/{id}", DeleteAsync);
    }

    private async Task ListAsync(HttpContext context)
    {
        string? networkId = context.Request.Query["network_id"] is { Count: 1 } one ? one.ToString() : null;
        IReadOnlyList<Subnet> subnets = await store.ListSubnetsAsync(networkId, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteListAsync(context, "subnets", subnets.Select(Bodies.Of), HttpJson.Json.SubnetBody).ConfigureAwait(false);
    }

    private async Task ShowAsync(HttpContext context)
    {
        Subnet subnet = await GetAsync(HttpJson.RouteId(context), context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteOneAsync(context, StatusCodes.Status200OK, "subnet", Bodies.Of(subnet), HttpJson.Json.SubnetBody).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext context)
    {
        RequestBody body = await RequestBody.ReadAsync(context, "subnet", "subnets").ConfigureAwait(false);
        body.RejectUnknown(CreateFields);
        CheckNeutral(body);
        string networkId = body.String("network_id") ?? throw new ApiInputException("network_id", "network_id is required");
        string cidrText = body.String("cidr") ?? throw new ApiInputException("cidr", "cidr is required (e.g. 10.10.10.0/24)");
        long ipVersion = body.Integer("ip_version", 0, 100) ?? 4;
        if (ipVersion != 4)
        {
            throw new ApiInputException("ip_version", ipVersion == 6 ? "IPv6 subnets are not served yet: only ip_version 4 is supported" : $"{ipVersion} is not a valid IP version (4)");
        }

        // gateway_ip absent: Neutron's default, the first host; null: no gateway (no router option). The store checks
        // the CIDR, the gateway and the pools (empty: Neutron's default pools) and makes the id.
        string? gateway = body.Has("gateway_ip") ? body.String("gateway_ip", nullable: true) : NetworkRules.DefaultGatewayIp(cidrText);
        Subnet subnet = new(
            "",
            networkId,
            body.String("name") ?? "",
            cidrText,
            gateway,
            body.StringList("dns_nameservers") ?? [],
            Routes(body) ?? [],
            body.Bool("enable_dhcp") ?? true,
            Pools(body) ?? [],
            LeaseSeconds(body) ?? DefaultLeaseSeconds);
        Subnet created = await store.CreateSubnetAsync(subnet, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteOneAsync(context, StatusCodes.Status201Created, "subnet", Bodies.Of(created), HttpJson.Json.SubnetBody).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context)
    {
        CancellationToken ct = context.RequestAborted;
        RequestBody body = await RequestBody.ReadAsync(context, "subnet", "subnets").ConfigureAwait(false);
        body.RejectReadOnly("id", "network_id", "cidr", "ip_version", "created_at", "updated_at", "revision_number");
        body.RejectUnknown(UpdateFields);
        CheckNeutral(body);
        Subnet current = await GetAsync(HttpJson.RouteId(context), ct).ConfigureAwait(false);
        Subnet changed = current with
        {
            Name = body.String("name") ?? current.Name,
            GatewayIp = body.Has("gateway_ip") ? body.String("gateway_ip", nullable: true) : current.GatewayIp,
            AllocationPools = Pools(body) ?? current.AllocationPools,
            DnsNameservers = body.StringList("dns_nameservers") ?? current.DnsNameservers,
            HostRoutes = Routes(body) ?? current.HostRoutes,
            EnableDhcp = body.Bool("enable_dhcp") ?? current.EnableDhcp,
            LeaseSeconds = LeaseSeconds(body) ?? current.LeaseSeconds,
        };
        Subnet updated = await store.UpdateSubnetAsync(changed, ct).ConfigureAwait(false);
        await HttpJson.WriteOneAsync(context, StatusCodes.Status200OK, "subnet", Bodies.Of(updated), HttpJson.Json.SubnetBody).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext context)
    {
        string id = HttpJson.RouteId(context);
        _ = await GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        await store.DeleteSubnetAsync(id, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task<Subnet> GetAsync(string id, CancellationToken ct) =>
        await store.GetSubnetAsync(id, ct).ConfigureAwait(false) ?? throw ApiErrorException.NotFound("Subnet", id);

    private static List<AllocationPool>? Pools(RequestBody body) =>
        body.ObjectList("allocation_pools", PoolKeys, o => new AllocationPool(o.String("start", required: true)!, o.String("end", required: true)!));

    private static List<HostRoute>? Routes(RequestBody body) =>
        body.ObjectList("host_routes", RouteKeys, o => new HostRoute(o.String("destination", required: true)!, o.String("nexthop", required: true)!));

    private static uint? LeaseSeconds(RequestBody body) => (uint?)body.Integer("qdhcp:lease_seconds", 1, uint.MaxValue);

    private static void CheckNeutral(RequestBody body)
    {
        Neutral.Description(body);
        Neutral.Project(body);
        Neutral.Null(body, "subnetpool_id", "qdhcp has no subnet pools: give the cidr");
        Neutral.False(body, "use_default_subnetpool", "qdhcp has no subnet pools: give the cidr");
        Neutral.Null(body, "ipv6_ra_mode", "IPv6 is not served yet");
        Neutral.Null(body, "ipv6_address_mode", "IPv6 is not served yet");
        Neutral.Null(body, "segment_id", "qdhcp has no network segments");
        Neutral.EmptyList(body, "service_types", "qdhcp has no service types");
        Neutral.False(body, "dns_publish_fixed_ip", "qdhcp does not publish to an external DNS");
        Neutral.EmptyList(body, "tags", "tags are not supported by qdhcp");
    }
}
