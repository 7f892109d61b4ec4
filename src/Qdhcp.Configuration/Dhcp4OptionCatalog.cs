using System.Collections.Frozen;

namespace Qdhcp.Configuration;

/// <summary>How the text value of a DHCPv4 option is encoded on the wire.</summary>
public enum Dhcp4OptionValueType
{
    /// <summary>No fixed type: encoded from what the text looks like, as dnsmasq does for unknown codes
    /// (addresses, address/prefix routes, a decimal number, colon-separated hex bytes, else a string).</summary>
    Inferred,

    /// <summary>Exactly one dotted-quad address, 4 bytes.</summary>
    IPv4Address,

    /// <summary>One or more dotted-quad addresses, 4 bytes each.</summary>
    IPv4AddressList,

    /// <summary>Text, sent as its UTF-8 bytes without terminator (RFC 2132 §2: NVT ASCII, not NUL-terminated).</summary>
    String,

    /// <summary>Comma-separated domain names in RFC 1035 §3.1 label encoding, uncompressed (option 119, RFC 3397).</summary>
    DomainNameList,

    /// <summary>Unsigned decimal, 1 byte.</summary>
    UInt8,

    /// <summary>Unsigned decimal, 2 bytes big-endian.</summary>
    UInt16,

    /// <summary>Unsigned decimal, 4 bytes big-endian.</summary>
    UInt32,

    /// <summary>Signed decimal, 4 bytes big-endian two's complement (option 2, time offset).</summary>
    Int32,

    /// <summary>A duration in seconds, 4 bytes; accepts dnsmasq's units (<c>45m</c>, <c>1h</c>) and <c>infinite</c>.</summary>
    Time,

    /// <summary>0 or 1, 1 byte.</summary>
    Boolean,

    /// <summary>RFC 3442 routes: <c>dest/prefix,gateway</c> pairs, each encoded as the prefix length, the
    /// significant octets of the destination and the 4-byte gateway.</summary>
    ClasslessRoutes,

    /// <summary>RFC 3361 SIP servers (option 120): addresses (encoding byte 1) or domain names (encoding byte 0).</summary>
    SipServers,

    /// <summary>dnsmasq's pseudo-option <c>server-ip-address</c>: sets the header's <c>siaddr</c>, no option is sent.</summary>
    ServerAddress,
}

/// <summary>One known DHCPv4 option.</summary>
/// <param name="Name">dnsmasq's name for it, as in <c>option:router</c> (case-sensitive, like dnsmasq).</param>
/// <param name="Code">The option code; 255 only for the <c>server-ip-address</c> pseudo-option.</param>
/// <param name="Type">How its value is encoded.</param>
/// <param name="ServerManaged">dnsmasq marks it internal: the server normally sets it from its own state
/// (lease time, server id, message type); a configured value is kept but the engine decides.</param>
public sealed record Dhcp4OptionDefinition(string Name, byte Code, Dhcp4OptionValueType Type, bool ServerManaged = false);

/// <summary>
/// The one table of DHCPv4 option names and value types (Kea keeps the same idea in std_option_defs.h). The names are
/// dnsmasq's (<c>dnsmasq --help dhcp</c>), so that Neutron's opts files (<c>option:router</c>,
/// <c>option:classless-static-route</c>) and extra_dhcp_opts names resolve exactly as under dnsmasq.
/// </summary>
public static class Dhcp4OptionCatalog
{
    private const Dhcp4OptionValueType Addr = Dhcp4OptionValueType.IPv4Address;
    private const Dhcp4OptionValueType Addrs = Dhcp4OptionValueType.IPv4AddressList;
    private const Dhcp4OptionValueType Str = Dhcp4OptionValueType.String;
    private const Dhcp4OptionValueType U8 = Dhcp4OptionValueType.UInt8;
    private const Dhcp4OptionValueType U16 = Dhcp4OptionValueType.UInt16;
    private const Dhcp4OptionValueType U32 = Dhcp4OptionValueType.UInt32;
    private const Dhcp4OptionValueType Bool = Dhcp4OptionValueType.Boolean;
    private const Dhcp4OptionValueType Time = Dhcp4OptionValueType.Time;
    private const Dhcp4OptionValueType Any = Dhcp4OptionValueType.Inferred;

    /// <summary>Every known option, in code order.</summary>
    public static IReadOnlyList<Dhcp4OptionDefinition> All { get; } =
    [
        new("netmask", 1, Addr),
        new("time-offset", 2, Dhcp4OptionValueType.Int32),
        new("router", 3, Addrs),
        new("dns-server", 6, Addrs),
        new("log-server", 7, Addrs),
        new("lpr-server", 9, Addrs),
        new("hostname", 12, Str, ServerManaged: true),
        new("boot-file-size", 13, U16),
        new("domain-name", 15, Str),
        new("swap-server", 16, Addr),
        new("root-path", 17, Str),
        new("extension-path", 18, Str),
        new("ip-forward-enable", 19, Bool),
        new("non-local-source-routing", 20, Bool),
        new("policy-filter", 21, Addrs),
        new("max-datagram-reassembly", 22, U16),
        new("default-ttl", 23, U8),
        new("mtu", 26, U16),
        new("all-subnets-local", 27, Bool),
        new("broadcast", 28, Addr, ServerManaged: true),
        new("router-discovery", 31, Bool),
        new("router-solicitation", 32, Addr),
        new("static-route", 33, Addrs),
        new("trailer-encapsulation", 34, Bool),
        new("arp-timeout", 35, U32),
        new("ethernet-encap", 36, Bool),
        new("tcp-ttl", 37, U8),
        new("tcp-keepalive", 38, U32),
        new("nis-domain", 40, Str),
        new("nis-server", 41, Addrs),
        new("ntp-server", 42, Addrs),
        new("vendor-encap", 43, Any, ServerManaged: true),
        new("netbios-ns", 44, Addrs),
        new("netbios-dd", 45, Addrs),
        new("netbios-nodetype", 46, U8),
        new("netbios-scope", 47, Str),
        new("x-windows-fs", 48, Addrs),
        new("x-windows-dm", 49, Addrs),
        new("requested-address", 50, Addr, ServerManaged: true),
        new("lease-time", 51, Time, ServerManaged: true),
        new("option-overload", 52, U8, ServerManaged: true),
        new("message-type", 53, U8, ServerManaged: true),
        new("server-identifier", 54, Addr, ServerManaged: true),
        new("parameter-request", 55, Any, ServerManaged: true),
        new("message", 56, Str, ServerManaged: true),
        new("max-message-size", 57, U16, ServerManaged: true),
        new("T1", 58, Time),
        new("T2", 59, Time),
        new("vendor-class", 60, Str),
        new("client-id", 61, Any, ServerManaged: true),
        new("nis+-domain", 64, Str),
        new("nis+-server", 65, Addrs),
        new("tftp-server", 66, Str),
        new("bootfile-name", 67, Str),
        new("mobile-ip-home", 68, Addrs),
        new("smtp-server", 69, Addrs),
        new("pop3-server", 70, Addrs),
        new("nntp-server", 71, Addrs),
        new("irc-server", 74, Addrs),
        new("user-class", 77, Any),
        new("rapid-commit", 80, Any),
        new("FQDN", 81, Any, ServerManaged: true),
        new("agent-id", 82, Any, ServerManaged: true),
        new("client-arch", 93, U16),
        new("client-interface-id", 94, Any),
        new("client-machine-id", 97, Any),
        new("posix-timezone", 100, Str),
        new("tzdb-timezone", 101, Str),
        new("subnet-select", 118, Addr, ServerManaged: true),
        new("domain-search", 119, Dhcp4OptionValueType.DomainNameList),
        new("sip-server", 120, Dhcp4OptionValueType.SipServers),
        new("classless-static-route", 121, Dhcp4OptionValueType.ClasslessRoutes),
        new("vendor-id-encap", 125, Any),
        new("tftp-server-address", 150, Addrs),
        new("server-ip-address", 255, Dhcp4OptionValueType.ServerAddress),
    ];

    private static readonly FrozenDictionary<string, Dhcp4OptionDefinition> ByName =
        All.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);

    private static readonly FrozenDictionary<byte, Dhcp4OptionDefinition> ByCode =
        All.Where(d => d.Type != Dhcp4OptionValueType.ServerAddress).ToFrozenDictionary(d => d.Code);

    /// <summary>
    /// Looks up a dnsmasq option name (the part after <c>option:</c>). dnsmasq compares names case-insensitively
    /// (<c>FQDN</c>, <c>T1</c> are written in capitals), so this does too.
    /// </summary>
    public static bool TryGetByName(string name, out Dhcp4OptionDefinition definition)
    {
        if (ByName.TryGetValue(name, out definition!))
        {
            return true;
        }

        foreach (Dhcp4OptionDefinition d in All)
        {
            if (string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                definition = d;
                return true;
            }
        }

        return false;
    }

    /// <summary>Looks up an option code; false for codes the table does not know (their values are inferred).</summary>
    public static bool TryGetByCode(byte code, out Dhcp4OptionDefinition definition) => ByCode.TryGetValue(code, out definition!);
}
