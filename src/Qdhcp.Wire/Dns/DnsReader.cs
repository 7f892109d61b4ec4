using System.Buffers.Binary;

namespace Qdhcp.Wire.Dns;

/// <summary>
/// A read-only view of one DNS message (RFC 1035 §4.1). <see cref="TryRead"/> checks the header and walks every
/// question and record once (names decodable, RDATA inside the message, at most one OPT, RFC 6891 §6.1.1); after that,
/// header fields are plain reads and enumerators never read past the message. Bytes after the last record are ignored.
/// </summary>
public readonly ref struct DnsReader
{
    private readonly ReadOnlySpan<byte> _message;
    private readonly int _recordsOffset;
    private readonly int _optOffset;

    private DnsReader(ReadOnlySpan<byte> message, int recordsOffset, int optOffset)
    {
        _message = message;
        _recordsOffset = recordsOffset;
        _optOffset = optOffset;
    }

    /// <summary>Validates <paramref name="message"/>. Never throws, whatever the bytes.</summary>
    public static DnsParseStatus TryRead(ReadOnlySpan<byte> message, out DnsReader reader)
    {
        reader = default;
        if (message.Length < DnsHeader.Length)
        {
            return DnsParseStatus.TooShort;
        }

        int position = DnsHeader.Length;
        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[DnsHeader.QdCountOffset..]);
        for (int q = 0; q < questions; q++)
        {
            if (!DnsName.TrySkip(message, position, out int consumed))
            {
                return position >= message.Length ? DnsParseStatus.Truncated : NameStatus(message, position);
            }

            position += consumed + 4;
            if (position > message.Length)
            {
                return DnsParseStatus.Truncated;
            }
        }

        int recordsOffset = position;
        int optOffset = -1;
        for (int section = 1; section <= 3; section++)
        {
            int count = BinaryPrimitives.ReadUInt16BigEndian(message[(DnsHeader.QdCountOffset + (2 * section))..]);
            for (int r = 0; r < count; r++)
            {
                int start = position;
                if (!DnsName.TrySkip(message, position, out int consumed))
                {
                    return position >= message.Length ? DnsParseStatus.Truncated : NameStatus(message, position);
                }

                position += consumed;
                if (position + 10 > message.Length)
                {
                    return DnsParseStatus.Truncated;
                }

                ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
                int dataLength = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
                position += 10 + dataLength;
                if (position > message.Length)
                {
                    return DnsParseStatus.Truncated;
                }

                if (type == (ushort)DnsRecordType.OPT)
                {
                    // RFC 6891 §6.1.1: one OPT at most, in the additional section, owned by the root.
                    if (section != (int)DnsSection.Additional || optOffset >= 0 || message[start] != 0)
                    {
                        return DnsParseStatus.BadEdns;
                    }

                    optOffset = start + 1;
                }
            }
        }

        reader = new DnsReader(message, recordsOffset, optOffset);
        return DnsParseStatus.Ok;
    }

    // A name that fails to decode inside the message: truncated if it ran off the end, otherwise malformed.
    private static DnsParseStatus NameStatus(ReadOnlySpan<byte> message, int position)
    {
        int i = position;
        while ((uint)i < (uint)message.Length)
        {
            byte length = message[i];
            if (length == 0 || (length & 0xC0) != 0)
            {
                return DnsParseStatus.BadName;
            }

            i += 1 + length;
        }

        return DnsParseStatus.Truncated;
    }

    /// <summary>The whole message as received.</summary>
    public ReadOnlySpan<byte> Message => _message;

    /// <summary>ID: copied into the response so the client can match it.</summary>
    public ushort Id => BinaryPrimitives.ReadUInt16BigEndian(_message);

    /// <summary>The second header word: QR, Opcode, AA, TC, RD, RA, Z, AD, CD, RCODE.</summary>
    public ushort Flags => BinaryPrimitives.ReadUInt16BigEndian(_message[DnsHeader.FlagsOffset..]);

    public bool IsResponse => (Flags & DnsHeader.ResponseFlag) != 0;

    public DnsOpcode Opcode => DnsHeader.OpcodeOf(Flags);

    public bool RecursionDesired => (Flags & DnsHeader.RecursionDesiredFlag) != 0;

    public bool IsTruncated => (Flags & DnsHeader.TruncatedFlag) != 0;

    /// <summary>The 12-bit response code: the header's 4 bits plus the OPT record's upper 8 (RFC 6891 §6.1.3).</summary>
    public DnsResponseCode ResponseCode => (DnsResponseCode)((Flags & DnsHeader.ResponseCodeMask) | (HasEdns ? _message[_optOffset + 4] << 4 : 0));

    public int QuestionCount => BinaryPrimitives.ReadUInt16BigEndian(_message[DnsHeader.QdCountOffset..]);

    public int AnswerCount => BinaryPrimitives.ReadUInt16BigEndian(_message[DnsHeader.AnCountOffset..]);

    public int AuthorityCount => BinaryPrimitives.ReadUInt16BigEndian(_message[DnsHeader.NsCountOffset..]);

    public int AdditionalCount => BinaryPrimitives.ReadUInt16BigEndian(_message[DnsHeader.ArCountOffset..]);

    /// <summary>Where the answer section starts (the end of the question section).</summary>
    public int RecordsOffset => _recordsOffset;

    /// <summary>The questions, in order.</summary>
    public DnsQuestionEnumerator Questions => new(_message, QuestionCount);

    /// <summary>Every record of the answer, authority and additional sections, in order (OPT included).</summary>
    public DnsRecordEnumerator Records => new(_message, _recordsOffset);

    /// <summary>True when the message carries an OPT record (EDNS, RFC 6891).</summary>
    public bool HasEdns => _optOffset >= 0;

    // OPT, after its root owner: TYPE(2) CLASS=UDP payload size(2) TTL=ext-RCODE(1) VERSION(1) DO|Z(2) RDLEN(2) RDATA.

    /// <summary>The requestor's UDP payload size (OPT CLASS); values below 512 mean 512 (RFC 6891 §6.2.5).</summary>
    public int EdnsUdpPayloadSize => HasEdns ? Math.Max(DnsHeader.ClassicUdpLimit, (int)BinaryPrimitives.ReadUInt16BigEndian(_message[(_optOffset + 2)..])) : DnsHeader.ClassicUdpLimit;

    /// <summary>The EDNS version; only 0 exists.</summary>
    public byte EdnsVersion => HasEdns ? _message[_optOffset + 5] : (byte)0;

    /// <summary>The DO bit (RFC 3225): copied into the response.</summary>
    public bool EdnsDnssecOk => HasEdns && (_message[_optOffset + 6] & 0x80) != 0;

    /// <summary>The OPT record's RDATA: EDNS options as (code, length, data) triples.</summary>
    public ReadOnlySpan<byte> EdnsOptions => HasEdns ? _message.Slice(_optOffset + 10, BinaryPrimitives.ReadUInt16BigEndian(_message[(_optOffset + 8)..])) : default;

    /// <summary>The first question, decoded; false when there is none.</summary>
    public bool TryGetFirstQuestion(Span<byte> nameDestination, bool lowerCase, out int nameLength, out DnsRecordType type, out DnsClass @class)
    {
        nameLength = 0;
        type = 0;
        @class = 0;
        if (QuestionCount == 0 || !DnsName.TryDecode(_message, DnsHeader.Length, nameDestination, lowerCase, out nameLength, out int consumed))
        {
            return false;
        }

        int fixedOffset = DnsHeader.Length + consumed;
        type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(_message[fixedOffset..]);
        @class = (DnsClass)BinaryPrimitives.ReadUInt16BigEndian(_message[(fixedOffset + 2)..]);
        return true;
    }
}

/// <summary>One question: its name's offset in the message, type and class.</summary>
public readonly record struct DnsQuestion(int NameOffset, DnsRecordType Type, DnsClass Class);

/// <summary>One resource record as it sits in the message; <see cref="DataOffset"/> locates names inside RDATA.</summary>
public readonly ref struct DnsRecord
{
    public DnsRecord(DnsSection section, int nameOffset, DnsRecordType type, ushort @class, uint ttl, int dataOffset, ReadOnlySpan<byte> data)
    {
        Section = section;
        NameOffset = nameOffset;
        Type = type;
        Class = @class;
        Ttl = ttl;
        DataOffset = dataOffset;
        Data = data;
    }

    public DnsSection Section { get; }

    public int NameOffset { get; }

    public DnsRecordType Type { get; }

    /// <summary>The CLASS field: a class, or the UDP payload size in an OPT record.</summary>
    public ushort Class { get; }

    /// <summary>The TTL field: seconds, or extended RCODE/version/flags in an OPT record.</summary>
    public uint Ttl { get; }

    public int DataOffset { get; }

    public ReadOnlySpan<byte> Data { get; }
}

/// <summary>Enumerates questions of a message validated by <see cref="DnsReader.TryRead"/>.</summary>
public ref struct DnsQuestionEnumerator
{
    private readonly ReadOnlySpan<byte> _message;
    private readonly int _count;
    private int _index;
    private int _position;

    internal DnsQuestionEnumerator(ReadOnlySpan<byte> message, int count)
    {
        _message = message;
        _count = count;
        _index = 0;
        _position = DnsHeader.Length;
        Current = default;
    }

    public DnsQuestion Current { get; private set; }

    public readonly DnsQuestionEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_index >= _count || !DnsName.TrySkip(_message, _position, out int consumed) || _position + consumed + 4 > _message.Length)
        {
            return false;
        }

        int fixedOffset = _position + consumed;
        Current = new DnsQuestion(
            _position,
            (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(_message[fixedOffset..]),
            (DnsClass)BinaryPrimitives.ReadUInt16BigEndian(_message[(fixedOffset + 2)..]));
        _position = fixedOffset + 4;
        _index++;
        return true;
    }
}

/// <summary>Enumerates the records of a message validated by <see cref="DnsReader.TryRead"/>.</summary>
public ref struct DnsRecordEnumerator
{
    private readonly ReadOnlySpan<byte> _message;
    private int _position;
    private int _section;
    private int _remainingInSection;

    internal DnsRecordEnumerator(ReadOnlySpan<byte> message, int recordsOffset)
    {
        _message = message;
        _position = recordsOffset;
        _section = (int)DnsSection.Answer;
        _remainingInSection = message.Length >= DnsHeader.Length ? BinaryPrimitives.ReadUInt16BigEndian(message[DnsHeader.AnCountOffset..]) : 0;
        Current = default;
    }

    public DnsRecord Current { get; private set; }

    public readonly DnsRecordEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_remainingInSection == 0)
        {
            if (_section >= (int)DnsSection.Additional)
            {
                return false;
            }

            _section++;
            _remainingInSection = BinaryPrimitives.ReadUInt16BigEndian(_message[(DnsHeader.QdCountOffset + (2 * _section))..]);
        }

        if (!DnsName.TrySkip(_message, _position, out int consumed) || _position + consumed + 10 > _message.Length)
        {
            return false;
        }

        int fixedOffset = _position + consumed;
        int dataLength = BinaryPrimitives.ReadUInt16BigEndian(_message[(fixedOffset + 8)..]);
        int dataOffset = fixedOffset + 10;
        if (dataOffset + dataLength > _message.Length)
        {
            return false;
        }

        Current = new DnsRecord(
            (DnsSection)_section,
            _position,
            (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(_message[fixedOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(_message[(fixedOffset + 2)..]),
            BinaryPrimitives.ReadUInt32BigEndian(_message[(fixedOffset + 4)..]),
            dataOffset,
            _message.Slice(dataOffset, dataLength));
        _position = dataOffset + dataLength;
        _remainingInSection--;
        return true;
    }
}
