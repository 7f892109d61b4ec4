using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Leases;
using Qdhcp.Wire.Dhcp4;

namespace Qdhcp.Server;

/// <summary>
/// What <c>kill -USR1</c> writes to the log, as dnsmasq writes its statistics on SIGUSR1: the DHCP counters, the
/// leases, the lease journal's health, and where the process's memory is (RSS split into anonymous and file-backed
/// pages, the managed heap). serve has no metrics endpoint (neither has dnsmasq); this is its window.
/// </summary>
public static class ServeStatistics
{
    private static readonly Dhcp4MessageType[] Requests =
        [Dhcp4MessageType.Discover, Dhcp4MessageType.Request, Dhcp4MessageType.Decline, Dhcp4MessageType.Release, Dhcp4MessageType.Inform];

    private static readonly Dhcp4MessageType[] Replies = [Dhcp4MessageType.Offer, Dhcp4MessageType.Ack, Dhcp4MessageType.Nak];

    /// <summary>Logs one line of statistics.</summary>
    public static void Log(ILogger logger, Dhcp4Engine engine, LeaseJournal? journal)
    {
        Dhcp4Counters counters = engine.Counters;
        string received = string.Join(", ", Requests.Select(t => $"{counters.Received(t)} {Name(t)}"));
        string sent = string.Join(", ", Replies.Select(t => $"{counters.Sent(t)} {Name(t)}"));
        string dropped = string.Join(", ", Enum.GetValues<Dhcp4DropReason>()
            .Where(r => r != Dhcp4DropReason.None && counters.Dropped(r) > 0)
            .Select(r => $"{counters.Dropped(r)} {r}"));
        string leases = $"{engine.Leases.Count} leases, {engine.Leases.OfferCount} offers held";
        string journalText = journal is null ? "leases not persisted" : Describe(journal.Counters);
        ServeLog.Statistics(logger, received, sent, dropped.Length == 0 ? "none" : dropped, leases, journalText, Memory());
    }

    /// <summary>RSS from /proc/self/status and the GC's own view of the managed heap.</summary>
    public static string Memory()
    {
        StringBuilder text = new();
        Dictionary<string, long> status = ReadStatusKiB();
        if (status.TryGetValue("VmRSS", out long rss))
        {
            text.Append(CultureInfo.InvariantCulture, $"RSS {rss / 1024.0:F1} MiB (anonymous {status.GetValueOrDefault("RssAnon") / 1024.0:F1}, ");
            text.Append(CultureInfo.InvariantCulture, $"file {status.GetValueOrDefault("RssFile") / 1024.0:F1}, shared memory {status.GetValueOrDefault("RssShmem") / 1024.0:F1}; ");
            text.Append(CultureInfo.InvariantCulture, $"peak {status.GetValueOrDefault("VmHWM") / 1024.0:F1}), ");
        }

        GCMemoryInfo gc = GC.GetGCMemoryInfo();
        text.Append(CultureInfo.InvariantCulture,
            $"managed heap {gc.HeapSizeBytes / 1048576.0:F1} MiB ({gc.FragmentedBytes / 1048576.0:F1} free within it), {gc.TotalCommittedBytes / 1048576.0:F1} MiB committed, ");
        text.Append(CultureInfo.InvariantCulture, $"{GC.GetTotalAllocatedBytes() / 1048576.0:F1} MiB allocated since start, ");
        text.Append(CultureInfo.InvariantCulture, $"collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} (gen0/1/2)");
        return text.ToString();
    }

    private static string Name(Dhcp4MessageType type) => type.ToString().ToUpperInvariant();

    private static string Describe(LeaseJournalCounters j) =>
        $"{(j.Healthy ? "healthy" : "FAILING")}, {j.Commits} commits ({j.CommitFailures} failed), {j.Compactions} compactions ({j.CompactionFailures} failed), " +
        $"{j.RefusedBindings} bindings refused, {j.JournalBytes} bytes";

    private static Dictionary<string, long> ReadStatusKiB()
    {
        Dictionary<string, long> values = new(StringComparer.Ordinal);
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                int colon = line.IndexOf(':');
                if (colon > 0 && line.EndsWith(" kB", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(colon + 1, line.Length - colon - 4).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long kib))
                {
                    values[line[..colon]] = kib;
                }
            }
        }
        catch (IOException)
        {
            // Not Linux, or /proc not mounted: the GC figures alone.
        }

        return values;
    }
}
