using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Leases;

/// <summary>
/// A lease as it is persisted and exchanged with lease files (dnsmasq's <c>expiry mac ip hostname client-id</c>).
/// </summary>
/// <param name="ExpiresUnixSeconds">Expiry as Unix time in seconds; 0 means infinite (dnsmasq writes 0 for that, and Neutron seeds files with 0).</param>
/// <param name="Mac">The client's hardware address.</param>
/// <param name="Address">The leased address.</param>
/// <param name="HostName">The host name, or null (<c>*</c> in the file).</param>
/// <param name="ClientId">Option 61 bytes, or null (<c>*</c> in the file).</param>
public sealed record LeaseRecord(long ExpiresUnixSeconds, MacAddress Mac, IPv4Address Address, string? HostName, byte[]? ClientId);
