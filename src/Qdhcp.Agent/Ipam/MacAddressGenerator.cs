using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Ipam;

/// <summary>
/// Makes port MACs as Neutron does with its default <c>base_mac = fa:16:3e:00:00:00</c>: the OpenStack prefix
/// fa:16:3e (locally administered, unicast) and three random bytes. Thread-safe.
/// </summary>
public sealed class MacAddressGenerator
{
    /// <summary>fa:16:3e:00:00:00, Neutron's base_mac.</summary>
    public const ulong Prefix = 0xFA163E_000000UL;

    /// <summary>Neutron's <c>mac_generation_retries</c> default: how many random MACs are tried before giving up.</summary>
    public const int Retries = 16;

    private readonly Random _random;
    private readonly Lock _lock = new();

    /// <param name="seed">A seed for reproducible tests; null for a random sequence.</param>
    public MacAddressGenerator(int? seed = null) => _random = seed is { } s ? new Random(s) : new Random();

    /// <summary>A fresh fa:16:3e:xx:xx:xx address.</summary>
    public MacAddress Next()
    {
        int low;
        lock (_lock)
        {
            low = _random.Next(0, 1 << 24);
        }

        return new MacAddress(Prefix | (uint)low);
    }

    /// <summary>A fresh address that <paramref name="isUsed"/> says is free, or null after <see cref="Retries"/> collisions.</summary>
    public MacAddress? NextUnused(Func<MacAddress, bool> isUsed)
    {
        for (int i = 0; i < Retries; i++)
        {
            MacAddress mac = Next();
            if (!isUsed(mac))
            {
                return mac;
            }
        }

        return null;
    }
}
