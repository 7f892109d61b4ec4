using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Leases;

/// <summary>
/// One lease as <see cref="Dhcp4LeaseTable.TryCopyLeases"/> copies it out for writing: a struct, so a compaction of the
/// whole table fills a reused buffer instead of making an object per lease.
/// </summary>
/// <remarks>
/// <see cref="HostName"/> and <see cref="ClientId"/> are the table's own instances, shared rather than copied. That is
/// safe because the table never changes them in place (a changed client-id gets a new array, see
/// <see cref="Dhcp4LeaseTable.Grant"/>); readers must not change them either.
/// </remarks>
/// <param name="ExpiresUnixSeconds">Expiry as Unix time in seconds; 0 means infinite.</param>
/// <param name="Mac">The client's hardware address.</param>
/// <param name="Address">The leased address.</param>
/// <param name="HostName">The host name, or null.</param>
/// <param name="ClientId">Option 61 bytes, or null. Read-only.</param>
public readonly record struct LeaseEntry(long ExpiresUnixSeconds, MacAddress Mac, IPv4Address Address, string? HostName, byte[]? ClientId)
{
    /// <summary>The same lease as a <see cref="LeaseRecord"/> (sharing the client-id array).</summary>
    public LeaseRecord ToRecord() => new(ExpiresUnixSeconds, Mac, Address, HostName, ClientId);
}
