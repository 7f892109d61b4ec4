using Qdhcp.Agent.Store;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Agent.Ipam;

/// <summary>
/// Reads the address text of API requests into values, failing with a <see cref="StoreValidationException"/> that
/// names the field and says what is wrong in words a user understands (<c>10.10.10.300 is not an IPv4 address</c>).
/// </summary>
public static class Ipv4Text
{
    /// <summary>Reads a dotted-quad address; IPv6 text gets its own message (IPv6 is not served yet).</summary>
    public static IPv4Address ParseAddress(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new StoreValidationException(field, "an IPv4 address is required (a.b.c.d)");
        }

        if (IPv4Address.TryParse(text, out IPv4Address address) && text.Trim() == text)
        {
            return address;
        }

        if (text.Contains(':', StringComparison.Ordinal) && System.Net.IPAddress.TryParse(text, out _))
        {
            throw new StoreValidationException(field, $"{text} is an IPv6 address: only IPv4 is supported for now");
        }

        throw new StoreValidationException(field, $"{text} is not an IPv4 address (expected a.b.c.d, each number 0..255)");
    }

    /// <summary>
    /// Reads a CIDR as Neutron accepts it: <c>10.10.10.0/24</c>, the prefix given, no host bits set
    /// (Neutron: "'10.10.10.5/24' isn't a recognized IP subnet cidr, '10.10.10.0/24' is recommended").
    /// </summary>
    public static IPv4Subnet ParseCidr(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new StoreValidationException(field, "a CIDR is required (e.g. 10.10.10.0/24)");
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (text.Contains(':', StringComparison.Ordinal))
        {
            throw new StoreValidationException(field, $"{text} is an IPv6 subnet: only IPv4 subnets are supported for now (ip_version 4)");
        }

        if (slash < 0)
        {
            throw new StoreValidationException(field, $"{text} is not a CIDR: the prefix length is missing (e.g. {text}/24)");
        }

        if (!IPv4Address.TryParse(text.AsSpan(0, slash), out IPv4Address address) || text.Trim() != text)
        {
            throw new StoreValidationException(field, $"{text} is not an IPv4 CIDR: {text[..slash]} is not an IPv4 address");
        }

        ReadOnlySpan<char> prefixText = text.AsSpan(slash + 1);
        if (prefixText.IsEmpty || prefixText.Length > 2 || !int.TryParse(prefixText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int prefix) || prefix > 32)
        {
            throw new StoreValidationException(field, $"{text} is not an IPv4 CIDR: the prefix length must be 0..32");
        }

        var subnet = new IPv4Subnet(address, prefix);
        if (subnet.Network != address)
        {
            throw new StoreValidationException(field, $"{text} has host bits set: use {subnet}");
        }

        return subnet;
    }

    /// <summary>Reads a MAC in any case, with <c>:</c> or <c>-</c>; it is stored as lowercase <c>aa:bb:cc:dd:ee:ff</c>.</summary>
    public static MacAddress ParseMac(string text, string field)
    {
        if (!MacAddress.TryParse(text, out MacAddress mac) || text.Trim() != text)
        {
            throw new StoreValidationException(field, $"{text} is not a MAC address (expected aa:bb:cc:dd:ee:ff)");
        }

        if (mac.Value == 0)
        {
            throw new StoreValidationException(field, $"{text} is the all-zero MAC address, which no interface can have");
        }

        if ((mac.Value & 0x0100_0000_0000UL) != 0)
        {
            throw new StoreValidationException(field, $"{text} is a multicast MAC address (the low bit of the first byte is set); a port needs a unicast one");
        }

        return mac;
    }
}
