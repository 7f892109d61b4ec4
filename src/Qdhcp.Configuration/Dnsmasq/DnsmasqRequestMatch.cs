using System.Text;
using Qdhcp.Engine.Model;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>
/// Parses <c>--dhcp-match=set:&lt;tag&gt;,&lt;opt&gt;|option:&lt;name&gt;[,&lt;value&gt;]</c> and
/// <c>--dhcp-userclass=set:&lt;tag&gt;,&lt;string&gt;</c> into <see cref="RequestMatch"/>. Neutron passes
/// <c>--dhcp-match=set:ipxe,175</c> and <c>--dhcp-userclass=set:ipxe6,iPXE</c>.
/// </summary>
public static class DnsmasqRequestMatch
{
    /// <summary>
    /// Parses a <c>--dhcp-match</c> value. The value, when given, is encoded like a <c>--dhcp-option</c> value for
    /// that code (<c>option:client-arch,7</c> is 00 07). <c>option6:</c> is <see cref="LineOutcome.Ignored"/>;
    /// <c>vi-encap:</c> and hex values with '*' wildcards are <see cref="LineOutcome.Unsupported"/>.
    /// </summary>
    public static LineResult<RequestMatch> ParseMatch(string value)
    {
        List<DnsmasqField> fields = DnsmasqText.SplitFields(value);
        if (!TryReadSetTag(fields, out string tag, out string? error))
        {
            return LineResult<RequestMatch>.Invalid(error!);
        }

        if (fields.Count < 2 || fields[1].Raw.Length == 0)
        {
            return LineResult<RequestMatch>.Invalid("no option to match: expected set:<tag>,<option number>|option:<name>[,<value>]");
        }

        string optionField = fields[1].Raw;
        if (optionField.StartsWith("option6:", StringComparison.Ordinal))
        {
            return LineResult<RequestMatch>.Ignored("option6: matches apply to DHCPv6, which is not served yet");
        }

        if (optionField.StartsWith("vi-encap:", StringComparison.Ordinal))
        {
            return LineResult<RequestMatch>.Unsupported($"'{optionField}': vendor-identifying matches are not supported yet; the tag is never set");
        }

        if (!DnsmasqDhcpOption.TryResolveOption(optionField, out byte code, out Dhcp4OptionDefinition? definition, out error))
        {
            return LineResult<RequestMatch>.Invalid(error!);
        }

        if (fields.Count == 2)
        {
            return LineResult<RequestMatch>.Ok(new RequestMatch(tag, code, null));
        }

        string matchValue = value[fields[2].Start..];
        if (!fields[2].Quoted && matchValue.Contains('*'))
        {
            return LineResult<RequestMatch>.Unsupported($"'{matchValue}': wildcard bytes in --dhcp-match values are not supported yet; the tag is never set");
        }

        if (!DnsmasqOptionValue.TryEncode(definition?.Type ?? Dhcp4OptionValueType.Inferred, matchValue, out byte[] bytes, out error))
        {
            return LineResult<RequestMatch>.Invalid($"{DnsmasqDhcpOption.Describe(code, definition)}: {error}");
        }

        return LineResult<RequestMatch>.Ok(new RequestMatch(tag, code, bytes));
    }

    /// <summary>Parses a <c>--dhcp-userclass</c> value: a match on option 77 (RFC 3004 user class) containing the string.</summary>
    public static LineResult<RequestMatch> ParseUserClass(string value)
    {
        List<DnsmasqField> fields = DnsmasqText.SplitFields(value);
        if (!TryReadSetTag(fields, out string tag, out string? error))
        {
            return LineResult<RequestMatch>.Invalid(error!);
        }

        string text = fields.Count > 1 ? DnsmasqText.Unquote(value[fields[1].Start..].Trim()) : string.Empty;
        if (text.Length == 0)
        {
            return LineResult<RequestMatch>.Invalid("no user class given: expected set:<tag>,<string> (e.g. set:ipxe6,iPXE)");
        }

        return LineResult<RequestMatch>.Ok(new RequestMatch(tag, (byte)Qdhcp.Wire.Dhcp4.Dhcp4OptionCode.UserClass, Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The first field names the tag to set: <c>set:x</c>, the old <c>net:x</c>, or a bare word.</summary>
    private static bool TryReadSetTag(List<DnsmasqField> fields, out string tag, out string? error)
    {
        error = null;
        tag = string.Empty;
        string first = fields[0].Raw;
        if (first.StartsWith("tag:", StringComparison.Ordinal))
        {
            error = $"'{first}': a match sets a tag; write set:{first[4..]}";
            return false;
        }

        tag = DnsmasqText.TryReadTag(first, netMeansSet: true, out string t, out _) ? t : first;
        if (!DnsmasqText.IsValidTag(tag, allowNegation: false) || fields[0].Quoted)
        {
            error = $"'{first}' is not a tag to set: expected set:<tag> first (e.g. set:ipxe,175)";
            return false;
        }

        return true;
    }
}
