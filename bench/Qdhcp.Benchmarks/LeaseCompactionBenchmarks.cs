using BenchmarkDotNet.Attributes;
using Qdhcp.Engine.Leases;
using Qdhcp.Leases;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Benchmarks;

/// <summary>
/// Issue 5's memory suspect: one <see cref="LeaseJournal.Compact"/> of a /16's worth of leases (65,535, each with a
/// host name and a 7-byte client-id, as Neutron's ports have) into dnsmasq's lease file, warm (every compaction after
/// the first): rotate the journal, copy the table, write the 65,535-line file (about 5.5 MB), fsync, rename, directory
/// fsync, delete the rotated journal. On the disk under <c>QDHCP_BENCH_DIR</c> (default /var/tmp). Under a renewal
/// storm this runs every 0.1-1.5 s, so what it allocates is garbage the server makes continuously.
/// </summary>
[MemoryDiagnoser]
public class LeaseCompactionBenchmarks
{
    private const int Leases = 65_535;
    private static readonly IPv4Subnet Subnet = new(IPv4Address.Parse("10.64.0.0"), 15);
    private string _directory = null!;
    private Dhcp4LeaseTable _table = null!;
    private LeaseJournal _journal = null!;

    [GlobalSetup]
    public void Setup()
    {
        _table = new Dhcp4LeaseTable();
        _journal = BenchLeaseFile.OpenJournal("compaction-bench", _table, out _directory);
        for (int host = 0; host < Leases; host++)
        {
            uint address = Subnet.Network.Value + 256 + (uint)host;
            ulong mac = 0xfa163e000000UL + (ulong)host;
            byte[] clientId = [0x01, 0xfa, 0x16, 0x3e, (byte)(host >> 16), (byte)(host >> 8), (byte)host];
            _table.Grant(new IPv4Address(address), new MacAddress(mac), clientId, $"host-10-{(address >> 16) & 0xFF}-{(address >> 8) & 0xFF}-{address & 0xFF}", 1_900_000_000 + host, Subnet);
        }

        _journal.Commit();
        _journal.Compact();
    }

    [Benchmark]
    public bool Compact() => _journal.Compact();

    [GlobalCleanup]
    public void Cleanup()
    {
        _journal.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
