using Microsoft.Extensions.Logging.Abstractions;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Leases.Tests;

/// <summary>The journal on real files: commit, replay after a "crash" (the journal object abandoned), rotation crash points, failures.</summary>
public sealed class LeaseJournalTests : IDisposable
{
    private static readonly IPv4Subnet Subnet = new(IPv4Address.Parse("10.20.0.0"), 16);
    private static readonly long Expires = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600;
    private readonly TempDirectory _dir = new();

    private string LeaseFile => _dir.File("leases");

    private string JournalFile => LeaseJournal.PathFor(LeaseFile);

    [Fact]
    public void Commit_ThenCrash_ReopenedTableHasEveryCommittedChange()
    {
        (Dhcp4LeaseTable table, LeaseJournal journal) = Open();
        GrantMany(table, 0, 50);
        table.Release(Ip(7), Mac(7));
        table.Quarantine(Ip(8), Expires);
        Assert.True(journal.Commit());

        // No Dispose, no compaction: as after kill -9.
        (Dhcp4LeaseTable reopened, _) = Open();

        Assert.Equal(Lines(table), Lines(reopened));
        Assert.Equal(48, reopened.Count);
    }

    [Fact]
    public void Commit_IsOneWriteForEverythingPending_AndCoversEarlierCallers()
    {
        (Dhcp4LeaseTable table, LeaseJournal journal) = Open();
        GrantMany(table, 0, 10);

        Assert.True(journal.Commit());
        Assert.True(journal.Commit());

        Assert.Equal(1, journal.Counters.Commits);
        Assert.Equal(10, File.ReadAllLines(JournalFile).Length);
    }

    [Fact]
    public void Open_TornLastRecord_IsCutOff_SoTheNextRecordsReplay()
    {
        (Dhcp4LeaseTable table, LeaseJournal journal) = Open();
        GrantMany(table, 0, 3);
        journal.Commit();
        File.AppendAllText(JournalFile, "1795719320 fa:16:3e:00:");

        (Dhcp4LeaseTable second, LeaseJournal secondJournal) = Open();
        Assert.Equal(3, second.Count);
        GrantMany(second, 3, 2);
        Assert.True(secondJournal.Commit());
        (Dhcp4LeaseTable third, _) = Open();

        Assert.Equal(Lines(second), Lines(third));
        Assert.Equal(5, third.Count);
    }

    [Fact]
    public void Compact_WritesTheLeaseFile_AndEmptiesTheJournal()
    {
        (Dhcp4LeaseTable table, LeaseJournal journal) = Open();
        GrantMany(table, 0, 20);
        journal.Commit();

        Assert.True(journal.Compact());

        Assert.Equal(Lines(table), DnsmasqLeaseFile.Read(LeaseFile).Leases.Select(DnsmasqLeaseFile.FormatLine).Order());
        Assert.Equal(0, new FileInfo(JournalFile).Length);
        Assert.False(File.Exists(JournalFile + ".old"));
    }

    [Fact]
    public void Compaction_CrashBeforeTheLeaseFileIsReplaced_ReplaysBothJournals()
    {
        TestLeaseFile file = new(LeaseFile);
        (Dhcp4LeaseTable table, LeaseJournal journal) = Open(file);
        GrantMany(table, 0, 10);
        journal.Commit();
        journal.Compact();
        GrantMany(table, 10, 10);
        table.Release(Ip(3), Mac(3));
        journal.Commit();

        file.FailWith = new IOException("crash before the rename");
        Assert.False(journal.Compact());
        Assert.True(File.Exists(JournalFile + ".old"));
        GrantMany(table, 20, 5);
        journal.Commit();

        (Dhcp4LeaseTable reopened, _) = Open();
        Assert.Equal(Lines(table), Lines(reopened));
        Assert.Equal(24, reopened.Count);
    }

    [Fact]
    public void Compaction_CrashAfterTheRenameBeforeTheDelete_ReplaysTheOldJournalOverTheNewFile()
    {
        TestLeaseFile file = new(LeaseFile);
        (Dhcp4LeaseTable table, LeaseJournal journal) = Open(file);
        GrantMany(table, 0, 10);
        table.Release(Ip(2), Mac(2));
        GrantMany(table, 2, 1);
        table.Release(Ip(4), Mac(4));
        journal.Commit();

        // What journal.old holds at the crash: everything before the rotation, which the new lease file has too.
        string rotated = File.ReadAllText(JournalFile);
        journal.Compact();
        GrantMany(table, 10, 3);
        table.Release(Ip(5), Mac(5));
        journal.Commit();
        File.WriteAllText(JournalFile + ".old", rotated);

        (Dhcp4LeaseTable reopened, _) = Open();
        Assert.Equal(Lines(table), Lines(reopened));
    }

    [Fact]
    public void Commit_WhenTheJournalCannotBeWritten_FailsAndCounts_ThenRetriesTheSameRecords()
    {
        string missing = _dir.File("gone");
        TestLeaseFile file = new(LeaseFile);
        LeaseJournal journal = new(Path.Combine(missing, "leases.journal"), file, LeaseCompactionPolicy.LeaseFile, NullLogger.Instance);
        Dhcp4LeaseTable table = new();
        journal.Open(table);
        GrantMany(table, 0, 4);

        Assert.False(journal.Commit());
        Assert.False(journal.IsHealthy);
        Assert.Equal(1, journal.Counters.CommitFailures);

        Directory.CreateDirectory(missing);
        GrantMany(table, 4, 1);
        Assert.True(journal.Commit());
        Assert.True(journal.IsHealthy);

        Dhcp4LeaseTable reopened = new();
        new LeaseJournal(Path.Combine(missing, "leases.journal"), file, LeaseCompactionPolicy.LeaseFile, NullLogger.Instance).Open(reopened);
        Assert.Equal(Lines(table), Lines(reopened));
        Assert.Equal(5, reopened.Count);
    }

    [Fact]
    public void Commit_FromManyThreads_EveryAcknowledgedChangeReplays()
    {
        (Dhcp4LeaseTable table, LeaseJournal journal) = Open();
        Parallel.For(0, 8, thread =>
        {
            for (int i = 0; i < 100; i++)
            {
                int n = thread * 100 + i;
                table.Grant(Ip(n), Mac(n), [], null, Expires, Subnet);
                Assert.True(journal.Commit());
            }
        });

        (Dhcp4LeaseTable reopened, _) = Open();
        Assert.Equal(800, reopened.Count);
        Assert.Equal(Lines(table), Lines(reopened));
        Assert.True(journal.Counters.Commits <= 800);
    }

    [Fact]
    public void Dispose_AfterACleanStop_LeavesOnlyTheLeaseFile()
    {
        (Dhcp4LeaseTable table, LeaseJournal journal) = Open();
        GrantMany(table, 0, 3);
        using (LeaseCompactor compactor = new())
        {
            compactor.Add(journal);
        }

        journal.Dispose();

        Assert.False(File.Exists(JournalFile));
        Assert.Equal(3, DnsmasqLeaseFile.Read(LeaseFile).Leases.Count);
    }

    /// <summary>
    /// A busy server commits thousands of times a second; the compactor must not wake (and allocate) once per commit,
    /// only when a compaction is due. 2,000 renewals, each committed: a handful of compactions (100 ms after a change,
    /// never closer than 9x the last one's time), so a few dozen wake-ups, where one per commit made 2,000.
    /// </summary>
    [Fact]
    public void Compactor_ManyCommits_WakesForCompactionsNotForEachCommit()
    {
        (Dhcp4LeaseTable table, LeaseJournal journal) = Open();
        using LeaseCompactor compactor = new();
        compactor.Add(journal);
        string name = "host-1";
        table.Grant(Ip(1), Mac(1), [0x01, 1], name, Expires, Subnet);
        Assert.True(journal.Commit());
        Thread.Sleep(300);
        long wakeUpsBefore = compactor.WakeUps;

        System.Diagnostics.Stopwatch elapsed = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 2000; i++)
        {
            table.Grant(Ip(1), Mac(1), [0x01, 1], name, Expires + i, Subnet);
            Assert.True(journal.Commit());
        }

        long wakeUps = compactor.WakeUps - wakeUpsBefore;
        long bound = 20 + (long)(elapsed.Elapsed.TotalMilliseconds / 10);   // at most one per 10 ms, whatever the disk
        Assert.True(wakeUps < Math.Min(bound, 1000), $"the compactor woke {wakeUps} times for 2,000 commits in {elapsed.ElapsedMilliseconds} ms");
        Assert.True(journal.Counters.Compactions >= 1);
    }

    private (Dhcp4LeaseTable Table, LeaseJournal Journal) Open(TestLeaseFile? file = null)
    {
        Dhcp4LeaseTable table = new();
        LeaseJournal journal = new(JournalFile, file ?? new TestLeaseFile(LeaseFile), LeaseCompactionPolicy.LeaseFile, NullLogger.Instance);
        journal.Open(table);
        return (table, journal);
    }

    private static void GrantMany(Dhcp4LeaseTable table, int first, int count)
    {
        for (int n = first; n < first + count; n++)
        {
            table.Grant(Ip(n), Mac(n), [0x01, (byte)n], $"host-{n}", Expires, Subnet);
        }
    }

    private static IPv4Address Ip(int n) => new(IPv4Address.Parse("10.20.0.0").Value + 10 + (uint)n);

    private static MacAddress Mac(int n) => new(0xfa163e000000UL + (ulong)n);

    internal static IEnumerable<string> Lines(Dhcp4LeaseTable table) => table.ToRecords().Select(DnsmasqLeaseFile.FormatLine).Order();

    public void Dispose() => _dir.Dispose();
}
