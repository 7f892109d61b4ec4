using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Qdhcp.Agent.Store;

namespace Qdhcp.Api;

/// <summary>How the API listens and who may call it (<c>qdhcp agent --listen ... --token-file ...</c>).</summary>
public sealed class AgentApiOptions
{
    /// <summary>Neutron's API port, on loopback.</summary>
    public const string DefaultListen = "127.0.0.1:9696";

    /// <summary>The environment variable that holds the token when no token file is given.</summary>
    public const string TokenEnvironmentVariable = "QDHCP_API_TOKEN";

    /// <summary><c>address:port</c>; IPv6 as <c>[::1]:9696</c>. Port 0 picks a free port (tests).</summary>
    public string Listen { get; init; } = DefaultListen;

    /// <summary>
    /// The token clients must send as <c>X-Auth-Token</c>. Required when <see cref="Listen"/> is not a loopback
    /// address; optional (but enforced when set) on loopback.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>A last say over the builder (logging, extra services) before the application is built.</summary>
    public Action<WebApplicationBuilder>? ConfigureBuilder { get; init; }

    /// <summary>Parses <see cref="Listen"/>; a message for people when it is not an address and port.</summary>
    public static bool TryParseListen(string text, out IPEndPoint endpoint, out string error)
    {
        endpoint = null!;
        error = "";
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"--listen {text}: expected address:port (e.g. {DefaultListen}, [::1]:9696)";
            return false;
        }

        string host = text[..colon].Trim('[', ']');
        if (!IPAddress.TryParse(host, out IPAddress? address))
        {
            error = host == "localhost" ? $"--listen {text}: give an address, not a name (127.0.0.1)" : $"--listen {text}: '{host}' is not an IP address";
            return false;
        }

        if (!ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort port))
        {
            error = $"--listen {text}: '{text[(colon + 1)..]}' is not a port (0-65535)";
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>
    /// The token: the first line of <paramref name="tokenFile"/> if given, else <c>$QDHCP_API_TOKEN</c>, else null.
    /// A token file that is missing or empty is an error (a typo must not turn authentication off).
    /// </summary>
    public static async Task<string?> LoadTokenAsync(string? tokenFile, CancellationToken cancellationToken = default)
    {
        if (tokenFile is not null)
        {
            string text;
            try
            {
                text = await File.ReadAllTextAsync(tokenFile, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new AgentApiConfigurationException($"--token-file {tokenFile}: {ex.Message}");
            }

            string token = text.Split('\n', 2)[0].Trim();
            return token.Length > 0 ? token : throw new AgentApiConfigurationException($"--token-file {tokenFile}: the file is empty");
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(TokenEnvironmentVariable)?.Trim();
        return string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment;
    }
}

/// <summary>The API cannot start as configured (a bad --listen, no token on a non-loopback address).</summary>
public sealed class AgentApiConfigurationException(string message) : Exception(message);

/// <summary>
/// The entry point for <c>qdhcp agent</c>: builds the API's web application over a store and the running agent.
/// The caller owns both, initializes the store first, then <c>StartAsync</c>/<c>RunAsync</c>s the application.
/// </summary>
public static class AgentApiHost
{
    /// <summary>
    /// Builds (does not start) the API. Refuses, with <see cref="AgentApiConfigurationException"/>, to listen on an
    /// address other than loopback without a token.
    /// </summary>
    public static Task<WebApplication> BuildAsync(AgentApiOptions options, INetworkStore store, IAgentRuntimeView runtime)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!AgentApiOptions.TryParseListen(options.Listen, out IPEndPoint endpoint, out string error))
        {
            throw new AgentApiConfigurationException(error);
        }

        if (!IPAddress.IsLoopback(endpoint.Address) && string.IsNullOrEmpty(options.Token))
        {
            throw new AgentApiConfigurationException(
                $"--listen {options.Listen} is not a loopback address: the API needs a token there (set {AgentApiOptions.TokenEnvironmentVariable} or --token-file)");
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endpoint);
        });
        // One line per request is the access log's job, not the agent's: keep ASP.NET Core's own logs to warnings.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        options.ConfigureBuilder?.Invoke(builder);

        WebApplication app = builder.Build();
        AgentApi.Map(app, store, runtime, options.Token);
        return Task.FromResult(app);
    }

    /// <summary>The address the started application listens on, e.g. <c>http://127.0.0.1:9696</c> (the real port when 0 was asked).</summary>
    public static Uri GetListenUri(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        IServerAddressesFeature? addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        string address = addresses?.Addresses.FirstOrDefault() ?? throw new InvalidOperationException("The API has not started.");
        return new Uri(address);
    }
}
