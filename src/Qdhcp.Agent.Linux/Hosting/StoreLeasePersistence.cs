using Qdhcp.Agent.Store;
using Qdhcp.Engine.Leases;
using Qdhcp.Leases;

namespace Qdhcp.Agent.Linux.Hosting;

/// <summary>
/// One network's leases in the agent's store, as its <see cref="LeaseJournal"/> compacts into: read once at start
/// (the runtime reads every network's leases in one pass and hands them in), replaced by each compaction
/// (<see cref="INetworkStore.SaveLeasesAsync"/>, one transaction). Called on the compactor's thread, so it may block.
/// </summary>
internal sealed class StoreLeasePersistence(INetworkStore store, string networkId, IReadOnlyList<LeaseRecord> onRecord) : ILeasePersistence
{
    public string Location => $"the store (network {networkId})";

    public IReadOnlyList<LeaseRecord> Read(out IReadOnlyList<string> warnings)
    {
        warnings = [];
        return onRecord;
    }

    public void Write(ReadOnlySpan<LeaseEntry> leases)
    {
        // The store takes records: one object per lease, as before (the agent's networks are small; serve's lease
        // file is the path that streams).
        LeaseRecord[] records = new LeaseRecord[leases.Length];
        for (int i = 0; i < leases.Length; i++)
        {
            records[i] = leases[i].ToRecord();
        }

        try
        {
            store.SaveLeasesAsync(networkId, records, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (StoreNotFoundException)
        {
            // The network was deleted meanwhile; its leases went with it.
        }
    }
}
