using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Qdhcp.Wire.Dns;

/// <summary>
/// Writes one DNS message into a caller-owned buffer, never past <c>maximumLength</c> (512 for classic UDP, the
/// client's EDNS payload size, or 65535 over TCP). Sections go in wire order: questions, answers, authority,
/// additional; each write bumps its section's count in the header. Names are compressed (RFC 1035 §4.1.4): every
/// label written uncompressed is remembered (up to <see cref="CompressionTargets"/>) and later names end in a
/// pointer to the longest suffix already in the message. A write that does not fit returns false and leaves the
/// message as it was, so the caller can set TC (RFC 2181 §9) or roll back to a <see cref="Mark"/>.
/// </summary>
public ref struct DnsWriter
{
    /// <summary>How many label offsets are remembered for compression; enough for every response built here.</summary>
    public const int CompressionTargets = 32;

    private readonly Span<byte> _buffer;
    private readonly int _limit;
    private int _position;
    private int _section;
    private int _targetCount;
    private CompressionTable _targets;

    /// <param name="destination">Where the message goes; at least the 12-byte header.</param>
    /// <param name="maximumLength">The largest message the receiver accepts.</param>
    public DnsWriter(Span<byte> destination, int maximumLength)
    {
        if (destination.Length < DnsHeader.Length)
        {
            ThrowBufferTooSmall();
        }

        _buffer = destination;
        _limit = Math.Clamp(maximumLength, DnsHeader.Length, Math.Min(destination.Length, DnsHeader.MaximumTcpLength));
        _position = 0;
        _section = 0;
        _targetCount = 0;
    }

    public readonly int BytesWritten => _position;

    /// <summary>The largest message this writer produces.</summary>
    public readonly int Limit => _limit;

    /// <summary>The message so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    /// <summary>Writes the header with all counts zero; call first.</summary>
    public void WriteHeader(ushort id, ushort flags)
    {
        Span<byte> header = _buffer[..DnsHeader.Length];
        header.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header[DnsHeader.FlagsOffset..], flags);
        _position = DnsHeader.Length;
        _section = 0;
        _targetCount = 0;
    }

    /// <summary>The flags word as written so far.</summary>
    public ushort Flags
    {
        readonly get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[DnsHeader.FlagsOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[DnsHeader.FlagsOffset..], value);
    }

    /// <summary>Sets the header's 4-bit RCODE (the upper bits of an extended code go in the OPT record).</summary>
    public void SetResponseCode(DnsResponseCode code) => Flags = (ushort)((Flags & ~DnsHeader.ResponseCodeMask) | ((ushort)code & DnsHeader.ResponseCodeMask));

    public readonly int Count(DnsSection section) => BinaryPrimitives.ReadUInt16BigEndian(_buffer[(DnsHeader.QdCountOffset + (2 * (int)section))..]);

    /// <summary>A point to come back to: position, counts and the compression table's size.</summary>
    public readonly DnsWriterMark Mark() => new(_position, _section, _targetCount, Count(DnsSection.Question), Count(DnsSection.Answer), Count(DnsSection.Authority), Count(DnsSection.Additional));

    /// <summary>Forgets everything written after <paramref name="mark"/>.</summary>
    public void Reset(in DnsWriterMark mark)
    {
        _position = mark.Position;
        _section = mark.Section;
        _targetCount = mark.TargetCount;
        SetCount(DnsSection.Question, mark.Questions);
        SetCount(DnsSection.Answer, mark.Answers);
        SetCount(DnsSection.Authority, mark.Authorities);
        SetCount(DnsSection.Additional, mark.Additionals);
    }

    /// <summary>A question: <paramref name="name"/> in uncompressed wire form, written as given (its case kept).</summary>
    public bool TryWriteQuestion(scoped ReadOnlySpan<byte> name, DnsRecordType type, DnsClass @class)
    {
        DnsWriterMark mark = Mark();
        if (!EnterSection(DnsSection.Question) || !TryWriteName(name) || !TryReserve(4, out Span<byte> fixedPart))
        {
            Reset(mark);
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[2..], (ushort)@class);
        Increment(DnsSection.Question);
        return true;
    }

    /// <summary>A record whose RDATA has no names (A, AAAA, TXT...).</summary>
    public bool TryWriteRecord(DnsSection section, scoped ReadOnlySpan<byte> name, DnsRecordType type, ushort @class, uint ttl, scoped ReadOnlySpan<byte> data)
    {
        if (!TryBeginRecord(section, name, type, @class, ttl, out DnsWriterMark mark))
        {
            return false;
        }

        if (!TryWriteData(data))
        {
            Reset(mark);
            return false;
        }

        EndRecord(mark);
        return true;
    }

    /// <summary>A record whose RDATA is one name (PTR, CNAME, NS), compressed (RFC 3597 §4 allows it for these types).</summary>
    public bool TryWriteNameRecord(DnsSection section, scoped ReadOnlySpan<byte> name, DnsRecordType type, uint ttl, scoped ReadOnlySpan<byte> target)
    {
        if (!TryBeginRecord(section, name, type, (ushort)DnsClass.IN, ttl, out DnsWriterMark mark))
        {
            return false;
        }

        if (!TryWriteName(target))
        {
            Reset(mark);
            return false;
        }

        EndRecord(mark);
        return true;
    }

    /// <summary>An SOA record (RFC 1035 §3.3.13); both names compressed.</summary>
    public bool TryWriteSoaRecord(DnsSection section, scoped ReadOnlySpan<byte> owner, uint ttl, scoped ReadOnlySpan<byte> primaryServer, scoped ReadOnlySpan<byte> mailbox, uint serial, uint refresh, uint retry, uint expire, uint minimum)
    {
        if (!TryBeginRecord(section, owner, DnsRecordType.SOA, (ushort)DnsClass.IN, ttl, out DnsWriterMark mark))
        {
            return false;
        }

        if (!TryWriteName(primaryServer) || !TryWriteName(mailbox) || !TryReserve(20, out Span<byte> numbers))
        {
            Reset(mark);
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(numbers, serial);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[4..], refresh);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[8..], retry);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[12..], expire);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[16..], minimum);
        EndRecord(mark);
        return true;
    }

    /// <summary>
    /// The OPT pseudo-record (RFC 6891 §6.1.2) in the additional section: root owner, our UDP payload size, the upper
    /// 8 bits of the response code, version 0 and the DO bit, no options.
    /// </summary>
    public bool TryWriteOpt(ushort udpPayloadSize, DnsResponseCode responseCode, bool dnssecOk)
    {
        uint ttl = ((uint)((ushort)responseCode >> 4) << 24) | (dnssecOk ? 0x8000u : 0u);
        DnsWriterMark mark = Mark();
        if (!EnterSection(DnsSection.Additional) || !TryReserve(11, out Span<byte> record))
        {
            Reset(mark);
            return false;
        }

        record[0] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(record[1..], (ushort)DnsRecordType.OPT);
        BinaryPrimitives.WriteUInt16BigEndian(record[3..], udpPayloadSize);
        BinaryPrimitives.WriteUInt32BigEndian(record[5..], ttl);
        BinaryPrimitives.WriteUInt16BigEndian(record[9..], 0);
        Increment(DnsSection.Additional);
        return true;
    }

    /// <summary>Starts a record: owner (compressed), type, class, TTL and a placeholder RDLENGTH; finish with <see cref="EndRecord"/>.</summary>
    public bool TryBeginRecord(DnsSection section, scoped ReadOnlySpan<byte> name, DnsRecordType type, ushort @class, uint ttl, out DnsWriterMark mark)
    {
        mark = Mark();
        if (section == DnsSection.Question || !EnterSection(section) || !TryWriteName(name) || !TryReserve(10, out Span<byte> fixedPart))
        {
            Reset(mark);
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[2..], @class);
        BinaryPrimitives.WriteUInt32BigEndian(fixedPart[4..], ttl);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[8..], 0);
        return true;
    }

    /// <summary>Raw RDATA bytes of the record being written.</summary>
    public bool TryWriteData(scoped ReadOnlySpan<byte> data)
    {
        if (!TryReserve(data.Length, out Span<byte> destination))
        {
            return false;
        }

        data.CopyTo(destination);
        return true;
    }

    /// <summary>Patches RDLENGTH of the record started at <paramref name="mark"/> and counts it.</summary>
    public void EndRecord(in DnsWriterMark mark)
    {
        int rdLengthOffset = _position;
        // The record's RDATA starts right after the 10 fixed bytes that follow its owner name; find them from the start.
        int nameEnd = SkipWrittenName(mark.Position);
        rdLengthOffset = nameEnd + 8;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[rdLengthOffset..], (ushort)(_position - (nameEnd + 10)));
        Increment((DnsSection)_section);
    }

    /// <summary>
    /// Writes <paramref name="name"/> (uncompressed wire form), ending in a pointer to the longest suffix already in the
    /// message, and remembers the offsets of the labels written out for later names.
    /// </summary>
    public bool TryWriteName(scoped ReadOnlySpan<byte> name)
    {
        int labelStart = 0;
        int pointer = -1;
        while ((uint)labelStart < (uint)name.Length && name[labelStart] != 0)
        {
            ReadOnlySpan<byte> suffix = name[labelStart..];
            for (int t = 0; t < _targetCount; t++)
            {
                if (DnsName.EqualsAt(_buffer[.._position], _targets[t], suffix))
                {
                    pointer = _targets[t];
                    break;
                }
            }

            if (pointer >= 0)
            {
                break;
            }

            labelStart += 1 + name[labelStart];
        }

        if ((uint)labelStart >= (uint)name.Length)
        {
            return false; // not terminated by the root label
        }

        int literal = labelStart + (pointer >= 0 ? 0 : 1);
        int total = literal + (pointer >= 0 ? 2 : 0);
        if (_position + total > _limit)
        {
            return false;
        }

        int start = _position;
        name[..literal].CopyTo(_buffer[start..]);
        for (int i = 0; i < labelStart; i += 1 + name[i])
        {
            Remember(start + i);
        }

        _position += literal;
        if (pointer >= 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], (ushort)(0xC000 | pointer));
            _position += 2;
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Remember(int offset)
    {
        // Pointers carry 14 bits of offset.
        if (_targetCount < CompressionTargets && offset < 0x4000)
        {
            _targets[_targetCount++] = (ushort)offset;
        }
    }

    private readonly int SkipWrittenName(int offset)
    {
        int i = offset;
        while (true)
        {
            byte length = _buffer[i];
            if (length == 0)
            {
                return i + 1;
            }

            if ((length & 0xC0) == 0xC0)
            {
                return i + 2;
            }

            i += 1 + length;
        }
    }

    private bool EnterSection(DnsSection section)
    {
        if ((int)section < _section)
        {
            ThrowSectionOrder();
        }

        _section = (int)section;
        return _position >= DnsHeader.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryReserve(int length, out Span<byte> destination)
    {
        if (_position + length > _limit)
        {
            destination = default;
            return false;
        }

        destination = _buffer.Slice(_position, length);
        _position += length;
        return true;
    }

    private readonly void Increment(DnsSection section) => SetCount(section, Count(section) + 1);

    private readonly void SetCount(DnsSection section, int count) =>
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(DnsHeader.QdCountOffset + (2 * (int)section))..], (ushort)count);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBufferTooSmall() => throw new ArgumentException("A DNS message needs at least 12 bytes.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowSectionOrder() => throw new InvalidOperationException("DNS sections must be written in order: question, answer, authority, additional.");

    [InlineArray(CompressionTargets)]
    private struct CompressionTable
    {
        private ushort _element;
    }
}

/// <summary>A saved state of a <see cref="DnsWriter"/> (see <see cref="DnsWriter.Mark"/>).</summary>
public readonly record struct DnsWriterMark(int Position, int Section, int TargetCount, int Questions, int Answers, int Authorities, int Additionals);
