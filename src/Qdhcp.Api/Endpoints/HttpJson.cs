using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Qdhcp.Api.Json;

namespace Qdhcp.Api.Endpoints;

/// <summary>Writing Neutron's envelopes: <c>{"network": {...}}</c> and <c>{"networks": [...]}</c>.</summary>
internal static class HttpJson
{
    public static Task WriteOneAsync<T>(HttpContext context, int status, string resource, T body, JsonTypeInfo<T> typeInfo)
    {
        HashSet<string>? fields = context.Request.Query.TryGetValue("fields", out var f) ? [.. f.SelectMany(v => (v ?? "").Split(','))] : null;
        JsonObject node = ListQuery.Project(JsonSerializer.SerializeToNode(body, typeInfo)!.AsObject(), fields);
        return WriteAsync(context, status, new JsonObject { [resource] = node });
    }

    public static Task WriteListAsync<T>(HttpContext context, string collection, IEnumerable<T> bodies, JsonTypeInfo<T> typeInfo) =>
        WriteAsync(context, StatusCodes.Status200OK, new JsonObject { [collection] = ListQuery.Apply(context.Request.Query, bodies, typeInfo) });

    public static async Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using Utf8JsonWriter writer = new(context.Response.BodyWriter);
        body.WriteTo(writer);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteAsync<T>(HttpContext context, int status, T body, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, typeInfo, "application/json", context.RequestAborted);
    }

    public static string RouteId(HttpContext context) => (string)context.Request.RouteValues["id"]!;

    /// <summary>The base URL clients used to reach us (version documents link to it, as Neutron's do).</summary>
    public static string BaseUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";

    public static readonly NeutronJsonContext Json = NeutronJsonContext.Default;
}
