using System.Collections.Concurrent;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Engine.Leases;
using Qdhcp.Leases;

namespace Qdhcp.Api.Tests;

internal sealed class FakeRuntime : IAgentRuntimeView
{
    public ConcurrentDictionary<string, IReadOnlyList<LeaseRecord>> Leases { get; } = new();

    public ConcurrentDictionary<string, Dhcp4Counters> Counters { get; } = new();

    public ConcurrentDictionary<string, LeaseJournalCounters> Journals { get; } = new();

    public AgentHealth Health { get; set; } = new(true, "ok", 0);

    public IReadOnlyList<LeaseRecord>? GetLeases(string networkId) => Leases.TryGetValue(networkId, out var l) ? l : null;

    public IReadOnlyDictionary<string, Dhcp4Counters> GetCounters() => new Dictionary<string, Dhcp4Counters>(Counters);

    public IReadOnlyDictionary<string, LeaseJournalCounters> GetLeaseJournalCounters() => new Dictionary<string, LeaseJournalCounters>(Journals);

    public AgentHealth GetHealth() => Health;
}
