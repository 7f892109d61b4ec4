using Qdhcp.Transport.Dhcp4;

namespace Qdhcp.Server;

/// <summary>How <c>qdhcp serve</c> runs, apart from what it serves.</summary>
/// <param name="Interfaces">Which interfaces to answer on.</param>
/// <param name="PidFile">Where to write the process id once serving, or null.</param>
/// <param name="Leases">Lease persistence, or null to keep leases in memory only (<c>--leasefile-ro</c>).</param>
/// <param name="LogEachRequest"><c>--log-dhcp</c>: one log line per request.</param>
public sealed record ServeSettings(InterfaceFilter Interfaces, string? PidFile, ILeasePersistence? Leases, bool LogEachRequest = false);
