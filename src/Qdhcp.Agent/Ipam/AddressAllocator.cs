using Qdhcp.Agent.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Ipam;

/// <summary>An inclusive range of IPv4 addresses: an allocation pool, parsed.</summary>
public readonly record struct Ipv4Range(IPv4Address Start, IPv4Address End)
{
    public bool Contains(IPv4Address address) => address >= Start && address <= End;

    public bool Overlaps(Ipv4Range other) => Start <= other.End && other.Start <= End;

    public ulong Count => (ulong)End.Value - Start.Value + 1;

    public AllocationPool ToPool() => new(Start.ToString(), End.ToString());

    public override string ToString() => $"{Start}-{End}";
}

/// <summary>
/// Neutron-style IPAM for one IPv4 subnet: the default gateway and pools, and the next free address.
/// </summary>
/// <remarks>
/// Neutron's default IPAM driver picks a random address among the first free ones of the pools, so that
/// concurrent API workers rarely race for the same address. Qdhcp's stores serialize every write of a network
/// (one lock in memory, <c>BEGIN IMMEDIATE</c> in SQLite), so there is no race to spread, and it picks the
/// <b>lowest free address of the pools, pools in the order given</b>: deterministic, testable, and what an
/// operator reading the port list expects. An address freed by a deleted port is given out again at once.
/// </remarks>
public static class AddressAllocator
{
    /// <summary>Neutron's default gateway: the first host address of the CIDR (10.10.10.1 for 10.10.10.0/24).</summary>
    public static IPv4Address DefaultGateway(IPv4Subnet cidr) => new(cidr.Network.Value + 1);

    /// <summary>The host addresses of a CIDR: all of it but the network and broadcast addresses.</summary>
    public static Ipv4Range HostRange(IPv4Subnet cidr) =>
        new(new IPv4Address(cidr.Network.Value + 1), new IPv4Address(cidr.BroadcastAddress.Value - 1));

    /// <summary>
    /// Neutron's default allocation pools: the host range minus the gateway, so one pool when the gateway is at
    /// either end (10.10.10.2-10.10.10.254 for gateway .1), two when it is inside, the whole range without one.
    /// </summary>
    public static IReadOnlyList<Ipv4Range> DefaultPools(IPv4Subnet cidr, IPv4Address? gateway)
    {
        Ipv4Range hosts = HostRange(cidr);
        if (gateway is not { } g || !hosts.Contains(g))
        {
            return [hosts];
        }

        var pools = new List<Ipv4Range>(2);
        if (g > hosts.Start)
        {
            pools.Add(new Ipv4Range(hosts.Start, new IPv4Address(g.Value - 1)));
        }

        if (g < hosts.End)
        {
            pools.Add(new Ipv4Range(new IPv4Address(g.Value + 1), hosts.End));
        }

        return pools;
    }

    /// <summary>
    /// The lowest address of the pools (in their order) that <paramref name="isUsed"/> says is free, or null when
    /// every pool is full.
    /// </summary>
    public static IPv4Address? NextFree(IReadOnlyList<Ipv4Range> pools, Func<IPv4Address, bool> isUsed)
    {
        foreach (Ipv4Range pool in pools)
        {
            for (ulong a = pool.Start.Value; a <= pool.End.Value; a++)
            {
                var address = new IPv4Address((uint)a);
                if (!isUsed(address))
                {
                    return address;
                }
            }
        }

        return null;
    }

    /// <summary><c>10.10.10.2-10.10.10.254, 10.10.20.2-10.10.20.9</c>: pools in messages.</summary>
    public static string Describe(IEnumerable<Ipv4Range> pools) => string.Join(", ", pools);
}
