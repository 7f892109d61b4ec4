using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>
/// Encodes the value part of a <c>--dhcp-option</c> (everything after the option field) into option bytes,
/// following man dnsmasq:
/// <list type="bullet">
/// <item>A known option uses its <see cref="Dhcp4OptionCatalog"/> type (mtu 1450 is two bytes 05 aa).</item>
/// <item>Otherwise the type is inferred from the text, as dnsmasq does: "Option data which consists solely of
/// periods and digits will be interpreted by dnsmasq as an IP address"; <c>a.b.c.d/n</c> is "encoded as described in
/// RFC 3442" (so option 249 written like 121 gets the same bytes); a lone decimal takes 1, 2 or 4 bytes by
/// magnitude, or the size its <c>b</c>/<c>s</c>/<c>i</c> suffix asks for; colon-separated hex is raw bytes;
/// anything else, or anything quoted ("To force a literal string, use quotes"), is a string.</item>
/// <item>An empty value encodes to no bytes: dnsmasq's "send none" (<c>option:dns-server,</c> with nothing after it).</item>
/// <item>0.0.0.0 is kept as is; man dnsmasq says it means "the address of the machine running dnsmasq", which the
/// engine substitutes when it knows its own address.</item>
/// </list>
/// </summary>
public static class DnsmasqOptionValue
{
    /// <summary>Encodes <paramref name="value"/> for an option of the given type; false with a reason on bad input.</summary>
    public static bool TryEncode(Dhcp4OptionValueType type, string value, out byte[] bytes, out string? error)
    {
        bytes = [];
        error = null;
        string trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            return true;
        }

        List<DnsmasqField> fields = DnsmasqText.SplitFields(trimmed);
        bool quoted = fields.Exists(f => f.Quoted);
        switch (type)
        {
            case Dhcp4OptionValueType.Inferred:
                return TryEncodeInferred(trimmed, fields, quoted, out bytes, out error);
            case Dhcp4OptionValueType.String:
                bytes = Encoding.UTF8.GetBytes(DnsmasqText.Unquote(trimmed));
                return true;
            case Dhcp4OptionValueType.IPv4Address:
            case Dhcp4OptionValueType.ServerAddress:
                if (fields.Count != 1)
                {
                    error = $"expects one IPv4 address, got {fields.Count} values";
                    return false;
                }

                return TryEncodeAddresses(fields, allowPrefix: false, out bytes, out error);
            case Dhcp4OptionValueType.IPv4AddressList:
                return TryEncodeAddresses(fields, allowPrefix: true, out bytes, out error);
            case Dhcp4OptionValueType.ClasslessRoutes:
                return TryEncodeClasslessRoutes(fields, out bytes, out error);
            case Dhcp4OptionValueType.DomainNameList:
                return TryEncodeDomainNames(fields, out bytes, out error);
            case Dhcp4OptionValueType.SipServers:
                if (!quoted && fields.TrueForAll(f => IPv4Address.TryParse(f.Text, out _)))
                {
                    // RFC 3361 §3.2: encoding byte 1, then addresses.
                    bool ok = TryEncodeAddresses(fields, allowPrefix: false, out byte[] addrs, out error);
                    bytes = ok ? [1, .. addrs] : [];
                    return ok;
                }
                else
                {
                    // RFC 3361 §3.1: encoding byte 0, then RFC 1035 names.
                    bool ok = TryEncodeDomainNames(fields, out byte[] names, out error);
                    bytes = ok ? [0, .. names] : [];
                    return ok;
                }

            default:
                if (fields.Count != 1)
                {
                    error = $"expects one number, got {fields.Count} values";
                    return false;
                }

                return TryEncodeNumber(type, fields[0].Text, out bytes, out error);
        }
    }

    private static bool TryEncodeInferred(string value, List<DnsmasqField> fields, bool quoted, out byte[] bytes, out string? error)
    {
        error = null;
        if (!quoted)
        {
            if (fields.TrueForAll(f => LooksLikeAddress(f.Text)))
            {
                return TryEncodeAddresses(fields, allowPrefix: true, out bytes, out error);
            }

            if (fields.Exists(f => f.Text.StartsWith('[')))
            {
                bytes = [];
                error = "an [IPv6] address cannot go in a DHCPv4 option (use option6:)";
                return false;
            }

            if (fields.Count == 1 && TryEncodeDecimal(fields[0].Text, out bytes))
            {
                return true;
            }

            if (fields.Count == 1 && DnsmasqText.TryParseHexBytes(fields[0].Text, allowSingle: false, out bytes))
            {
                return true;
            }
        }

        bytes = Encoding.UTF8.GetBytes(DnsmasqText.Unquote(value));
        return true;
    }

    /// <summary>Digits and dots, optionally "/prefix": what dnsmasq's classifier calls an address.</summary>
    private static bool LooksLikeAddress(string text)
    {
        if (text.Length == 0 || !text.Contains('.') || text.StartsWith('/'))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!(char.IsAsciiDigit(c) || c is '.' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// dnsmasq sizes a bare number by value (1 byte below 256, 2 below 65536, else 4) unless a trailing
    /// b (1), s (2) or i (4) says otherwise.
    /// </summary>
    private static bool TryEncodeDecimal(string text, out byte[] bytes)
    {
        bytes = [];
        int size = 0;
        ReadOnlySpan<char> digits = text;
        if (digits.Length > 1 && digits[^1] is 'b' or 's' or 'i')
        {
            size = digits[^1] switch { 'b' => 1, 's' => 2, _ => 4 };
            digits = digits[..^1];
        }

        if (digits.IsEmpty || digits.Length > 10 || !ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) || n > uint.MaxValue)
        {
            return false;
        }

        if (size == 0)
        {
            size = n > 0xFFFF ? 4 : n > 0xFF ? 2 : 1;
        }

        // Like dnsmasq, an explicit size truncates to the low-order bytes.
        bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[size - 1 - i] = (byte)(n >> (8 * i));
        }

        return true;
    }

    private static bool TryEncodeNumber(Dhcp4OptionValueType type, string text, out byte[] bytes, out string? error)
    {
        bytes = [];
        error = null;
        switch (type)
        {
            case Dhcp4OptionValueType.Time:
                if (!DnsmasqText.TryParseDuration(text, out uint seconds))
                {
                    error = $"'{text}' is not a time (seconds, or a number with s/m/h/d/w, or 'infinite')";
                    return false;
                }

                bytes = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(bytes, seconds);
                return true;
            case Dhcp4OptionValueType.Int32:
                if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int signed))
                {
                    error = $"'{text}' is not a signed 32-bit number";
                    return false;
                }

                bytes = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(bytes, signed);
                return true;
            default:
                (ulong max, int size, string what) = type switch
                {
                    Dhcp4OptionValueType.Boolean => (1UL, 1, "0 or 1"),
                    Dhcp4OptionValueType.UInt8 => (byte.MaxValue, 1, "a number 0..255"),
                    Dhcp4OptionValueType.UInt16 => (ushort.MaxValue, 2, "a number 0..65535"),
                    _ => (uint.MaxValue, 4, "a number 0..4294967295"),
                };
                if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) || n > max)
                {
                    error = $"'{text}' is not {what}";
                    return false;
                }

                bytes = new byte[size];
                for (int i = 0; i < size; i++)
                {
                    bytes[size - 1 - i] = (byte)(n >> (8 * i));
                }

                return true;
        }
    }

    private static bool TryEncodeAddresses(List<DnsmasqField> fields, bool allowPrefix, out byte[] bytes, out string? error)
    {
        bytes = [];
        error = null;
        var output = new List<byte>(fields.Count * 4);
        foreach (DnsmasqField field in fields)
        {
            string text = field.Text;
            int slash = text.IndexOf('/');
            if (slash >= 0 && allowPrefix)
            {
                if (!TryAppendDestination(text, output, out error))
                {
                    return false;
                }

                continue;
            }

            if (!IPv4Address.TryParse(text, out IPv4Address address))
            {
                error = $"'{text}' is not an IPv4 address";
                return false;
            }

            AppendAddress(output, address);
        }

        bytes = [.. output];
        return true;
    }

    /// <summary>RFC 3442 §3 destination descriptor: prefix length, then only the significant octets.</summary>
    private static bool TryAppendDestination(string text, List<byte> output, out string? error)
    {
        error = null;
        int slash = text.IndexOf('/');
        if (!IPv4Address.TryParse(text.AsSpan(0, slash), out IPv4Address address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
            || prefix > 32)
        {
            error = $"'{text}' is not an IPv4 destination (a.b.c.d/prefix, prefix 0..32)";
            return false;
        }

        output.Add((byte)prefix);
        int significant = (prefix + 7) / 8;
        for (int i = 0; i < significant; i++)
        {
            output.Add((byte)(address.Value >> (24 - (8 * i))));
        }

        return true;
    }

    private static void AppendAddress(List<byte> output, IPv4Address address)
    {
        output.Add((byte)(address.Value >> 24));
        output.Add((byte)(address.Value >> 16));
        output.Add((byte)(address.Value >> 8));
        output.Add((byte)address.Value);
    }

    private static bool TryEncodeClasslessRoutes(List<DnsmasqField> fields, out byte[] bytes, out string? error)
    {
        bytes = [];
        error = null;
        if (fields.Count % 2 != 0)
        {
            error = "classless routes come in pairs: destination/prefix,gateway (e.g. 0.0.0.0/0,10.0.0.1)";
            return false;
        }

        var output = new List<byte>(fields.Count * 5);
        for (int i = 0; i < fields.Count; i += 2)
        {
            string destination = fields[i].Text;
            string gateway = fields[i + 1].Text;
            if (!destination.Contains('/'))
            {
                error = $"route destination '{destination}' needs a prefix length (e.g. {destination}/32)";
                return false;
            }

            if (!TryAppendDestination(destination, output, out error))
            {
                return false;
            }

            if (!IPv4Address.TryParse(gateway, out IPv4Address router))
            {
                error = $"route gateway '{gateway}' is not an IPv4 address";
                return false;
            }

            AppendAddress(output, router);
        }

        bytes = [.. output];
        return true;
    }

    /// <summary>RFC 1035 §3.1 names, one after the other, uncompressed (RFC 3397 allows but does not require compression).</summary>
    private static bool TryEncodeDomainNames(List<DnsmasqField> fields, out byte[] bytes, out string? error)
    {
        bytes = [];
        error = null;
        var output = new List<byte>();
        foreach (DnsmasqField field in fields)
        {
            string name = field.Text.EndsWith('.') ? field.Text[..^1] : field.Text;
            if (name.Length is 0 or > 253)
            {
                error = $"'{field.Text}' is not a domain name";
                return false;
            }

            foreach (string label in name.Split('.'))
            {
                byte[] labelBytes = Encoding.UTF8.GetBytes(label);
                if (labelBytes.Length is 0 or > 63 || label.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                {
                    error = $"'{field.Text}' is not a domain name (labels are 1..63 characters, no spaces)";
                    return false;
                }

                output.Add((byte)labelBytes.Length);
                output.AddRange(labelBytes);
            }

            output.Add(0);
        }

        bytes = [.. output];
        return true;
    }
}
