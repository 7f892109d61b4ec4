using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Qdhcp.Api.Json;

namespace Qdhcp.Api.Endpoints;

/// <summary>
/// The documents OpenStack clients read before anything else: the version list at <c>/</c> (keystoneauth's version
/// discovery), the resource list at <c>/v2.0/</c>, and <c>/v2.0/extensions</c> (python-openstackclient asks for
/// single extensions, e.g. <c>tag-ports-during-bulk-creation</c> on <c>port create</c>; a 404 means "not there").
/// </summary>
internal static class DiscoveryEndpoints
{
    /// <summary>The extensions qdhcp implements, as Neutron names them (plus ours).</summary>
    private static readonly (string Alias, string Name, string Description)[] Extensions =
    [
        ("extra_dhcp_opt", "Neutron Extra DHCP options", "Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)"),
        ("network-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
        ("qdhcp-leases", "qdhcp leases", "GET /v2.0/qdhcp/networks/{id}/leases: the DHCP leases of a network."),
    ];

    private const string Updated = "2025-01-01T00:00:00-00:00";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", VersionsAsync);
        routes.MapGet("/v2.0", ResourcesAsync); // also /v2.0/: routing ignores a trailing slash
        routes.MapGet("/v2.0/extensions", ExtensionsAsync);
        routes.MapGet("/v2.0/extensions/{alias}", ExtensionAsync);
    }

    private static Task VersionsAsync(HttpContext context)
    {
        string href = HttpJson.BaseUrl(context) + "/v2.0/";
        VersionsEnvelope body = new([new ApiVersion("v2.0", "CURRENT", [new Link(href, "self")])]);
        return HttpJson.WriteAsync(context, StatusCodes.Status200OK, body, HttpJson.Json.VersionsEnvelope);
    }

    private static Task ResourcesAsync(HttpContext context)
    {
        string v2 = HttpJson.BaseUrl(context) + "/v2.0/";
        ResourcesEnvelope body = new(
        [
            new ApiResource("network", "networks", [new Link(v2 + "networks", "self")]),
            new ApiResource("subnet", "subnets", [new Link(v2 + "subnets", "self")]),
            new ApiResource("port", "ports", [new Link(v2 + "ports", "self")]),
        ]);
        return HttpJson.WriteAsync(context, StatusCodes.Status200OK, body, HttpJson.Json.ResourcesEnvelope);
    }

    private static Task ExtensionsAsync(HttpContext context)
    {
        ExtensionsEnvelope body = new([.. Extensions.Select(Of)]);
        return HttpJson.WriteAsync(context, StatusCodes.Status200OK, body, HttpJson.Json.ExtensionsEnvelope);
    }

    private static Task ExtensionAsync(HttpContext context)
    {
        string alias = (string)context.Request.RouteValues["alias"]!;
        foreach (var extension in Extensions)
        {
            if (extension.Alias == alias)
            {
                return HttpJson.WriteAsync(context, StatusCodes.Status200OK, new ExtensionEnvelope(Of(extension)), HttpJson.Json.ExtensionEnvelope);
            }
        }

        throw new ApiErrorException(StatusCodes.Status404NotFound, "HTTPNotFound", $"Extension with alias {alias} does not exist");
    }

    private static ExtensionBody Of((string Alias, string Name, string Description) e) => new(e.Alias, e.Name, e.Description, Updated, []);
}
