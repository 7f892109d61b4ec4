using System.Runtime.CompilerServices;

namespace Qdhcp.Wire.Dns;

/// <summary>
/// Domain names in wire form (RFC 1035 §3.1, §4.1.4): length-prefixed labels ending with the zero-length root label,
/// possibly compressed by 2-byte pointers (<c>11</c> in the top bits, then a 14-bit message offset).
/// "Uncompressed wire form" below means labels only, no pointers: <c>\x04host\x0eopenstacklocal\x00</c>.
/// Comparisons are ASCII case-insensitive (RFC 4343); nothing here allocates.
/// </summary>
public static class DnsName
{
    /// <summary>The root name in wire form.</summary>
    public static ReadOnlySpan<byte> Root => [0];

    // Each pointer must move strictly backwards, and every label adds at least two bytes to a name limited to 255, so
    // decoding ends; the hop limit is one more fence against crafted chains.
    private const int MaximumPointerHops = 64;

    /// <summary>
    /// Decodes the (possibly compressed) name at <paramref name="offset"/> of <paramref name="message"/> into its
    /// uncompressed wire form. Never throws, never reads outside <paramref name="message"/>.
    /// </summary>
    /// <param name="message">The whole message (pointers are offsets into it).</param>
    /// <param name="offset">Where the name starts.</param>
    /// <param name="destination">At least 255 bytes make every valid name fit.</param>
    /// <param name="lowerCase">Fold ASCII letters to lower case while copying (for lookups).</param>
    /// <param name="nameLength">Bytes written to <paramref name="destination"/>, root label included.</param>
    /// <param name="bytesConsumed">Bytes the name occupies at <paramref name="offset"/> (up to its first pointer).</param>
    public static bool TryDecode(ReadOnlySpan<byte> message, int offset, Span<byte> destination, bool lowerCase, out int nameLength, out int bytesConsumed)
    {
        nameLength = 0;
        bytesConsumed = -1;
        int position = offset;
        int written = 0;
        int hops = 0;
        while (true)
        {
            if ((uint)position >= (uint)message.Length)
            {
                return false;
            }

            byte length = message[position];
            if (length == 0)
            {
                if (written + 1 > DnsHeader.MaximumNameLength || written >= destination.Length)
                {
                    return false;
                }

                destination[written++] = 0;
                if (bytesConsumed < 0)
                {
                    bytesConsumed = position + 1 - offset;
                }

                nameLength = written;
                return true;
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= message.Length)
                {
                    return false;
                }

                int target = ((length & 0x3F) << 8) | message[position + 1];
                if (target >= position || ++hops > MaximumPointerHops)
                {
                    return false;
                }

                if (bytesConsumed < 0)
                {
                    bytesConsumed = position + 2 - offset;
                }

                position = target;
                continue;
            }

            if ((length & 0xC0) != 0)
            {
                // 01 and 10 label types are reserved (RFC 6891 §5 retired the EDNS extended labels).
                return false;
            }

            int next = position + 1 + length;
            // The root byte still has to fit after this label.
            if (next > message.Length || written + 1 + length + 1 > DnsHeader.MaximumNameLength || written + 1 + length > destination.Length)
            {
                return false;
            }

            destination[written] = length;
            ReadOnlySpan<byte> label = message.Slice(position + 1, length);
            Span<byte> target2 = destination.Slice(written + 1, length);
            if (lowerCase)
            {
                ToLower(label, target2);
            }
            else
            {
                label.CopyTo(target2);
            }

            written += 1 + length;
            position = next;
        }
    }

    /// <summary>Skips the name at <paramref name="offset"/> after checking that it decodes; <paramref name="bytesConsumed"/> as in <see cref="TryDecode"/>.</summary>
    public static bool TrySkip(ReadOnlySpan<byte> message, int offset, out int bytesConsumed)
    {
        Span<byte> scratch = stackalloc byte[DnsHeader.MaximumNameLength];
        return TryDecode(message, offset, scratch, lowerCase: false, out _, out bytesConsumed);
    }

    /// <summary>
    /// True when the (possibly compressed) name at <paramref name="offset"/> equals <paramref name="name"/> (uncompressed wire
    /// form), ignoring ASCII case. False for anything malformed.
    /// </summary>
    public static bool EqualsAt(ReadOnlySpan<byte> message, int offset, ReadOnlySpan<byte> name)
    {
        int position = offset;
        int index = 0;
        int hops = 0;
        while (true)
        {
            if ((uint)position >= (uint)message.Length || (uint)index >= (uint)name.Length)
            {
                return false;
            }

            byte length = message[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= message.Length)
                {
                    return false;
                }

                int target = ((length & 0x3F) << 8) | message[position + 1];
                if (target >= position || ++hops > MaximumPointerHops)
                {
                    return false;
                }

                position = target;
                continue;
            }

            if (length != name[index] || (length & 0xC0) != 0)
            {
                return false;
            }

            if (length == 0)
            {
                return true;
            }

            if (position + 1 + length > message.Length || index + 1 + length > name.Length
                || !EqualsIgnoreCase(message.Slice(position + 1, length), name.Slice(index + 1, length)))
            {
                return false;
            }

            position += 1 + length;
            index += 1 + length;
        }
    }

    /// <summary>ASCII case-insensitive equality of two byte strings (RFC 4343: only A-Z/a-z fold).</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && ToLower(a[i]) != ToLower(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, folding A-Z to a-z.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called for every host while a configuration loads
    public static void ToLower(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = ToLower(source[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ToLower(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;

    /// <summary>Counts the labels of an uncompressed wire-form name (the root label not counted).</summary>
    public static int LabelCount(ReadOnlySpan<byte> name)
    {
        int count = 0;
        int i = 0;
        while ((uint)i < (uint)name.Length && name[i] != 0)
        {
            count++;
            i += 1 + name[i];
        }

        return count;
    }

    /// <summary>
    /// True when <paramref name="name"/> is <paramref name="zone"/> or below it (both uncompressed wire form, the same
    /// case); <paramref name="suffixStart"/> is where <paramref name="zone"/> begins inside <paramref name="name"/>.
    /// </summary>
    public static bool IsSubdomainOf(ReadOnlySpan<byte> name, ReadOnlySpan<byte> zone, out int suffixStart)
    {
        suffixStart = -1;
        int i = 0;
        while ((uint)i < (uint)name.Length)
        {
            if (name.Length - i == zone.Length && name[i..].SequenceEqual(zone))
            {
                suffixStart = i;
                return true;
            }

            if (name[i] == 0 || name.Length - i < zone.Length)
            {
                return false;
            }

            i += 1 + name[i];
        }

        return false;
    }

    /// <summary>
    /// Encodes dotted text (<c>host-10-10-10-2.openstacklocal</c>, a trailing dot optional, <c>.</c> alone the root)
    /// into uncompressed wire form. Labels must be 1-63 bytes of ASCII, the name at most 255 bytes; no escapes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called for every host while a configuration loads
    public static bool TryEncode(ReadOnlySpan<char> text, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (text.Length > 0 && text[^1] == '.')
        {
            text = text[..^1];
        }

        int written = 0;
        while (text.Length > 0)
        {
            int dot = text.IndexOf('.');
            ReadOnlySpan<char> label = dot < 0 ? text : text[..dot];
            if (label.Length is 0 or > DnsHeader.MaximumLabelLength || written + 1 + label.Length + 1 > Math.Min(destination.Length, DnsHeader.MaximumNameLength))
            {
                return false;
            }

            destination[written] = (byte)label.Length;
            for (int i = 0; i < label.Length; i++)
            {
                char c = label[i];
                if (c > 0x7E || c <= ' ')
                {
                    return false;
                }

                destination[written + 1 + i] = (byte)c;
            }

            written += 1 + label.Length;
            text = dot < 0 ? default : text[(dot + 1)..];
            if (dot >= 0 && text.Length == 0)
            {
                return false; // "a..": an empty label
            }
        }

        if (written >= destination.Length)
        {
            return false;
        }

        destination[written++] = 0;
        bytesWritten = written;
        return true;
    }

    /// <summary>Encodes dotted text into a new array, or null when it is not a valid name (configuration time only).</summary>
    public static byte[]? Encode(string text, bool lowerCase = false)
    {
        Span<byte> buffer = stackalloc byte[DnsHeader.MaximumNameLength];
        if (!TryEncode(text, buffer, out int length))
        {
            return null;
        }

        byte[] result = buffer[..length].ToArray();
        if (lowerCase)
        {
            ToLower(result, result);
        }

        return result;
    }

    /// <summary>
    /// Formats an uncompressed wire-form name as dotted text with a trailing dot (<c>host.openstacklocal.</c>); bytes
    /// outside printable ASCII, dots and backslashes inside labels are escaped as <c>\DDD</c> (RFC 4343 §2.1).
    /// </summary>
    public static bool TryFormat(ReadOnlySpan<byte> name, Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        int written = 0;
        int i = 0;
        if (name.Length == 0)
        {
            return false;
        }

        if (name[0] == 0)
        {
            if (destination.Length < 1)
            {
                return false;
            }

            destination[0] = '.';
            charsWritten = 1;
            return true;
        }

        while ((uint)i < (uint)name.Length && name[i] != 0)
        {
            int length = name[i];
            if (i + 1 + length > name.Length)
            {
                return false;
            }

            foreach (byte b in name.Slice(i + 1, length))
            {
                if (b is > (byte)' ' and < 0x7F and not (byte)'.' and not (byte)'\\')
                {
                    if (written >= destination.Length)
                    {
                        return false;
                    }

                    destination[written++] = (char)b;
                }
                else
                {
                    if (written + 4 > destination.Length)
                    {
                        return false;
                    }

                    destination[written++] = '\\';
                    destination[written++] = (char)('0' + b / 100);
                    destination[written++] = (char)('0' + b / 10 % 10);
                    destination[written++] = (char)('0' + b % 10);
                }
            }

            if (written >= destination.Length)
            {
                return false;
            }

            destination[written++] = '.';
            i += 1 + length;
        }

        charsWritten = written;
        return true;
    }

    /// <summary>Dotted text of an uncompressed wire-form name (logging and tests; allocates).</summary>
    public static string ToText(ReadOnlySpan<byte> name)
    {
        Span<char> buffer = stackalloc char[DnsHeader.MaximumNameLength * 4];
        return TryFormat(name, buffer, out int written) ? new string(buffer[..written]) : "(bad name)";
    }
}
