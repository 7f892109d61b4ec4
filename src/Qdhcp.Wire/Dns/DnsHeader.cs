namespace Qdhcp.Wire.Dns;

/// <summary>
/// The fixed 12-byte DNS header (RFC 1035 §4.1.1), its offsets and flag bits.
/// <code>
///                                 1  1  1  1  1  1
///   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                      ID                       |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                    QDCOUNT                    |
/// |                    ANCOUNT                    |
/// |                    NSCOUNT                    |
/// |                    ARCOUNT                    |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// </code>
/// </summary>
public static class DnsHeader
{
    public const int Length = 12;
    public const int IdOffset = 0;
    public const int FlagsOffset = 2;
    public const int QdCountOffset = 4;
    public const int AnCountOffset = 6;
    public const int NsCountOffset = 8;
    public const int ArCountOffset = 10;

    /// <summary>QR: set in responses.</summary>
    public const ushort ResponseFlag = 0x8000;

    /// <summary>AA: the answer comes from an authority for the name.</summary>
    public const ushort AuthoritativeFlag = 0x0400;

    /// <summary>TC: the message was cut to fit; retry over TCP (RFC 7766).</summary>
    public const ushort TruncatedFlag = 0x0200;

    /// <summary>RD: the client asks for recursion.</summary>
    public const ushort RecursionDesiredFlag = 0x0100;

    /// <summary>RA: the server offers recursion.</summary>
    public const ushort RecursionAvailableFlag = 0x0080;

    /// <summary>CD: checking disabled (RFC 4035 §3.2.2).</summary>
    public const ushort CheckingDisabledFlag = 0x0010;

    public const int OpcodeShift = 11;
    public const ushort OpcodeMask = 0x7800;
    public const ushort ResponseCodeMask = 0x000F;

    /// <summary>The classic UDP limit without EDNS (RFC 1035 §4.2.1).</summary>
    public const int ClassicUdpLimit = 512;

    /// <summary>The longest message over TCP: the 2-byte length prefix (RFC 1035 §4.2.2).</summary>
    public const int MaximumTcpLength = 65535;

    /// <summary>The longest name in wire form, length bytes and root included (RFC 1035 §3.1).</summary>
    public const int MaximumNameLength = 255;

    /// <summary>The longest label (RFC 1035 §3.1).</summary>
    public const int MaximumLabelLength = 63;

    /// <summary>The opcode of a flags word.</summary>
    public static DnsOpcode OpcodeOf(ushort flags) => (DnsOpcode)((flags & OpcodeMask) >> OpcodeShift);
}

/// <summary>Opcodes (RFC 1035 §4.1.1, IANA DNS OpCodes).</summary>
public enum DnsOpcode : byte
{
    Query = 0,
    InverseQuery = 1,
    Status = 2,
    Notify = 4,
    Update = 5,
}

/// <summary>Response codes, the 12-bit EDNS form (RFC 1035 §4.1.1, RFC 6891 §6.1.3).</summary>
public enum DnsResponseCode : ushort
{
    NoError = 0,
    FormatError = 1,
    ServerFailure = 2,
    NameError = 3,
    NotImplemented = 4,
    Refused = 5,

    /// <summary>BADVERS (RFC 6891 §6.1.3): needs an OPT record to carry its upper 8 bits.</summary>
    BadVersion = 16,
}

/// <summary>Resource record types used here (IANA DNS RR TYPEs).</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
    IXFR = 251,
    AXFR = 252,
    MAILB = 253,
    MAILA = 254,
    ANY = 255,
}

/// <summary>Classes (RFC 1035 §3.2.4).</summary>
public enum DnsClass : ushort
{
    IN = 1,
    CH = 3,
    HS = 4,
    NONE = 254,
    ANY = 255,
}

/// <summary>The sections of a message, in wire order.</summary>
public enum DnsSection : byte
{
    Question = 0,
    Answer = 1,
    Authority = 2,
    Additional = 3,
}

/// <summary>Why a message could not be read. Parse outcomes, never exceptions.</summary>
public enum DnsParseStatus
{
    Ok,

    /// <summary>Shorter than the 12-byte header: not even an ID to answer to.</summary>
    TooShort,

    /// <summary>A question or record runs past the end of the message (the counts promise more than is there).</summary>
    Truncated,

    /// <summary>A name is malformed: a reserved label type, a pointer that does not point backwards, or longer than 255 bytes.</summary>
    BadName,

    /// <summary>EDNS is malformed (RFC 6891 §6.1.1): more than one OPT, an OPT outside the additional section, or an OPT owner that is not the root.</summary>
    BadEdns,
}
