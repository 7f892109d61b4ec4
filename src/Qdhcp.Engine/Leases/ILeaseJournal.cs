using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Leases;

/// <summary>
/// Receives every change of a <see cref="Dhcp4LeaseTable"/>, in order, while the table's lock is held, so the
/// journal's order is the table's. Implementations only buffer here (no I/O, no blocking): the transport makes the
/// buffer durable (write + fdatasync, batched) before it sends the replies that depend on it.
/// </summary>
/// <remarks>
/// Records are absolute states of one address (not deltas), so replaying a journal over a lease file that already
/// contains some of its records yields the same table: compaction can rotate the journal before the new lease file
/// is durable.
/// </remarks>
public interface ILeaseJournal
{
    /// <summary><paramref name="address"/> is now leased to <paramref name="mac"/> until <paramref name="expiresUnixSeconds"/> (0 = infinite).</summary>
    void Granted(IPv4Address address, MacAddress mac, ReadOnlySpan<byte> clientId, string? hostName, long expiresUnixSeconds);

    /// <summary>The lease of <paramref name="address"/> held by <paramref name="mac"/> ended.</summary>
    void Released(IPv4Address address, MacAddress mac);
}
