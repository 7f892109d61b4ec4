using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Qdhcp.Wire.Primitives;

/// <summary>
/// A 48-bit Ethernet MAC address held in the low 48 bits of a <see cref="ulong"/>, so that it can key
/// hash tables on the packet path without allocating (no <c>PhysicalAddress</c>, no strings).
/// </summary>
public readonly record struct MacAddress(ulong Value) : ISpanFormattable
{
    public const int Length = 6;

    public static MacAddress Broadcast => new(0xFFFF_FFFF_FFFFUL);

    /// <summary>Reads six bytes in wire order.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> source)
    {
        ulong high = BinaryPrimitives.ReadUInt16BigEndian(source);
        ulong low = BinaryPrimitives.ReadUInt32BigEndian(source[2..]);
        return new MacAddress((high << 32) | low);
    }

    /// <summary>Writes six bytes in wire order.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)Value);
    }

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (also with <c>-</c> separators), case-insensitive.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called for every host while a configuration loads
    public static bool TryParse(ReadOnlySpan<char> text, out MacAddress mac)
    {
        mac = default;
        text = text.Trim();
        if (text.Length != 17)
        {
            return false;
        }

        ulong value = 0;
        for (int i = 0; i < 6; i++)
        {
            int at = i * 3;
            if (i < 5 && text[at + 2] != ':' && text[at + 2] != '-')
            {
                return false;
            }

            if (!byte.TryParse(text.Slice(at, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                return false;
            }

            value = (value << 8) | b;
        }

        mac = new MacAddress(value);
        return true;
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out MacAddress mac) ? mac : throw new FormatException($"'{text}' is not a MAC address (expected aa:bb:cc:dd:ee:ff).");

    public override string ToString() => ToString(null, null);

    public string ToString(string? format, IFormatProvider? formatProvider) =>
        string.Create(FormattedLength, Value, static (span, value) => Format(value, span));

    /// <summary>Formats as <c>aa:bb:cc:dd:ee:ff</c> without allocating (logging on the packet path).</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < FormattedLength)
        {
            charsWritten = 0;
            return false;
        }

        Format(Value, destination);
        charsWritten = FormattedLength;
        return true;
    }

    private const int FormattedLength = 17;

    private static void Format(ulong value, Span<char> destination)
    {
        for (int i = 0; i < 6; i++)
        {
            byte b = (byte)(value >> (40 - (8 * i)));
            destination[i * 3] = HexLower[b >> 4];
            destination[(i * 3) + 1] = HexLower[b & 0xF];
            if (i < 5)
            {
                destination[(i * 3) + 2] = ':';
            }
        }
    }

    private static ReadOnlySpan<char> HexLower => "0123456789abcdef";
}
