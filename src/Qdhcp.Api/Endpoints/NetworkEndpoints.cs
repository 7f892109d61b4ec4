using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Qdhcp.Agent.Ipam;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Api.Json;

namespace Qdhcp.Api.Endpoints;

/// <summary><c>/v2.0/networks</c>: list, show, create, update, delete, as Neutron's.</summary>
internal sealed class NetworkEndpoints(INetworkStore store)
{
    public const int DefaultMtu = 1500;

    // Declared first: static fields initialize in order.
    // Neutron attributes qdhcp takes only with their neutral value (what an unconfigured Neutron network has).
    private static readonly string[] NeutralFields =
        ["description", "shared", "router:external", "port_security_enabled", "availability_zone_hints", "tenant_id", "project_id", "tags"];

    private static readonly string[] CreateFields =
        ["name", "admin_state_up", "mtu", "qdhcp:bridge", .. NeutralFields];

    private static readonly string[] UpdateFields = CreateFields;

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v2.0/networks", ListAsync);
        routes.MapPost("/v2.0/networks", CreateAsync);
        routes.MapGet("/v2.0/networks/{id}", ShowAsync);
        routes.MapPut("/v2.0/networks/{id}", UpdateAsync);
        routes.MapDelete("/v2.0/networks/{id}", DeleteAsync);
    }

    private async Task ListAsync(HttpContext context)
    {
        CancellationToken ct = context.RequestAborted;
        IReadOnlyList<Network> networks = await store.ListNetworksAsync(ct).ConfigureAwait(false);
        ILookup<string, string> subnets = (await store.ListSubnetsAsync(null, ct).ConfigureAwait(false)).ToLookup(s => s.NetworkId, s => s.Id);
        await HttpJson.WriteListAsync(context, "networks", networks.Select(n => Bodies.Of(n, [.. subnets[n.Id]])), HttpJson.Json.NetworkBody).ConfigureAwait(false);
    }

    private async Task ShowAsync(HttpContext context)
    {
        Network network = await GetAsync(HttpJson.RouteId(context), context.RequestAborted).ConfigureAwait(false);
        await WriteAsync(context, StatusCodes.Status200OK, network).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext context)
    {
        RequestBody body = await RequestBody.ReadAsync(context, "network", "networks").ConfigureAwait(false);
        body.RejectUnknown(CreateFields);
        CheckNeutral(body);
        // Empty id and bridge: the store makes a UUID and brq<first 11 of it>.
        Network network = new(
            "",
            body.String("name") ?? "",
            (int?)body.Integer("mtu", NetworkRules.MinMtu, NetworkRules.MaxMtu) ?? DefaultMtu,
            body.Bool("admin_state_up") ?? true,
            BridgeName(body) ?? "");
        Network created = await store.CreateNetworkAsync(network, context.RequestAborted).ConfigureAwait(false);
        await WriteAsync(context, StatusCodes.Status201Created, created).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context)
    {
        CancellationToken ct = context.RequestAborted;
        RequestBody body = await RequestBody.ReadAsync(context, "network", "networks").ConfigureAwait(false);
        body.RejectReadOnly("id", "status", "subnets", "created_at", "updated_at", "revision_number");
        body.RejectUnknown(UpdateFields);
        CheckNeutral(body);
        Network current = await GetAsync(HttpJson.RouteId(context), ct).ConfigureAwait(false);
        Network changed = current with
        {
            Name = body.String("name") ?? current.Name,
            Mtu = (int?)body.Integer("mtu", NetworkRules.MinMtu, NetworkRules.MaxMtu) ?? current.Mtu,
            AdminStateUp = body.Bool("admin_state_up") ?? current.AdminStateUp,
            Bridge = BridgeName(body) ?? current.Bridge,
        };
        Network updated = await store.UpdateNetworkAsync(changed, ct).ConfigureAwait(false);
        await WriteAsync(context, StatusCodes.Status200OK, updated).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext context)
    {
        string id = HttpJson.RouteId(context);
        _ = await GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        await store.DeleteNetworkAsync(id, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task<Network> GetAsync(string id, CancellationToken ct) =>
        await store.GetNetworkAsync(id, ct).ConfigureAwait(false) ?? throw ApiErrorException.NotFound("Network", id);

    private async Task WriteAsync(HttpContext context, int status, Network network)
    {
        IReadOnlyList<Subnet> subnets = await store.ListSubnetsAsync(network.Id, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteOneAsync(context, status, "network", Bodies.Of(network, [.. subnets.Select(s => s.Id)]), HttpJson.Json.NetworkBody).ConfigureAwait(false);
    }

    /// <summary>Linux limits interface names to 15 characters (IFNAMSIZ - 1).</summary>
    private static string? BridgeName(RequestBody body)
    {
        string? bridge = body.String("qdhcp:bridge");
        if (bridge is not null && !NetworkRules.IsValidInterfaceName(bridge))
        {
            throw new ApiInputException("qdhcp:bridge", $"'{bridge}' is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)");
        }

        return bridge;
    }

    private static void CheckNeutral(RequestBody body)
    {
        Neutral.Description(body);
        Neutral.False(body, "shared", "qdhcp serves each network to itself only; shared networks are not supported");
        Neutral.False(body, "router:external", "qdhcp has no routers; external networks are not supported");
        Neutral.False(body, "port_security_enabled", "qdhcp has no security groups; port security cannot be enabled");
        Neutral.EmptyList(body, "availability_zone_hints", "qdhcp has no availability zones");
        Neutral.Project(body);
        Neutral.EmptyList(body, "tags", "tags are not supported by qdhcp");
    }
}
