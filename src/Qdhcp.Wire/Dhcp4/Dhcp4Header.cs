namespace Qdhcp.Wire.Dhcp4;

/// <summary>
/// Offsets of the fixed BOOTP/DHCP header, RFC 2131 §2, Figure 1:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+---------------+---------------+---------------+
/// |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
/// +---------------+---------------+---------------+---------------+
/// |                            xid (4)                            |
/// +-------------------------------+-------------------------------+
/// |           secs (2)            |           flags (2)           |
/// +-------------------------------+-------------------------------+
/// |                          ciaddr  (4)                          |
/// |                          yiaddr  (4)                          |
/// |                          siaddr  (4)                          |
/// |                          giaddr  (4)                          |
/// |                          chaddr  (16)                         |
/// |                          sname   (64)                         |
/// |                          file    (128)                        |
/// |                          options (variable)                   |
/// +---------------------------------------------------------------+
/// </code>
/// </summary>
public static class Dhcp4Header
{
    public const int OpOffset = 0;
    public const int HtypeOffset = 1;
    public const int HlenOffset = 2;
    public const int HopsOffset = 3;
    public const int XidOffset = 4;
    public const int SecsOffset = 8;
    public const int FlagsOffset = 10;
    public const int CiaddrOffset = 12;
    public const int YiaddrOffset = 16;
    public const int SiaddrOffset = 20;
    public const int GiaddrOffset = 24;
    public const int ChaddrOffset = 28;
    public const int ChaddrLength = 16;
    public const int SnameOffset = 44;
    public const int SnameLength = 64;
    public const int FileOffset = 108;
    public const int FileLength = 128;
    public const int MagicCookieOffset = 236;
    public const int OptionsOffset = 240;

    /// <summary>Fixed header plus the magic cookie: the least a DHCP message can be.</summary>
    public const int MinimumLength = OptionsOffset;

    /// <summary>RFC 1542 §3.2.2 / RFC 951: BOOTP messages are at least 300 bytes; some relays and clients drop shorter ones.</summary>
    public const int MinimumBootpLength = 300;

    /// <summary>RFC 2131 §2: a client must accept an options field of 312 octets, so 548 bytes of DHCP message (576 with IP and UDP).</summary>
    public const int DefaultMaximumMessageLength = 548;

    /// <summary>IP (20) + UDP (8) headers, subtracted from option 57, which counts the whole IP datagram (RFC 2132 §9.10).</summary>
    public const int IpAndUdpHeaderLength = 28;

    /// <summary>The broadcast bit of <c>flags</c> (RFC 2131 §2, Figure 2).</summary>
    public const ushort BroadcastFlag = 0x8000;

    /// <summary>Hardware type 1 is 10 Mb Ethernet (RFC 1700), used for every Ethernet-like link.</summary>
    public const byte HardwareTypeEthernet = 1;

    /// <summary>The magic cookie 99.130.83.99 (RFC 2131 §3).</summary>
    public const uint MagicCookie = 0x63825363;

    public const ushort ServerPort = 67;
    public const ushort ClientPort = 68;
}
