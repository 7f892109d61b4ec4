namespace Qdhcp.Wire.Dhcp4;

/// <summary>
/// DHCPv4 option codes, named as in the IANA "BOOTP Vendor Extensions and DHCP Options" registry
/// (RFC 2132 unless noted). Any code 0-255 may be carried; these are the ones the server knows by name.
/// </summary>
public enum Dhcp4OptionCode : byte
{
    Pad = 0,
    SubnetMask = 1,
    TimeOffset = 2,
    Router = 3,
    DomainNameServer = 6,
    HostName = 12,
    BootFileSize = 13,
    DomainName = 15,
    RootPath = 17,
    InterfaceMtu = 26,
    BroadcastAddress = 28,
    StaticRoute = 33,
    NtpServers = 42,
    VendorSpecific = 43,
    NetBiosNameServer = 44,
    NetBiosNodeType = 46,
    NetBiosScope = 47,
    RequestedIPAddress = 50,
    IPAddressLeaseTime = 51,
    OptionOverload = 52,
    DhcpMessageType = 53,
    ServerIdentifier = 54,
    ParameterRequestList = 55,
    Message = 56,
    MaximumMessageSize = 57,
    RenewalTime = 58,
    RebindingTime = 59,
    VendorClassIdentifier = 60,
    ClientIdentifier = 61,
    TftpServerName = 66,
    BootfileName = 67,
    UserClass = 77,
    ClientFqdn = 81,

    /// <summary>Relay Agent Information, RFC 3046.</summary>
    RelayAgentInformation = 82,

    /// <summary>Domain Search, RFC 3397.</summary>
    DomainSearch = 119,

    /// <summary>Classless Static Route, RFC 3442.</summary>
    ClasslessStaticRoute = 121,

    /// <summary>Microsoft's pre-standard copy of option 121 (RFC 3442 §5 notes Windows clients ask for it).</summary>
    MicrosoftClasslessStaticRoute = 249,

    End = 255,
}

/// <summary>DHCP message types carried in option 53 (RFC 2132 §9.6).</summary>
public enum Dhcp4MessageType : byte
{
    None = 0,
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
}

/// <summary>The BOOTP <c>op</c> field (RFC 2131 §2).</summary>
public enum BootpOperation : byte
{
    BootRequest = 1,
    BootReply = 2,
}

/// <summary>Why a datagram was not accepted as a DHCPv4 message. Malformed input is an outcome, never an exception.</summary>
public enum Dhcp4ParseStatus
{
    Ok = 0,

    /// <summary>Shorter than the 236-byte fixed header plus the 4-byte magic cookie.</summary>
    Truncated,

    /// <summary>The magic cookie 99.130.83.99 (RFC 2131 §3) is missing: a plain BOOTP or foreign packet.</summary>
    BadMagicCookie,

    /// <summary>An option's length runs past the end of its area, or option 52 has a bad value or length or appears twice.</summary>
    MalformedOptions,
}
