using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Leases;

namespace Qdhcp.Api;

/// <summary>
/// What the API reads from the running agent, beyond the store: live leases, packet counters and health. The agent
/// runtime implements it; <see cref="NullAgentRuntimeView"/> stands in when the API runs over a store alone.
/// </summary>
public interface IAgentRuntimeView
{
    /// <summary>
    /// The live leases of a network's server, or null when no server runs for it here (the API then answers from
    /// <c>INetworkStore.ListLeasesAsync</c>, the last compaction of its lease journal).
    /// </summary>
    IReadOnlyList<LeaseRecord>? GetLeases(string networkId);

    /// <summary>
    /// The packet counters of every network served now, keyed by network id. Read at each <c>/metrics</c> scrape;
    /// a network's counters start at zero when its server (re)starts.
    /// </summary>
    IReadOnlyDictionary<string, Dhcp4Counters> GetCounters();

    /// <summary>The lease journal counters of every network served now (write failures, refused bindings...), keyed by network id.</summary>
    IReadOnlyDictionary<string, LeaseJournalCounters> GetLeaseJournalCounters() => new Dictionary<string, LeaseJournalCounters>();

    /// <summary>The agent's health for <c>/healthz</c>.</summary>
    AgentHealth GetHealth();
}

/// <summary>The agent's health: <c>/healthz</c> answers 200 when <paramref name="Healthy"/>, 503 otherwise.</summary>
/// <param name="Healthy">Everything that should run, runs.</param>
/// <param name="Status">One line for people (<c>ok</c>, or what is wrong).</param>
/// <param name="NetworksServed">How many networks have a running server.</param>
public sealed record AgentHealth(bool Healthy, string Status, int NetworksServed = 0);

/// <summary>A runtime with nothing running: no live leases (the store's are shown), no counters, healthy.</summary>
public sealed class NullAgentRuntimeView : IAgentRuntimeView
{
    public static NullAgentRuntimeView Instance { get; } = new();

    public IReadOnlyList<LeaseRecord>? GetLeases(string networkId) => null;

    public IReadOnlyDictionary<string, Dhcp4Counters> GetCounters() => new Dictionary<string, Dhcp4Counters>();

    public AgentHealth GetHealth() => new(true, "ok");
}
