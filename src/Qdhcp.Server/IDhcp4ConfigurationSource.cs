using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Model;

namespace Qdhcp.Server;

/// <summary>The outcome of reading a configuration: what to serve, and what was wrong with it.</summary>
/// <param name="Configuration">What to serve; null when an error makes serving impossible.</param>
/// <param name="Warnings">Lines skipped and similar, each naming file and line.</param>
/// <param name="Errors">What stops the server from starting (a missing file, a bad option).</param>
/// <param name="AddnHosts">Names for DNS beyond the hosts' own (<c>--addn-hosts</c> lines), or null for none.</param>
public sealed record ConfigurationLoad(Dhcp4Configuration? Configuration, IReadOnlyList<string> Warnings, IReadOnlyList<string> Errors, IReadOnlyList<HostsFileEntry>? AddnHosts = null);

/// <summary>Where one network's configuration comes from (dnsmasq's command line and files, or the agent's store).</summary>
public interface IDhcp4ConfigurationSource
{
    /// <summary>Reads everything, as at start and on SIGHUP. Must not throw for bad content: report it.</summary>
    ConfigurationLoad Load();
}
