using Qdhcp.Engine.Model;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Configuration.Dnsmasq;

/// <summary>
/// Parses one <c>--dhcp-range</c> value into a <see cref="DhcpRange"/>. IPv4 grammar (man dnsmasq):
/// <code>[tag:&lt;tag&gt;[,tag:&lt;tag&gt;],][set:&lt;tag&gt;,]&lt;start&gt;[,&lt;end&gt;|&lt;mode&gt;[,&lt;netmask&gt;[,&lt;broadcast&gt;]]][,&lt;lease time&gt;]</code>
/// <list type="bullet">
/// <item>Old syntax: a leading bare word that is not an address (<c>tag0,10.10.10.0,static,120s</c>) or
/// <c>net:x</c> sets a tag, like <c>set:x</c>. "Only one tag may be set".</item>
/// <item><c>static</c>: only reserved hosts are served; Start = End = the given address.
/// <c>proxy</c> (proxy-DHCP) is <see cref="LineOutcome.Unsupported"/>.</item>
/// <item>A start after the end is swapped, as dnsmasq does.</item>
/// <item>Lease time: seconds, or s/m/h/d/w units, or <c>infinite</c>; default <see cref="LeaseTime.DefaultSeconds"/>;
/// "The minimum lease time is two minutes": shorter times become 120 s, with a warning.</item>
/// <item>The broadcast address field is accepted and not kept: the engine derives it from the netmask.</item>
/// <item>IPv6 ranges (an address with ':', <c>constructor:</c>, <c>ra-only</c>, ...) are
/// <see cref="LineOutcome.Ignored"/>: valid, not served by DHCPv4.</item>
/// </list>
/// </summary>
public static class DnsmasqDhcpRange
{
    /// <summary>Parses one range value; never throws.</summary>
    public static LineResult<DhcpRange> Parse(string value)
    {
        List<DnsmasqField> fields = DnsmasqText.SplitFields(value);
        var setTags = new List<string>();
        var requiredTags = new List<string>();
        var warnings = new List<string>();
        int i = 0;
        for (; i < fields.Count; i++)
        {
            string field = fields[i].Raw;
            if (DnsmasqText.TryReadTag(field, netMeansSet: true, out string tag, out bool isSet))
            {
                if (!DnsmasqText.IsValidTag(tag, allowNegation: !isSet))
                {
                    return LineResult<DhcpRange>.Invalid($"'{field}' is not a valid tag");
                }

                (isSet ? setTags : requiredTags).Add(tag);
                continue;
            }

            // Old syntax: a first field that is not an address is the tag to set (Neutron before Mitaka wrote tag0).
            if (i == 0 && fields.Count > 1 && !IPv4Address.TryParse(field, out _) && !field.Contains(':')
                && DnsmasqText.IsValidTag(field, allowNegation: false) && !IsAllDigitsAndDots(field))
            {
                setTags.Add(field);
                continue;
            }

            break;
        }

        if (setTags.Count > 1)
        {
            return LineResult<DhcpRange>.Invalid($"a range sets only one tag, got {string.Join(", ", setTags)}");
        }

        if (i == fields.Count || fields[i].Raw.Length == 0)
        {
            return LineResult<DhcpRange>.Invalid("no start address: expected [set:<tag>,]<start>[,<end>|static][,<netmask>][,<lease time>]");
        }

        if (IsIpv6(fields, i))
        {
            return LineResult<DhcpRange>.Ignored($"'{value}' is an IPv6 range; DHCPv6 and router advertisements are not served yet, so it has no effect");
        }

        if (!IPv4Address.TryParse(fields[i].Raw, out IPv4Address start))
        {
            return LineResult<DhcpRange>.Invalid($"'{fields[i].Raw}' is not an IPv4 start address");
        }

        i++;
        IPv4Address end = start;
        bool isStatic = false;
        if (i < fields.Count)
        {
            string field = fields[i].Raw;
            if (field == "static")
            {
                isStatic = true;
                i++;
            }
            else if (field == "proxy")
            {
                return LineResult<DhcpRange>.Unsupported($"'{value}': proxy-DHCP ranges are not supported yet; the range has no effect");
            }
            else if (IPv4Address.TryParse(field, out IPv4Address parsedEnd))
            {
                end = parsedEnd;
                i++;
            }
            else if (!DnsmasqText.TryParseLeaseTime(field, out _, out _))
            {
                return LineResult<DhcpRange>.Invalid($"'{field}' is not an end address, 'static', 'proxy' or a lease time");
            }
        }

        IPv4Address? netmask = null;
        if (i < fields.Count && IPv4Address.TryParse(fields[i].Raw, out IPv4Address mask))
        {
            if (mask.PrefixLengthOfMask() < 0)
            {
                return LineResult<DhcpRange>.Invalid($"'{fields[i].Raw}' is not a netmask (the one bits must be contiguous, e.g. 255.255.255.0)");
            }

            netmask = mask;
            i++;
            if (i < fields.Count && IPv4Address.TryParse(fields[i].Raw, out _))
            {
                warnings.Add($"broadcast address {fields[i].Raw} ignored: it is derived from the netmask");
                i++;
            }
        }

        uint lease = LeaseTime.DefaultSeconds;
        if (i < fields.Count)
        {
            string field = fields[i].Raw;
            if (!DnsmasqText.TryParseLeaseTime(field, out lease, out bool raised))
            {
                return LineResult<DhcpRange>.Invalid($"'{field}' is not a lease time (seconds, a number with s/m/h/d/w, or 'infinite')");
            }

            if (raised)
            {
                warnings.Add($"lease time {field} raised to dnsmasq's minimum of 120s");
            }

            i++;
        }

        if (i < fields.Count)
        {
            return LineResult<DhcpRange>.Invalid($"unexpected '{fields[i].Raw}' after the lease time");
        }

        if (start > end)
        {
            (start, end) = (end, start);
        }

        if (netmask is { } m && (start.Value & m.Value) != (end.Value & m.Value))
        {
            return LineResult<DhcpRange>.Invalid($"{start} and {end} are not in the same subnet with netmask {m}");
        }

        return LineResult<DhcpRange>.Ok(new DhcpRange(setTags, requiredTags, start, end, isStatic, netmask, lease), warnings);
    }

    private static bool IsIpv6(List<DnsmasqField> fields, int first)
    {
        if (fields[first].Raw.Contains(':'))
        {
            return true;
        }

        for (int i = first; i < fields.Count; i++)
        {
            string f = fields[i].Raw;
            if (f.StartsWith("constructor:", StringComparison.Ordinal) || f is "ra-only" or "slaac" or "ra-names" or "ra-stateless" or "ra-advrouter" or "off-link")
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAllDigitsAndDots(string text) => text.All(c => char.IsAsciiDigit(c) || c == '.');
}
