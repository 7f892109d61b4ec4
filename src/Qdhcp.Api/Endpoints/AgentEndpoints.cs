using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Qdhcp.Agent.Store;
using Qdhcp.Api.Json;
using Qdhcp.Engine.Leases;

namespace Qdhcp.Api.Endpoints;

/// <summary>
/// What only qdhcp has: <c>GET /v2.0/qdhcp/networks/{id}/leases</c> (the live leases of the network's server, or the
/// last ones written behind to the store when it does not run here) and <c>GET /healthz</c>.
/// </summary>
internal sealed class AgentEndpoints(INetworkStore store, IAgentRuntimeView runtime)
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v2.0/qdhcp/networks/{id}/leases", LeasesAsync);
        routes.MapGet("/healthz", HealthAsync);
    }

    private async Task LeasesAsync(HttpContext context)
    {
        string id = HttpJson.RouteId(context);
        _ = await store.GetNetworkAsync(id, context.RequestAborted).ConfigureAwait(false) ?? throw ApiErrorException.NotFound("Network", id);
        IReadOnlyList<LeaseRecord> leases = runtime.GetLeases(id) ?? await store.ListLeasesAsync(id, context.RequestAborted).ConfigureAwait(false);
        LeasesEnvelope body = new([.. leases.OrderBy(l => l.Address).Select(Bodies.Of)]);
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, body, HttpJson.Json.LeasesEnvelope).ConfigureAwait(false);
    }

    private Task HealthAsync(HttpContext context)
    {
        AgentHealth health = runtime.GetHealth();
        HealthBody body = new(health.Status, health.Healthy, health.NetworksServed);
        return HttpJson.WriteAsync(context, health.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, body, HttpJson.Json.HealthBody);
    }
}
