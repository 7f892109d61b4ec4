using System.Runtime.CompilerServices;
using System.Globalization;
using System.Text;
using Qdhcp.Engine.Model;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>One comma-separated field of a dnsmasq value.</summary>
/// <param name="Raw">The field as written, trimmed, quotes kept.</param>
/// <param name="Text">The field with quotes removed and escapes resolved.</param>
/// <param name="Start">Offset of the field's first character in the whole value.</param>
/// <param name="Quoted">The field contained a quoted part, so it is a string whatever it looks like.</param>
internal readonly record struct DnsmasqField(string Raw, string Text, int Start, bool Quoted);

/// <summary>
/// Lexical helpers shared by the dnsmasq parsers: comma splitting that honours quotes, lease times, hex bytes,
/// host names and tag prefixes. None of them throws on any input.
/// </summary>
internal static class DnsmasqText
{
    /// <summary>dnsmasq's minimum lease: "The minimum lease time is two minutes" (man dnsmasq, --dhcp-range).</summary>
    public const uint MinimumLeaseSeconds = 120;

    /// <summary>
    /// Splits on commas outside double quotes and trims each field. dnsmasq's config reader lets a quoted string
    /// carry commas (<c>66,"1.2.3.4"</c>, <c>56,"hello, world"</c>) and resolves <c>\"</c> <c>\\</c> <c>\t</c> <c>\n</c> inside quotes.
    /// </summary>
    public static List<DnsmasqField> SplitFields(string value)
    {
        var fields = new List<DnsmasqField>();
        int start = 0;
        bool inQuotes = false;
        for (int i = 0; i <= value.Length; i++)
        {
            if (i < value.Length)
            {
                char c = value[i];
                if (c == '\\' && inQuotes && i + 1 < value.Length)
                {
                    i++;
                    continue;
                }

                if (c == '"')
                {
                    inQuotes = !inQuotes;
                    continue;
                }

                if (c != ',' || inQuotes)
                {
                    continue;
                }
            }

            string raw = value[start..i];
            int lead = raw.Length - raw.TrimStart().Length;
            raw = raw.Trim();
            fields.Add(new DnsmasqField(raw, Unquote(raw), start + lead, raw.Contains('"')));
            start = i + 1;
        }

        return fields;
    }

    /// <summary>Removes double quotes and resolves the escapes dnsmasq allows inside them.</summary>
    public static string Unquote(string text)
    {
        if (!text.Contains('"'))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        bool inQuotes = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (c == '\\' && inQuotes && i + 1 < text.Length)
            {
                char next = text[++i];
                sb.Append(next switch
                {
                    't' => '\t',
                    'n' => '\n',
                    'r' => '\r',
                    'e' => '\u001b',
                    'b' => '\b',
                    _ => next,
                });
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Parses a lease time as man dnsmasq defines it: seconds, or a number with s/m/h/d/w, or <c>infinite</c>.
    /// Times below <see cref="MinimumLeaseSeconds"/> are raised to it (dnsmasq does the same) and reported in
    /// <paramref name="raised"/>.
    /// </summary>
    public static bool TryParseLeaseTime(string text, out uint seconds, out bool raised)
    {
        raised = false;
        if (!TryParseDuration(text, out seconds))
        {
            return false;
        }

        if (seconds < MinimumLeaseSeconds)
        {
            raised = true;
            seconds = MinimumLeaseSeconds;
        }

        return true;
    }

    /// <summary>A duration with dnsmasq's units (s, m, h, d, w; none = seconds) or <c>infinite</c>, without any minimum.</summary>
    public static bool TryParseDuration(string text, out uint seconds)
    {
        seconds = 0;
        if (text.Equals("infinite", StringComparison.OrdinalIgnoreCase))
        {
            seconds = LeaseTime.Infinite;
            return true;
        }

        if (text.Length == 0 || !char.IsAsciiDigit(text[0]))
        {
            return false;
        }

        ulong multiplier = 1;
        ReadOnlySpan<char> digits = text;
        switch (char.ToLowerInvariant(text[^1]))
        {
            case 's': multiplier = 1; digits = digits[..^1]; break;
            case 'm': multiplier = 60; digits = digits[..^1]; break;
            case 'h': multiplier = 3600; digits = digits[..^1]; break;
            case 'd': multiplier = 86400; digits = digits[..^1]; break;
            case 'w': multiplier = 604800; digits = digits[..^1]; break;
            default: break;
        }

        if (digits.IsEmpty || digits.Length > 10 || !ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n))
        {
            return false;
        }

        ulong total = n * multiplier;
        if (total >= LeaseTime.Infinite)
        {
            return false;
        }

        seconds = (uint)total;
        return true;
    }

    /// <summary>Formats a lease time so that <see cref="TryParseLeaseTime"/> reads it back.</summary>
    public static string FormatLeaseTime(uint seconds) =>
        seconds == LeaseTime.Infinite ? "infinite" : seconds.ToString(CultureInfo.InvariantCulture) + "s";

    /// <summary>
    /// Parses colon-separated hex bytes (<c>01:fa:16:3e</c>); each group is one or two hex digits. A lone group
    /// without colon (<c>01</c>) counts only when <paramref name="allowSingle"/>.
    /// </summary>
    public static bool TryParseHexBytes(string text, bool allowSingle, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || (!allowSingle && !text.Contains(':')))
        {
            return false;
        }

        string[] groups = text.Split(':');
        var result = new byte[groups.Length];
        for (int i = 0; i < groups.Length; i++)
        {
            string g = groups[i];
            if (g.Length is 0 or > 2 || !byte.TryParse(g, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out result[i]))
            {
                return false;
            }
        }

        bytes = result;
        return true;
    }

    /// <summary>Lowercase colon-separated hex, as dnsmasq writes client-ids in its lease file.</summary>
    public static string FormatHex(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        var sb = new StringBuilder(bytes.Length * 3);
        foreach (byte b in bytes)
        {
            if (sb.Length > 0)
            {
                sb.Append(':');
            }

            sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>
    /// A host name dnsmasq would accept: dot-separated labels of letters, digits, '-' and '_' (dnsmasq tolerates
    /// '_'), each 1..63 characters, at most 253 in all; one trailing dot allowed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
    public static bool IsLegalHostName(ReadOnlySpan<char> name)
    {
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        if (name.Length is 0 or > 253)
        {
            return false;
        }

        int labelLength = 0;
        foreach (char c in name)
        {
            if (c == '.')
            {
                if (labelLength == 0)
                {
                    return false;
                }

                labelLength = 0;
                continue;
            }

            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_') || ++labelLength > 63)
            {
                return false;
            }
        }

        return labelLength > 0;
    }

    /// <summary>
    /// Reads a tag prefix: <c>tag:x</c> is a required tag; <c>set:x</c> and the old <c>net:x</c> set one
    /// (man dnsmasq: "net: ... is the old form of set:/tag:"; dnsmasq treats net: as set where a tag is
    /// set and as tag: where one is matched, so the caller decides via <paramref name="netMeansSet"/>).
    /// </summary>
    public static bool TryReadTag(string field, bool netMeansSet, out string tag, out bool isSet)
    {
        tag = string.Empty;
        isSet = false;
        if (field.StartsWith("tag:", StringComparison.Ordinal))
        {
            tag = field[4..];
        }
        else if (field.StartsWith("set:", StringComparison.Ordinal))
        {
            tag = field[4..];
            isSet = true;
        }
        else if (field.StartsWith("net:", StringComparison.Ordinal))
        {
            tag = field[4..];
            isSet = netMeansSet;
        }
        else
        {
            return false;
        }

        return true;
    }

    /// <summary>A tag name is any non-empty text without commas or whitespace (a leading '!' negates a required tag).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // bulk loading runs once per load: no time for tier 0
    public static bool IsValidTag(ReadOnlySpan<char> tag, bool allowNegation)
    {
        if (allowNegation && tag.StartsWith('!'))
        {
            tag = tag[1..];
        }

        if (tag.Length == 0)
        {
            return false;
        }

        foreach (char c in tag)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or '!')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Splits text into lines on \n; the last line needs no newline. A trailing \r stays: <see cref="StripComment"/> drops it.</summary>
    public static string[] SplitLines(string text) => text.Split('\n');

    /// <summary>Trims a line and drops a comment: '#' at the start of the line (after whitespace).</summary>
    public static string StripComment(string line)
    {
        line = line.TrimEnd('\r').Trim();
        return line.StartsWith('#') ? string.Empty : line;
    }
}
