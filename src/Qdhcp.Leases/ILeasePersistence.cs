using Qdhcp.Engine.Leases;

namespace Qdhcp.Leases;

/// <summary>
/// Where a network's full lease set is kept (dnsmasq's <c>--dhcp-leasefile</c> for <c>qdhcp serve</c>, the store for
/// the agent): read at start, replaced by every compaction of the <see cref="LeaseJournal"/>.
/// </summary>
public interface ILeasePersistence
{
    /// <summary>Where the leases are kept, for log messages (a path, or "the store").</summary>
    string Location { get; }

    /// <summary>Reads the leases on record; warnings name bad lines.</summary>
    IReadOnlyList<LeaseRecord> Read(out IReadOnlyList<string> warnings);

    /// <summary>
    /// Replaces what is on record, atomically and durably: a reader sees the old or the new set, never half, and once
    /// this returns the new set survives a crash (the journal it replaces is deleted next).
    /// </summary>
    /// <param name="leases">
    /// The whole table, in the compactor's reused buffer (valid during the call only; the host names and client-ids
    /// are the table's own, not to be changed). Runs every 0.1-5 s under load, on the compactor's thread: what it
    /// allocates per lease is garbage made continuously.
    /// </param>
    void Write(ReadOnlySpan<LeaseEntry> leases);
}
