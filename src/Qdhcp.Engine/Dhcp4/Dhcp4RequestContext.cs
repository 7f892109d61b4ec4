using Qdhcp.Wire.Primitives;

namespace Qdhcp.Engine.Dhcp4;

/// <summary>An address on a server interface with its prefix length (10.10.10.3/24).</summary>
public readonly record struct InterfaceAddress(IPv4Address Address, int PrefixLength)
{
    public IPv4Subnet Subnet => new(Address, PrefixLength);

    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>
/// The interface a request arrived on, as the transport sees it. Replaced (not mutated) when the interface's
/// addresses change, so the engine can read it without locks.
/// </summary>
/// <param name="Name">The interface name (<c>tap26c9b807-7c</c>).</param>
/// <param name="Index">The kernel interface index.</param>
/// <param name="Mac">The interface's own hardware address (the source of raw replies).</param>
/// <param name="Addresses">Its IPv4 addresses; the first in a range's subnet is the server identifier there.</param>
public sealed record ServerInterface(string Name, int Index, MacAddress Mac, IReadOnlyList<InterfaceAddress> Addresses);

/// <summary>What the engine needs to know about a request besides its bytes. No sockets, no handles.</summary>
/// <param name="Interface">The receiving interface.</param>
/// <param name="NowUnixSeconds">The receive time, from the injected <see cref="TimeProvider"/>.</param>
public readonly record struct Dhcp4RequestContext(ServerInterface Interface, long NowUnixSeconds);
