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
}
