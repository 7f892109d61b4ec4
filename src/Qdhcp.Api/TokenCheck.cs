using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Qdhcp.Api;

/// <summary>
/// The API token, checked as OpenStack services check Keystone's: the <c>X-Auth-Token</c> header (what
/// <c>openstack --os-auth-type admin_token --os-token T</c> and neutronclient send). <c>Authorization: Bearer T</c> is
/// taken too, for Prometheus scrapers. The version documents and <c>/healthz</c> are open, as Neutron's version
/// documents are (clients discover versions before they authenticate).
/// </summary>
internal sealed class TokenCheck(string token)
{
    // Hashes compared, so that neither the content nor the length of the token leaks through timing.
    private readonly byte[] _tokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static bool IsOpen(PathString path) =>
        path.Value is "/" or "" or "/v2.0" or "/v2.0/" or "/healthz";

    public async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        if (IsOpen(context.Request.Path) || Matches(Presented(context.Request)))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        await ApiErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, "HTTPUnauthorized",
            "The request you have made requires authentication: send the agent's token as X-Auth-Token.").ConfigureAwait(false);
    }

    private static string? Presented(HttpRequest request)
    {
        string? token = request.Headers["X-Auth-Token"];
        if (!string.IsNullOrEmpty(token))
        {
            return token;
        }

        string? authorization = request.Headers.Authorization;
        return authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    private bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _tokenHash);
}
