using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Qdhcp.Agent.Linux.Hosting;
using Qdhcp.Agent.Linux.Plumbing;
using Qdhcp.Api;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Leases;
using Qdhcp.Store.Sqlite;
using Qdhcp.Transport.Dns;
using Qdhcp.Transport.Privileges;

namespace Qdhcp.Cli.Agent;

/// <summary>
/// <c>qdhcp agent</c>: the agent role in one process. The SQLite store in the state directory, every network's
/// namespace, DHCP port and server (resynced with the machine at start), and the REST API on <c>--listen</c>.
/// </summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        Option<string> stateDir = new("--state-dir") { Description = "Where the SQLite store (qdhcp.db), the lease journals (leases/) and the record of owned namespaces live.", DefaultValueFactory = _ => "/var/lib/qdhcp" };
        Option<string> listen = new("--listen") { Description = "Address and port of the REST API; a token is required when it is not loopback.", DefaultValueFactory = _ => AgentApiOptions.DefaultListen };
        Option<string?> tokenFile = new("--token-file") { Description = $"A file whose first line is the API token (else ${AgentApiOptions.TokenEnvironmentVariable})." };
        Option<bool> logDhcp = new("--log-dhcp") { Description = "Log every DHCP request and what was done with it." };
        Option<string[]> dnsServer = new("--dns-server") { Description = "An upstream DNS server (IP[#PORT], repeatable) for names outside a network's zone, forwarded from the network's namespace; none: such names are refused.", AllowMultipleArgumentsPerToken = false };
        Option<bool> logQueries = new("--log-queries") { Description = "Log every DNS query and what was done with it." };
        Command agent = new("agent", "Run the agent: networks, subnets and ports from the store, each network served in its own qdhcp-<id> namespace by this one process, and the Neutron-shaped REST API. Needs CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_BIND_SERVICE and CAP_NET_RAW (root, or see docs/privileges.md).")
        {
            stateDir, listen, tokenFile, logDhcp, dnsServer, logQueries,
        };
        agent.SetAction((result, cancellationToken) => RunAsync(result.GetValue(stateDir)!, result.GetValue(listen)!, result.GetValue(tokenFile), result.GetValue(logDhcp),
            result.GetValue(dnsServer) ?? [], result.GetValue(logQueries), cancellationToken));
        return agent;
    }

    private static async Task<int> RunAsync(string stateDir, string listen, string? tokenFile, bool logDhcp, string[] dnsServers, bool logQueries, CancellationToken cancellationToken)
    {
        List<IPEndPoint> upstreams = [];
        foreach (string server in dnsServers)
        {
            if (!DnsUpstream.TryParse(server, out IPEndPoint? upstream, out _) || upstream is null)
            {
                Console.Error.WriteLine($"qdhcp agent: --dns-server {server}: not an upstream (IP[#PORT])");
                return 2;
            }

            upstreams.Add(upstream);
        }

        if (PrivilegeProbe.Check("qdhcp agent", PrivilegeRequirements.ForAgent(), "qdhcp-agent.service") is { } missing)
        {
            Console.Error.WriteLine(missing);
            return 2;
        }

        using ILoggerFactory loggerFactory = ConsoleLogging.Create(logging => logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
        ILogger logger = loggerFactory.CreateLogger("qdhcp.agent");

        string? token;
        try
        {
            Directory.CreateDirectory(stateDir);
            token = await AgentApiOptions.LoadTokenAsync(tokenFile, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"qdhcp agent: {e.Message}");
            return 1;
        }

        await using SqliteNetworkStore store = new(Path.Combine(stateDir, "qdhcp.db"));
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        LinuxPlumbing plumbing = new(stateDir, new BridgePerNetworkSegmentDriver(), loggerFactory.CreateLogger("qdhcp.plumbing"));
        await using AgentRuntime runtime = new(store, plumbing, new AgentRuntimeOptions { LogEachRequest = logDhcp, Dns = new NetworkDnsOptions(upstreams, LogQueries: logQueries), LeaseJournalDirectory = Path.Combine(stateDir, "leases") }, loggerFactory);
        await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
        if (runtime.LastResync is { } resync)
        {
            logger.LogInformation("Resync: {Networks} networks, {Changed} changed, {Untouched} untouched, {Removed} removed in {Seconds:F1} s", resync.Networks, resync.Changed, resync.Untouched, resync.Removed, resync.Total.TotalSeconds);
        }

        WebApplication app;
        try
        {
            app = await AgentApiHost.BuildAsync(
                new AgentApiOptions { Listen = listen, Token = token, ConfigureBuilder = builder => builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning) },
                store,
                new RuntimeView(runtime)).ConfigureAwait(false);
        }
        catch (AgentApiConfigurationException e)
        {
            Console.Error.WriteLine($"qdhcp agent: {e.Message}");
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation("API on {Uri}", AgentApiHost.GetListenUri(app));
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>The runtime as the API sees it.</summary>
    private sealed class RuntimeView(AgentRuntime runtime) : IAgentRuntimeView
    {
        public IReadOnlyList<LeaseRecord>? GetLeases(string networkId) => runtime.GetLeases(networkId);

        public IReadOnlyDictionary<string, Dhcp4Counters> GetCounters() => runtime.GetCounters();

        public IReadOnlyDictionary<string, LeaseJournalCounters> GetLeaseJournalCounters() => runtime.GetLeaseJournalCounters();

        public AgentHealth GetHealth()
        {
            (bool healthy, string status, int served) = runtime.GetHealth();
            return new AgentHealth(healthy, status, served);
        }
    }
}
