using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Qdhcp.Engine.Leases;
using Qdhcp.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Benchmarks;

/// <summary>
/// Issue 7's figure: 65,535 leases renewed round-robin 1,000,000 times (batches of 64, as a loaded receive loop
/// commits), with no compaction meanwhile; then the journal's size, what a compaction costs (rotate + snapshot +
/// write the 65,535-line lease file + fsyncs), and what replaying the uncompacted journal at start costs (a crash
/// before any compaction: the worst case).
/// </summary>
internal static class LeaseJournalScale
{
    private const int Leases = 65_535;
    private const int Renewals = 1_000_000;
    private const int Batch = 64;
    private static readonly IPv4Subnet Subnet = new(IPv4Address.Parse("10.64.0.0"), 15);

    public static int Run(string parent)
    {
        string directory = Directory.CreateDirectory(Path.Combine(parent, $"qdhcp-journal-1m-{Environment.ProcessId}")).FullName;
        try
        {
            string leaseFile = Path.Combine(directory, "leases");
            string journalPath = LeaseJournal.PathFor(leaseFile);
            LeaseCompactionPolicy never = new(TimeSpan.MaxValue, long.MaxValue);
            Dhcp4LeaseTable table = new();
            LeaseJournal journal = new(journalPath, new BenchLeaseFile(leaseFile), never, NullLogger.Instance);
            journal.Open(table);
            for (int host = 0; host < Leases; host++)
            {
                Grant(table, host, 0);
            }

            journal.Commit();
            journal.Compact();

            long started = Stopwatch.GetTimestamp();
            for (int i = 0; i < Renewals; i++)
            {
                Grant(table, i % Leases, i);
                if (i % Batch == Batch - 1)
                {
                    journal.Commit();
                }
            }

            journal.Commit();
            TimeSpan renewing = Stopwatch.GetElapsedTime(started);
            long journalBytes = new FileInfo(journalPath).Length;

            // The crash case: a new process replays the 1M records over the lease file.
            Dhcp4LeaseTable replayed = new();
            LeaseJournal recovering = new(journalPath + ".copy", new BenchLeaseFile(leaseFile), never, NullLogger.Instance);
            File.Copy(journalPath, journalPath + ".copy");
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            started = Stopwatch.GetTimestamp();
            recovering.Open(replayed);
            TimeSpan replay = Stopwatch.GetElapsedTime(started);
            long replayAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            recovering.Dispose();
            if (replayed.Count != Leases)
            {
                throw new InvalidOperationException($"replay gave {replayed.Count} leases, not {Leases}");
            }

            return Report(table, journal, leaseFile, renewing, journalBytes, replay, replayAllocated);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static int Report(Dhcp4LeaseTable table, LeaseJournal journal, string leaseFile, TimeSpan renewing, long journalBytes, TimeSpan replay, long replayAllocated)
    {
        long started = Stopwatch.GetTimestamp();
        bool compacted = journal.Compact();
        TimeSpan compaction = Stopwatch.GetElapsedTime(started);
        long leaseFileBytes = new FileInfo(leaseFile).Length;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"leases: {table.Count:N0}, renewals: {Renewals:N0} in batches of {Batch}");
        Console.WriteLine($"append+commit: {renewing.TotalSeconds:F2} s = {renewing.TotalMicroseconds / Renewals:F2} us/renewal ({journal.Counters.Commits:N0} commits, {renewing.TotalMicroseconds / journal.Counters.Commits:F0} us/commit)");
        Console.WriteLine($"journal after 1M renewals: {journalBytes:N0} bytes ({(double)journalBytes / Renewals:F1} B/record)");
        Console.WriteLine($"replay at start (lease file + 1M records): {replay.TotalMilliseconds:F0} ms, {replayAllocated / (1 << 20):N0} MiB allocated");
        Console.WriteLine($"compaction: {(compacted ? "ok" : "FAILED")} in {compaction.TotalMilliseconds:F0} ms, lease file {leaseFileBytes:N0} bytes, journal now {journal.Counters.JournalBytes} bytes");
        return compacted ? 0 : 1;
    }

    private static void Grant(Dhcp4LeaseTable table, int host, int round) =>
        table.Grant(new IPv4Address(Subnet.Network.Value + 256 + (uint)host), new MacAddress(0xfa163e000000UL + (ulong)host), [0x01, (byte)host],
            $"host-{host}", 1_900_000_000 + round, Subnet);
}
