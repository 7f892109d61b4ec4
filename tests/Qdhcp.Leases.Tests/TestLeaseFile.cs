using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Leases;
using Qdhcp.Leases;

namespace Qdhcp.Leases.Tests;

/// <summary>dnsmasq's lease file as the journal's snapshot (as <c>qdhcp serve</c> has it), with a switch to make writes fail.</summary>
internal sealed class TestLeaseFile(string path) : ILeasePersistence
{
    public string Location => path;

    public string FilePath => path;

    /// <summary>When set, <see cref="Write"/> throws it (a full disk, or a crash before the rename).</summary>
    public Exception? FailWith { get; set; }

    public int Writes { get; private set; }

    public IReadOnlyList<LeaseRecord> Read(out IReadOnlyList<string> warnings)
    {
        DnsmasqLeaseFile file = DnsmasqLeaseFile.Read(path);
        warnings = [.. file.Diagnostics.Select(d => d.ToString())];
        return file.Leases;
    }

    private readonly LeaseFileWriter _writer = new(path);

    public void Write(ReadOnlySpan<LeaseEntry> leases)
    {
        if (FailWith is { } failure)
        {
            throw failure;
        }

        _writer.Write(leases);
        Writes++;
    }
}

/// <summary>A temporary directory deleted at dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("qdhcp-leases-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
