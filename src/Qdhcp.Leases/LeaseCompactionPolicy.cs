namespace Qdhcp.Leases;

/// <summary>When a <see cref="LeaseJournal"/> is compacted into its <see cref="ILeasePersistence"/>.</summary>
/// <param name="AfterChange">
/// How soon after a change the full lease set is written out. <c>qdhcp serve</c> keeps dnsmasq's lease file fresh
/// (Neutron reads it after <c>dhcp_release</c>), so 100 ms; the agent's store is only read at its start, so seconds.
/// Never more often than 9x the last compaction took, so writing 65,535 leases stays under ~10 % of a core.
/// </param>
/// <param name="MaxJournalBytes">A journal this large is compacted at once, whatever <paramref name="AfterChange"/> says.</param>
public sealed record LeaseCompactionPolicy(TimeSpan AfterChange, long MaxJournalBytes)
{
    /// <summary><c>qdhcp serve</c>: dnsmasq's lease file within ~100 ms of a change, as the write-behind it replaces.</summary>
    public static LeaseCompactionPolicy LeaseFile { get; } = new(TimeSpan.FromMilliseconds(100), 16 << 20);

    /// <summary>The agent: the store every 10 s at most, or when the journal reaches 4 MB.</summary>
    public static LeaseCompactionPolicy Store { get; } = new(TimeSpan.FromSeconds(10), 4 << 20);

    /// <summary>How long to wait before trying again after a failed compaction.</summary>
    public TimeSpan RetryAfterFailure { get; init; } = TimeSpan.FromSeconds(1);
}
