using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Qdhcp.Agent.Store;
using Qdhcp.Api.Json;

namespace Qdhcp.Api;

/// <summary>
/// Bad input found by the API itself (a field of the wrong type or format). Answered as Neutron answers it:
/// 400, <c>HTTPBadRequest</c>, "Invalid input for FIELD. Reason: REASON."
/// </summary>
public sealed class ApiInputException(string field, string reason) : Exception($"Invalid input for {field}. Reason: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}

/// <summary>An error answered with a fixed status, type and message (unknown attributes, read-only fields, bad filters).</summary>
public sealed class ApiErrorException(int statusCode, string type, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Type { get; } = type;

    public static ApiErrorException BadRequest(string message) => new(StatusCodes.Status400BadRequest, "HTTPBadRequest", message);

    public static ApiErrorException NotFound(string resource, string id) =>
        new(StatusCodes.Status404NotFound, resource + "NotFound", $"{resource} {id} could not be found.");
}

/// <summary>
/// Turns exceptions into Neutron's error body, <c>{"NeutronError": {"type": ..., "message": ..., "detail": ""}}</c>,
/// which neutronclient and openstacksdk both read the message from.
/// </summary>
internal static class ApiErrors
{
    /// <summary>Middleware: every failure of a request below it gets Neutron's error shape and the right status.</summary>
    public static async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted && Map(ex) is { } error)
        {
            await WriteAsync(context, error.Status, error.Type, error.Message).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            // A bug or a store failure: logged with its stack, answered in Neutron's shape without internals.
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Qdhcp.Api")
                .LogError(ex, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, "HTTPInternalServerError",
                "Request Failed: internal server error while processing your request.").ConfigureAwait(false);
        }
    }

    private static (int Status, string Type, string Message)? Map(Exception ex) => ex switch
    {
        ApiInputException e => (400, "HTTPBadRequest", e.Message.EndsWith('.') ? e.Message : e.Message + "."),
        ApiErrorException e => (e.StatusCode, e.Type, e.Message),
        StoreValidationException e => (400, "HTTPBadRequest", InvalidInput(e.Field, e.Message)),
        StoreConflictException e => (409, ConflictType(e.Field), e.Message),
        StoreNotFoundException e => (404, Capitalize(e.Resource) + "NotFound", $"{Capitalize(e.Resource)} {e.Id} could not be found."),
        JsonException e => (400, "HTTPBadRequest", "Malformed request body: " + e.Message),
        BadHttpRequestException e => (e.StatusCode, "HTTPBadRequest", e.Message),
        _ => null,
    };

    private static string InvalidInput(string field, string reason) =>
        $"Invalid input for {field}. Reason: {reason}" + (reason.EndsWith('.') ? "" : ".");

    /// <summary>Neutron's exception names for the conflicts clients meet most (openstacksdk shows only the message).</summary>
    private static string ConflictType(string field) => field switch
    {
        "mac_address" => "MacAddressInUse",
        "fixed_ips" or "ip_address" => "IpAddressAlreadyAllocated",
        "cidr" => "InvalidInput",
        _ => "Conflict",
    };

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    public static async Task WriteAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        NeutronErrorEnvelope body = new(new NeutronError(type, message, ""));
        await context.Response.WriteAsJsonAsync(body, NeutronJsonContext.Default.NeutronErrorEnvelope, contentType: "application/json", context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Unknown paths: 404 in Neutron's shape (keystoneauth reads it on version discovery).</summary>
    public static Task NotFoundAsync(HttpContext context) =>
        WriteAsync(context, (int)HttpStatusCode.NotFound, "HTTPNotFound", "The resource could not be found.");
}
