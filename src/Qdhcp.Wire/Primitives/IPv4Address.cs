using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Qdhcp.Wire.Primitives;

/// <summary>
/// An IPv4 address as a host-order <see cref="uint"/> (10.10.10.2 is 0x0A0A0A02), so that comparisons,
/// ranges and arithmetic are plain integer operations and nothing is allocated on the packet path.
/// </summary>
public readonly record struct IPv4Address(uint Value) : IComparable<IPv4Address>, ISpanFormattable
{
    public const int Length = 4;

    public static IPv4Address Any => default;

    public static IPv4Address Broadcast => new(uint.MaxValue);

    public bool IsAny => Value == 0;

    public static IPv4Address Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt32BigEndian(source));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, Value);

    public static IPv4Address FromOctets(byte a, byte b, byte c, byte d) => new(((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d);

    /// <summary>The netmask of a prefix length: 24 gives 255.255.255.0.</summary>
    public static IPv4Address MaskOf(int prefixLength) =>
        new(prefixLength <= 0 ? 0u : prefixLength >= 32 ? uint.MaxValue : uint.MaxValue << (32 - prefixLength));

    /// <summary>The prefix length of a contiguous netmask, or -1 when the mask is not contiguous.</summary>
    public int PrefixLengthOfMask()
    {
        int ones = System.Numerics.BitOperations.PopCount(Value);
        return MaskOf(ones).Value == Value ? ones : -1;
    }

    /// <summary>
    /// Parses dotted-quad text strictly: four decimal octets of 1-3 digits, nothing else apart from surrounding
    /// whitespace. Leading zeros are read as decimal ("010.0.0.1" is 10.0.0.1), never as inet_aton's octal;
    /// inet_aton's shorter forms ("10.1", "167772161") and hex are rejected.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called for every host while a configuration loads
    public static bool TryParse(ReadOnlySpan<char> text, out IPv4Address address)
    {
        address = default;
        text = text.Trim();
        uint value = 0;
        int octets = 0;
        while (octets < 4)
        {
            int dot = text.IndexOf('.');
            ReadOnlySpan<char> part = octets < 3 ? (dot < 0 ? default : text[..dot]) : text;
            if (part.IsEmpty || part.Length > 3 || (octets < 3 && dot < 0))
            {
                return false;
            }

            foreach (char c in part)
            {
                if (c is < '0' or > '9')
                {
                    return false;
                }
            }

            int octet = int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (octet > 255)
            {
                return false;
            }

            value = (value << 8) | (uint)octet;
            octets++;
            text = octets < 4 ? text[(dot + 1)..] : default;
        }

        address = new IPv4Address(value);
        return true;
    }

    public static IPv4Address Parse(string text) =>
        TryParse(text, out IPv4Address a) ? a : throw new FormatException($"'{text}' is not an IPv4 address (expected a.b.c.d).");

    public static IPv4Address FromIPAddress(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"{address} is not an IPv4 address.", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return Read(bytes);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[4];
        Write(bytes);
        return new IPAddress(bytes);
    }

    public int CompareTo(IPv4Address other) => Value.CompareTo(other.Value);

    public static bool operator <(IPv4Address left, IPv4Address right) => left.Value < right.Value;

    public static bool operator >(IPv4Address left, IPv4Address right) => left.Value > right.Value;

    public static bool operator <=(IPv4Address left, IPv4Address right) => left.Value <= right.Value;

    public static bool operator >=(IPv4Address left, IPv4Address right) => left.Value >= right.Value;

    public override string ToString() => ToString(null, null);

    public string ToString(string? format, IFormatProvider? formatProvider)
    {
        Span<char> text = stackalloc char[MaximumFormattedLength];
        TryFormat(text, out int written, default, null);
        return new string(text[..written]);
    }

    /// <summary>Formats as dotted quad without allocating (the interpolated-handler form boxed each octet).</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        int position = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            if (shift != 24)
            {
                if ((uint)position >= (uint)destination.Length)
                {
                    charsWritten = 0;
                    return false;
                }

                destination[position++] = '.';
            }

            byte octet = (byte)(Value >> shift);
            if (!octet.TryFormat(destination[position..], out int written, default, CultureInfo.InvariantCulture))
            {
                charsWritten = 0;
                return false;
            }

            position += written;
        }

        charsWritten = position;
        return true;
    }

    private const int MaximumFormattedLength = 15;
}
