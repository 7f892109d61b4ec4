using Microsoft.Extensions.Logging.Abstractions;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Leases;
using Qdhcp.Leases;

namespace Qdhcp.Benchmarks;

/// <summary>dnsmasq's lease file as <c>qdhcp serve</c> writes it (atomic replace, fsync, directory fsync).</summary>
internal sealed class BenchLeaseFile(string path) : ILeasePersistence
{
    public string Location => path;

    public IReadOnlyList<LeaseRecord> Read(out IReadOnlyList<string> warnings)
    {
        warnings = [];
        return DnsmasqLeaseFile.Read(path).Leases;
    }

    private readonly LeaseFileWriter _writer = new(path);

    public void Write(ReadOnlySpan<LeaseEntry> leases) => _writer.Write(leases);

    /// <summary>
    /// A journal over this lease file in a fresh directory <c>qdhcp-&lt;name&gt;-&lt;pid&gt;</c> under <c>QDHCP_BENCH_DIR</c>
    /// (default /var/tmp: a real disk, since tmpfs would make fdatasync free), opened on <paramref name="table"/> and
    /// never compacted on its own (the benchmark calls <see cref="LeaseJournal.Compact"/> when it wants one).
    /// </summary>
    public static LeaseJournal OpenJournal(string name, Dhcp4LeaseTable table, out string directory)
    {
        string parent = Environment.GetEnvironmentVariable("QDHCP_BENCH_DIR") ?? "/var/tmp";
        directory = Directory.CreateDirectory(Path.Combine(parent, $"qdhcp-{name}-{Environment.ProcessId}")).FullName;
        LeaseJournal journal = new(Path.Combine(directory, "leases.journal"), new BenchLeaseFile(Path.Combine(directory, "leases")),
            new LeaseCompactionPolicy(TimeSpan.MaxValue, long.MaxValue), NullLogger.Instance);
        journal.Open(table);
        return journal;
    }
}
