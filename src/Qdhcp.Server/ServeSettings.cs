using System.Net;
using Qdhcp.Leases;
using Qdhcp.Transport.Dhcp4;

namespace Qdhcp.Server;

/// <summary>How <c>qdhcp serve</c> runs, apart from what it serves.</summary>
/// <param name="Interfaces">Which interfaces to answer on.</param>
/// <param name="PidFile">Where to write the process id once serving, or null.</param>
/// <param name="Leases">Where leases are kept durably, or null to keep them in memory only (<c>--leasefile-ro</c>).</param>
/// <param name="LogEachRequest"><c>--log-dhcp</c>: one log line per request.</param>
/// <param name="Dns">The DNS responder's settings, or null when DNS is off (<c>--port=0</c>).</param>
/// <param name="ReceiveBufferBytes"><c>--dhcp-receive-buffer</c>: each DHCP socket's receive buffer; null: <see cref="ReceiveBuffer.DefaultBytes"/>, 0: the kernel's default.</param>
public sealed record ServeSettings(InterfaceFilter Interfaces, string? PidFile, ServeLeaseStorage? Leases, bool LogEachRequest = false, DnsServeSettings? Dns = null,
    int? ReceiveBufferBytes = null);

/// <summary>Durable leases: the lease file every compaction rewrites, and the journal every change is appended to before its ACK.</summary>
/// <param name="Snapshot">dnsmasq's lease file (<c>--dhcp-leasefile</c>).</param>
/// <param name="JournalPath">The journal, <c>&lt;leasefile&gt;.journal</c> (<see cref="LeaseJournal.PathFor"/>).</param>
public sealed record ServeLeaseStorage(ILeasePersistence Snapshot, string JournalPath);

/// <summary>How the DNS responder runs (dnsmasq's DNS options).</summary>
/// <param name="Port"><c>--port</c>: the DNS port on every served address (53 by default).</param>
/// <param name="LocalService"><c>--local-service</c>: refuse every query from outside the served subnets.</param>
/// <param name="Upstreams"><c>--server</c>: where names that are not local are forwarded; none means REFUSED.</param>
/// <param name="StrictOrder"><c>--strict-order</c>: try upstreams one after the other, in order.</param>
/// <param name="LogQueries"><c>--log-queries</c>: one log line per query.</param>
public sealed record DnsServeSettings(int Port, bool LocalService, IReadOnlyList<IPEndPoint> Upstreams, bool StrictOrder, bool LogQueries);
