using Qdhcp.Agent.Model;
using Qdhcp.Configuration;
using Qdhcp.Configuration.Dnsmasq;
using Qdhcp.Engine.Model;

namespace Qdhcp.Agent.Dhcp;

/// <summary>
/// Writes options the way Neutron's dnsmasq driver writes its opts file (<c>Dnsmasq._format_option</c>) and encodes
/// them through the dnsmasq option parser, so a port's extra_dhcp_opts mean exactly what they mean under Neutron.
/// </summary>
public static class NeutronOptionText
{
    /// <summary>Neutron's tag for a subnet's range and options.</summary>
    public static string SubnetTag(string subnetId) => "subnet-" + subnetId;

    /// <summary>Neutron's tag for a port with extra_dhcp_opts (set in its hosts line, required by its options).</summary>
    public static string PortTag(string portId) => "port-" + portId;

    /// <summary>
    /// An extra DHCP option with this name is not an option but the client-id the port's host line matches
    /// (Neutron: <c>client-id</c> or <c>61</c> goes into the hosts file as <c>id:</c>).
    /// </summary>
    public static bool IsClientId(ExtraDhcpOpt option) =>
        option.IpVersion == 4 && option.OptName is "client-id" or "61";

    /// <summary>
    /// <c>_format_option</c>: <c>tag:&lt;tag&gt;,[&lt;extra tag&gt;,]option:&lt;name&gt;|&lt;number&gt;,&lt;value&gt;</c>. An opt_name may
    /// carry its own <c>tag:x,</c> prefix; a name that is not a number gets <c>option:</c>.
    /// </summary>
    public static string Format(string tag, string optName, string value)
    {
        string? extraTag = null;
        string option = optName;
        if (optName.StartsWith("tag:", StringComparison.Ordinal))
        {
            int comma = optName.IndexOf(',', StringComparison.Ordinal);
            if (comma > 0)
            {
                extraTag = optName[..comma];
                option = optName[(comma + 1)..];
            }
        }

        if (option.Length == 0 || !option.All(char.IsAsciiDigit))
        {
            option = "option:" + option;
        }

        return extraTag is null ? $"tag:{tag},{option},{value}" : $"tag:{tag},{extraTag},{option},{value}";
    }

    /// <summary>Encodes one IPv4 extra DHCP option of a port; never throws.</summary>
    public static LineResult<OptionSetting> EncodePortOption(string portId, ExtraDhcpOpt option) =>
        DnsmasqDhcpOption.Parse(Format(PortTag(portId), option.OptName, option.OptValue));

    /// <summary>Encodes one subnet option (<c>tag:subnet-&lt;id&gt;,option:router,10.0.0.1</c>); never throws.</summary>
    public static LineResult<OptionSetting> EncodeSubnetOption(string subnetId, string optName, string value) =>
        DnsmasqDhcpOption.Parse(Format(SubnetTag(subnetId), optName, value));
}
