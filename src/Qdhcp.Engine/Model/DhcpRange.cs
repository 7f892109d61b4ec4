using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Model;

/// <summary>
/// A subnet the server hands addresses in, as dnsmasq's <c>--dhcp-range</c> describes it. In static mode
/// (<c>10.10.10.0,static</c>) only reserved hosts get an address and <see cref="Start"/> names the subnet;
/// otherwise <see cref="Start"/>..<see cref="End"/> is a dynamic pool.
/// </summary>
/// <param name="SetTags">Tags a client in this range gets (<c>set:tag0</c>, or the bare leading word of old syntax).</param>
/// <param name="RequiredTags">Tags the client must already carry for the range to apply (<c>tag:x</c>); usually empty.</param>
/// <param name="Start">The first address of a pool, or the subnet's address in static mode.</param>
/// <param name="End">The last address of a pool; equal to <paramref name="Start"/> in static mode.</param>
/// <param name="IsStatic">Only hosts with a reservation get an address.</param>
/// <param name="Netmask">The subnet mask; null when not given, to be taken from the interface's address.</param>
/// <param name="LeaseSeconds">Lease time in seconds; <see cref="LeaseTime.Infinite"/> for <c>infinite</c>.</param>
public sealed record DhcpRange(
    IReadOnlyList<string> SetTags,
    IReadOnlyList<string> RequiredTags,
    IPv4Address Start,
    IPv4Address End,
    bool IsStatic,
    IPv4Address? Netmask,
    uint LeaseSeconds);

/// <summary>Lease-time constants shared by every configuration source.</summary>
public static class LeaseTime
{
    /// <summary>RFC 2131 §3.3: 0xffffffff means infinity.</summary>
    public const uint Infinite = uint.MaxValue;

    /// <summary>dnsmasq's default when <c>--dhcp-range</c> gives no lease time: one hour.</summary>
    public const uint DefaultSeconds = 3600;
}
