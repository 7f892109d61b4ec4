using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Qdhcp.Agent.Model;
using Qdhcp.Agent.Store;
using Qdhcp.Api.Json;

namespace Qdhcp.Api.Endpoints;

/// <summary><c>/v2.0/ports</c>: list, show, create, update, delete, as Neutron's.</summary>
internal sealed class PortEndpoints(INetworkStore store)
{
    private static readonly string[] Updatable =
        ["name", "mac_address", "fixed_ips", "device_owner", "device_id", "dns_name", "extra_dhcp_opts", "admin_state_up"];

    private static readonly string[] NeutralFields =
        ["description", "tenant_id", "project_id", "binding:host_id", "binding:vnic_type", "binding:profile", "port_security_enabled",
         "security_groups", "allowed_address_pairs", "qos_policy_id", "tags"];

    private static readonly string[] CreateFields = ["network_id", .. Updatable, .. NeutralFields];

    private static readonly string[] UpdateFields = [.. Updatable, .. NeutralFields];

    private static readonly string[] FixedIpKeys = ["subnet_id", "ip_address"];

    private static readonly string[] ExtraDhcpOptKeys = ["opt_name", "opt_value", "ip_version"];

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v2.0/ports", ListAsync);
        routes.MapPost("/v2.0/ports", CreateAsync);
        routes.MapGet("/v2.0/ports/{id}", ShowAsync);
        routes.MapPut("/v2.0/ports/{id}", UpdateAsync);
        routes.MapDelete("/v2.0/ports/{id}", DeleteAsync);
    }

    private async Task ListAsync(HttpContext context)
    {
        string? networkId = context.Request.Query["network_id"] is { Count: 1 } one ? one.ToString() : null;
        IReadOnlyList<Port> ports = await store.ListPortsAsync(networkId, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteListAsync(context, "ports", ports.Select(Bodies.Of), HttpJson.Json.PortBody).ConfigureAwait(false);
    }

    private async Task ShowAsync(HttpContext context)
    {
        Port port = await GetAsync(HttpJson.RouteId(context), context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteOneAsync(context, StatusCodes.Status200OK, "port", Bodies.Of(port), HttpJson.Json.PortBody).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext context)
    {
        RequestBody body = await RequestBody.ReadAsync(context, "port", "ports").ConfigureAwait(false);
        body.RejectUnknown(CreateFields);
        CheckNeutral(body);
        string networkId = body.String("network_id") ?? throw new ApiInputException("network_id", "network_id is required");
        PortRequest request = new(
            Id: null,
            NetworkId: networkId,
            Name: body.String("name") ?? "",
            MacAddress: Mac(body),
            FixedIps: FixedIps(body),
            DeviceOwner: body.String("device_owner") ?? "",
            DeviceId: body.String("device_id") ?? "",
            HostName: HostName(body, current: null),
            ExtraDhcpOpts: MergeExtraDhcpOpts([], ExtraDhcpOpts(body)),
            AdminStateUp: body.Bool("admin_state_up") ?? true);
        Port created = await store.CreatePortAsync(request, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteOneAsync(context, StatusCodes.Status201Created, "port", Bodies.Of(created), HttpJson.Json.PortBody).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context)
    {
        CancellationToken ct = context.RequestAborted;
        RequestBody body = await RequestBody.ReadAsync(context, "port", "ports").ConfigureAwait(false);
        body.RejectReadOnly("id", "network_id", "status", "created_at", "updated_at", "revision_number");
        body.RejectUnknown(UpdateFields);
        CheckNeutral(body);
        string id = HttpJson.RouteId(context);
        Port current = await GetAsync(id, ct).ConfigureAwait(false);
        List<(ExtraDhcpOpt Opt, bool Remove)>? opts = ExtraDhcpOpts(body);
        PortUpdate update = new(
            Name: body.String("name"),
            MacAddress: Mac(body),
            FixedIps: FixedIps(body),
            DeviceOwner: body.String("device_owner"),
            DeviceId: body.String("device_id"),
            HostName: HostName(body, current),
            ExtraDhcpOpts: opts is null ? null : MergeExtraDhcpOpts(current.ExtraDhcpOpts, opts),
            AdminStateUp: body.Bool("admin_state_up"));
        Port updated = await store.UpdatePortAsync(id, update, ct).ConfigureAwait(false);
        await HttpJson.WriteOneAsync(context, StatusCodes.Status200OK, "port", Bodies.Of(updated), HttpJson.Json.PortBody).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext context)
    {
        string id = HttpJson.RouteId(context);
        _ = await GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        await store.DeletePortAsync(id, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task<Port> GetAsync(string id, CancellationToken ct) =>
        await store.GetPortAsync(id, ct).ConfigureAwait(false) ?? throw ApiErrorException.NotFound("Port", id);

    private static string? Mac(RequestBody body) => body.String("mac_address", maxLength: 32);

    /// <summary>
    /// dns_name, the port's host name; "" (or null) is Neutron's default, host-a-b-c-d, which the store keeps as null.
    /// An update can set a name but not yet go back to the default (the store's update takes null as "unchanged").
    /// </summary>
    private static string? HostName(RequestBody body, Port? current)
    {
        string? name = body.String("dns_name", nullable: true);
        if (string.IsNullOrEmpty(name))
        {
            return current?.HostName is not null && body.Has("dns_name")
                ? throw new ApiInputException("dns_name", "going back to the default host name is not supported yet: give a name")
                : null;
        }

        return name;
    }

    private static List<FixedIpRequest>? FixedIps(RequestBody body) =>
        body.ObjectList("fixed_ips", FixedIpKeys, o =>
        {
            string? subnetId = o.String("subnet_id");
            string? ip = o.String("ip_address");
            return subnetId is null && ip is null
                ? throw new ApiInputException("fixed_ips", "each fixed IP needs a subnet_id, an ip_address, or both")
                : new FixedIpRequest(subnetId, ip);
        });

    /// <summary>Options given; an option with a null opt_value asks to remove that option (Neutron's extra_dhcp_opt semantics).</summary>
    private static List<(ExtraDhcpOpt Opt, bool Remove)>? ExtraDhcpOpts(RequestBody body) =>
        body.ObjectList("extra_dhcp_opts", ExtraDhcpOptKeys, o =>
        {
            string name = o.String("opt_name", required: true)!;
            if (name.Length == 0)
            {
                throw new ApiInputException("extra_dhcp_opts", "opt_name must not be empty");
            }

            string? value = o.String("opt_value", nullable: true);
            int version = o.Integer("ip_version") ?? 4;
            if (version is not (4 or 6))
            {
                throw new ApiInputException("extra_dhcp_opts", $"ip_version {version} is not 4 or 6");
            }

            return (new ExtraDhcpOpt(name, value ?? "", version), value is null);
        });

    /// <summary>
    /// Neutron updates extra_dhcp_opts option by option: an option named again replaces the one of the same name
    /// and IP version, a null value removes it, others stay.
    /// </summary>
    private static List<ExtraDhcpOpt> MergeExtraDhcpOpts(IReadOnlyList<ExtraDhcpOpt> current, List<(ExtraDhcpOpt Opt, bool Remove)>? changes)
    {
        List<ExtraDhcpOpt> merged = [.. current];
        foreach ((ExtraDhcpOpt opt, bool remove) in changes ?? [])
        {
            merged.RemoveAll(o => o.OptName == opt.OptName && o.IpVersion == opt.IpVersion);
            if (!remove)
            {
                merged.Add(opt);
            }
        }

        return merged;
    }

    private static void CheckNeutral(RequestBody body)
    {
        Neutral.Description(body);
        Neutral.Project(body);
        Neutral.EmptyString(body, "binding:host_id", "qdhcp does not bind ports to hosts");
        body.AcceptOnlyNeutral("binding:vnic_type", v => v.ValueKind == System.Text.Json.JsonValueKind.String && v.GetString() == "normal", "only the 'normal' vnic type exists in qdhcp");
        Neutral.EmptyObject(body, "binding:profile", "qdhcp does not bind ports to hosts");
        Neutral.False(body, "port_security_enabled", "qdhcp has no security groups; port security cannot be enabled");
        Neutral.EmptyList(body, "security_groups", "qdhcp has no security groups");
        Neutral.EmptyList(body, "allowed_address_pairs", "allowed address pairs are not supported by qdhcp");
        Neutral.Null(body, "qos_policy_id", "qdhcp has no QoS policies");
        Neutral.EmptyList(body, "tags", "tags are not supported by qdhcp");
    }
}
