using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Model;

/// <summary>
/// A static host: what a <c>--dhcp-hostsfile</c> line (or a Neutron port) says about one client. The client is
/// matched by client-id when <see cref="ClientId"/> is set and the request carries one, else by MAC.
/// </summary>
/// <param name="Mac">The hardware address, or null for a client-id-only line.</param>
/// <param name="ClientId">Option 61 bytes to match (<c>id:</c> lines), or null.</param>
/// <param name="HostName">The short host name sent in option 12 (<c>host-10-10-10-2</c>), or null.</param>
/// <param name="Address">The reserved address, or null for a line that only sets tags.</param>
/// <param name="LeaseSeconds">A per-host lease time overriding the range's, or null.</param>
/// <param name="SetTags">Tags this host sets (<c>set:port-&lt;id&gt;</c>) for per-port options.</param>
/// <param name="Ignore">dnsmasq's <c>ignore</c>: never answer this client.</param>
public sealed record Reservation(
    MacAddress? Mac,
    byte[]? ClientId,
    string? HostName,
    IPv4Address? Address,
    uint? LeaseSeconds,
    IReadOnlyList<string> SetTags,
    bool Ignore = false);
