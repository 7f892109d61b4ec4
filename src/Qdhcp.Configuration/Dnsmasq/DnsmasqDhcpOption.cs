using System.Globalization;
using Qdhcp.Engine.Model;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>
/// Parses one <c>--dhcp-option</c> / <c>--dhcp-option-force</c> value, which is also the syntax of every line of a
/// <c>--dhcp-optsfile</c>. Grammar (man dnsmasq):
/// <code>[tag:&lt;tag&gt;,]*[encap:&lt;opt&gt;,][vi-encap:&lt;enterprise&gt;,][vendor:[&lt;class&gt;],]&lt;opt&gt;|option:&lt;name&gt;|option6:&lt;opt&gt;,[&lt;value&gt;[,&lt;value&gt;]]</code>
/// <list type="bullet">
/// <item><c>net:x</c> is the old spelling of <c>tag:x</c>; <c>tag:!x</c> requires x to be absent (the '!' is kept).</item>
/// <item>A leading bare word that is neither a number nor a prefix is a tag too (dnsmasq's pre-2.46 syntax).</item>
/// <item><c>option6:</c> lines are valid and <see cref="LineOutcome.Ignored"/> (DHCPv6 is not served yet).</item>
/// <item><c>encap:</c>, <c>vi-encap:</c>, <c>vendor:</c> and the <c>server-ip-address</c> pseudo-option are
/// <see cref="LineOutcome.Unsupported"/>: accepted, reported as a warning, not sent.</item>
/// <item>No value (<c>option:dns-server</c> or <c>option:dns-server,</c>) gives an empty value: "send none".</item>
/// </list>
/// </summary>
public static class DnsmasqDhcpOption
{
    /// <summary>Parses one option value; never throws.</summary>
    /// <param name="value">The text after <c>--dhcp-option=</c>, or one opts-file line.</param>
    /// <param name="force">True for <c>--dhcp-option-force</c>: send even when not requested.</param>
    public static LineResult<OptionSetting> Parse(string value, bool force = false)
    {
        List<DnsmasqField> fields = DnsmasqText.SplitFields(value);
        var tags = new List<string>();
        string? unsupported = null;
        int i = 0;
        for (; i < fields.Count; i++)
        {
            string field = fields[i].Raw;
            if (field.StartsWith("option:", StringComparison.Ordinal) || IsNumber(field))
            {
                break;
            }

            if (field.StartsWith("option6:", StringComparison.Ordinal))
            {
                return LineResult<OptionSetting>.Ignored("option6: lines are DHCPv6 options; DHCPv6 is not served yet, so the line has no effect");
            }

            if (field.Length == 0 && !fields[i].Quoted)
            {
                return LineResult<OptionSetting>.Invalid("no option given: expected a number 1..254 or option:<name> (e.g. option:router,10.0.0.1)");
            }

            if (field.StartsWith("set:", StringComparison.Ordinal))
            {
                return LineResult<OptionSetting>.Invalid($"'{field}': a DHCP option can only match tags (tag:<tag>), not set them");
            }

            if (DnsmasqText.TryReadTag(field, netMeansSet: false, out string tag, out _))
            {
                if (!DnsmasqText.IsValidTag(tag, allowNegation: true))
                {
                    return LineResult<OptionSetting>.Invalid($"'{field}' is not a valid tag (a name without spaces or commas, '!' in front to negate)");
                }

                tags.Add(tag);
                continue;
            }

            if (field.StartsWith("encap:", StringComparison.Ordinal) || field.StartsWith("vi-encap:", StringComparison.Ordinal) || field.StartsWith("vendor:", StringComparison.Ordinal))
            {
                unsupported ??= $"'{field}': encapsulated and vendor-class options are not supported yet; this option is not sent";
                continue;
            }

            if (fields[i].Quoted || field.Length == 0 || !DnsmasqText.IsValidTag(field, allowNegation: false))
            {
                return LineResult<OptionSetting>.Invalid(
                    $"'{field}' is not an option: expected tag:<tag>, a number 1..254 or option:<name> before the value");
            }

            // dnsmasq's old syntax: a bare leading word is a tag to match.
            tags.Add(field);
        }

        if (i == fields.Count)
        {
            return LineResult<OptionSetting>.Invalid("no option given: expected a number 1..254 or option:<name> (e.g. option:router,10.0.0.1)");
        }

        string optionField = fields[i].Raw;
        if (!TryResolveOption(optionField, out byte code, out Dhcp4OptionDefinition? definition, out string? error))
        {
            return LineResult<OptionSetting>.Invalid(error!);
        }

        string optionValue = i + 1 < fields.Count ? value[fields[i + 1].Start..] : string.Empty;
        Dhcp4OptionValueType type = definition?.Type ?? Dhcp4OptionValueType.Inferred;
        if (!DnsmasqOptionValue.TryEncode(type, optionValue, out byte[] bytes, out error))
        {
            return LineResult<OptionSetting>.Invalid($"{Describe(code, definition)}: {error}");
        }

        if (unsupported is not null)
        {
            return LineResult<OptionSetting>.Unsupported(unsupported);
        }

        if (type == Dhcp4OptionValueType.ServerAddress)
        {
            return LineResult<OptionSetting>.Unsupported(
                "option:server-ip-address sets the next-server (siaddr) header field, which is not supported yet; the line has no effect");
        }

        return LineResult<OptionSetting>.Ok(new OptionSetting(tags, code, bytes, force));
    }

    /// <summary>Reads <c>26</c> or <c>option:mtu</c> (or <c>option:26</c>).</summary>
    internal static bool TryResolveOption(string field, out byte code, out Dhcp4OptionDefinition? definition, out string? error)
    {
        code = 0;
        definition = null;
        error = null;
        string text = field.StartsWith("option:", StringComparison.Ordinal) ? field[7..] : field;
        if (IsNumber(text))
        {
            if (text.Length > 3 || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < 1 or > 254)
            {
                error = $"option number '{text}' is out of range: DHCPv4 options are 1..254 (0 is pad, 255 is end)";
                return false;
            }

            code = (byte)n;
            if (Dhcp4OptionCatalog.TryGetByCode(code, out Dhcp4OptionDefinition d))
            {
                definition = d;
            }

            return true;
        }

        if (!Dhcp4OptionCatalog.TryGetByName(text, out Dhcp4OptionDefinition byName))
        {
            error = $"unknown option name '{text}': use a number 1..254 or one of dnsmasq's names (router, dns-server, mtu, classless-static-route, ...; see dnsmasq --help dhcp)";
            return false;
        }

        definition = byName;
        code = byName.Code;
        return true;
    }

    internal static string Describe(byte code, Dhcp4OptionDefinition? definition) =>
        definition is null ? $"option {code}" : $"option {code} ({definition.Name})";

    private static bool IsNumber(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
