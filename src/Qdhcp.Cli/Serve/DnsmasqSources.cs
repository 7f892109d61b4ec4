using Qdhcp.Configuration;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Leases;
using Qdhcp.Leases;
using Qdhcp.Server;

namespace Qdhcp.Cli.Serve;

/// <summary>dnsmasq's command line and files as the serve host's configuration source; SIGHUP re-reads the files.</summary>
internal sealed class DnsmasqConfigurationSource(DnsmasqConfigurationLoader loader) : IDhcp4ConfigurationSource
{
    public ConfigurationLoad Load()
    {
        DnsmasqLoadResult result = loader.Load();
        List<string> warnings = [.. result.Diagnostics.Where(d => d.Severity is ConfigSeverity.Warning or ConfigSeverity.Error).Select(d => d.ToString())];
        List<string> errors = [.. result.Errors.Select(d => d.ToString())];
        return new ConfigurationLoad(result.Success ? result.Configuration : null, warnings, errors, result.AddnHosts);
    }
}

/// <summary>dnsmasq's lease file (<c>--dhcp-leasefile</c>): read at start, replaced atomically and durably by each journal compaction.</summary>
internal sealed class DnsmasqLeasePersistence(string path) : ILeasePersistence
{
    private readonly LeaseFileWriter _writer = new(path);

    public string Location => path;

    public IReadOnlyList<LeaseRecord> Read(out IReadOnlyList<string> warnings)
    {
        DnsmasqLeaseFile file = DnsmasqLeaseFile.Read(path);
        warnings = [.. file.Diagnostics.Where(d => d.Severity != ConfigSeverity.Info).Select(d => d.ToString())];
        return file.Leases;
    }

    // Streams the lines (no string per lease or per file) and syncs the directory after the rename.
    public void Write(ReadOnlySpan<LeaseEntry> leases) => _writer.Write(leases);
}
