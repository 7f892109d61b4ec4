namespace Qdhcp.Wire.Primitives;

/// <summary>An IPv4 network: a base address and a prefix length (10.10.10.0/24).</summary>
public readonly record struct IPv4Subnet
{
    public IPv4Subnet(IPv4Address address, int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        PrefixLength = prefixLength;
        Network = new IPv4Address(address.Value & IPv4Address.MaskOf(prefixLength).Value);
    }

    public IPv4Address Network { get; }

    public int PrefixLength { get; }

    public IPv4Address Mask => IPv4Address.MaskOf(PrefixLength);

    public IPv4Address BroadcastAddress => new(Network.Value | ~Mask.Value);

    public bool Contains(IPv4Address address) => (address.Value & Mask.Value) == Network.Value;

    /// <summary>Parses <c>10.10.10.0/24</c>; a bare address is a /32.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IPv4Subnet subnet)
    {
        subnet = default;
        int slash = text.IndexOf('/');
        ReadOnlySpan<char> addressText = slash < 0 ? text : text[..slash];
        int prefix = 32;
        if (!IPv4Address.TryParse(addressText, out IPv4Address address))
        {
            return false;
        }

        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > 32))
        {
            return false;
        }

        subnet = new IPv4Subnet(address, prefix);
        return true;
    }

    public override string ToString() => $"{Network}/{PrefixLength}";
}
