using BenchmarkDotNet.Attributes;
using Qdhcp.Engine.Leases;
using Qdhcp.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Benchmarks;

/// <summary>
/// What durability costs per lease change: <see cref="BatchSize"/> renewals appended to the journal (under the
/// table's lock, as the engine does) and one <see cref="LeaseJournal.Commit"/> (write + fdatasync) for the batch, on
/// the disk under <c>QDHCP_BENCH_DIR</c> (default /var/tmp; tmpfs would make fdatasync free). Divide by
/// <see cref="BatchSize"/> for the cost per record. Expected allocation: 0 B.
/// </summary>
[MemoryDiagnoser]
public class LeaseJournalBenchmarks
{
    private static readonly IPv4Subnet Subnet = new(IPv4Address.Parse("10.64.0.0"), 15);
    private string _directory = null!;
    private Dhcp4LeaseTable _table = null!;
    private LeaseJournal _journal = null!;
    private int _next;

    [Params(1, 8, 64)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _table = new Dhcp4LeaseTable();
        // Never compacted here: this measures appends and commits only.
        _journal = BenchLeaseFile.OpenJournal("journal-bench", _table, out _directory);
        for (int i = 0; i < 1024; i++)
        {
            Renew(i);
        }

        _journal.Commit();
    }

    [Benchmark]
    public bool AppendBatchAndCommit()
    {
        for (int i = 0; i < BatchSize; i++)
        {
            Renew(_next++ & 1023);
        }

        return _journal.Commit();
    }

    private void Renew(int host) =>
        _table.Grant(new IPv4Address(Subnet.Network.Value + 256 + (uint)host), new MacAddress(0xfa163e000000UL + (ulong)host), [], "host-bench", 1_900_000_000 + _next, Subnet);

    [GlobalCleanup]
    public void Cleanup()
    {
        _journal.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
