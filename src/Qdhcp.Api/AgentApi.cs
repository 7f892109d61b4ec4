using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Prometheus;
using Qdhcp.Agent.Store;
using Qdhcp.Api.Endpoints;
using Qdhcp.Api.Metrics;

namespace Qdhcp.Api;

/// <summary>
/// The agent's REST API, Neutron's v2.0 networking API for the resources qdhcp has, mapped onto a web application:
/// <code>
/// GET  /                                  version document (keystoneauth discovery)          open
/// GET  /v2.0/                             resource list                                       open
/// GET  /v2.0/extensions[/{alias}]         extensions (extra_dhcp_opt, network-mtu, qdhcp-leases)
/// GET|POST        /v2.0/networks          list (query filters) | create {"network": {...}}
/// GET|PUT|DELETE  /v2.0/networks/{id}     show | update | delete
/// ...             /v2.0/subnets, /v2.0/ports, the same
/// GET  /v2.0/qdhcp/networks/{id}/leases   the network's leases (ours)
/// GET  /healthz                           200 or 503 with {"status", "healthy", "networks_served"}   open
/// GET  /metrics                           Prometheus text format
/// </code>
/// Errors come in Neutron's shape, <c>{"NeutronError": {"type", "message", "detail"}}</c>: 400 for bad input (the
/// message names the field and the reason), 404 unknown resource, 409 conflict, 401 missing or wrong token. Every
/// request is checked whole before the store is called, and each store write is one transaction, so a failed
/// request changes nothing.
/// </summary>
public static class AgentApi
{
    /// <summary>Maps every endpoint and the error and token middleware onto <paramref name="app"/>.</summary>
    /// <param name="token">When set, every request but the open ones must carry it as <c>X-Auth-Token</c>.</param>
    public static void Map(WebApplication app, INetworkStore store, IAgentRuntimeView runtime, string? token)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(runtime);

        app.Use(ApiErrors.HandleAsync);
        if (!string.IsNullOrEmpty(token))
        {
            app.Use(new TokenCheck(token).HandleAsync);
        }

        DiscoveryEndpoints.Map(app);
        new NetworkEndpoints(store).Map(app);
        new SubnetEndpoints(store).Map(app);
        new PortEndpoints(store).Map(app);
        new AgentEndpoints(store, runtime).Map(app);
        app.MapMetrics("/metrics", new DhcpMetrics(runtime).Registry);
        app.MapFallback(ApiErrors.NotFoundAsync);
    }
}
