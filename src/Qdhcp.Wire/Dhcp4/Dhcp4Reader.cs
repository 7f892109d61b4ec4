using System.Buffers.Binary;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Wire.Dhcp4;

/// <summary>
/// A read-only view of one DHCPv4 datagram (RFC 2131 §2). <see cref="TryRead"/> validates the fixed header,
/// the magic cookie and the framing of every option area once; after that, field accessors are plain
/// big-endian reads at fixed offsets and option lookups never read past the datagram.
/// </summary>
/// <remarks>
/// Options live in up to three areas: the options field, then <c>file</c> and then <c>sname</c> when option 52
/// (RFC 2131 §4.1, RFC 2132 §9.3) says they are overloaded. An option that appears more than once is one
/// option split per RFC 3396 §7: its instances are concatenated in the order the areas are read.
/// </remarks>
public readonly ref struct Dhcp4Reader
{
    private readonly ReadOnlySpan<byte> _datagram;
    private readonly int _optionsEnd;
    private readonly byte _overload;

    private Dhcp4Reader(ReadOnlySpan<byte> datagram, int optionsEnd, byte overload)
    {
        _datagram = datagram;
        _optionsEnd = optionsEnd;
        _overload = overload;
    }

    /// <summary>Validates <paramref name="datagram"/> as a DHCP message. Never throws, whatever the bytes.</summary>
    public static Dhcp4ParseStatus TryRead(ReadOnlySpan<byte> datagram, out Dhcp4Reader reader)
    {
        reader = default;
        if (datagram.Length < Dhcp4Header.MinimumLength)
        {
            return Dhcp4ParseStatus.Truncated;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(datagram[Dhcp4Header.MagicCookieOffset..]) != Dhcp4Header.MagicCookie)
        {
            return Dhcp4ParseStatus.BadMagicCookie;
        }

        ReadOnlySpan<byte> options = datagram[Dhcp4Header.OptionsOffset..];
        if (!TryValidateArea(options, out ReadOnlySpan<byte> overloadData, out int overloadInstances))
        {
            return Dhcp4ParseStatus.MalformedOptions;
        }

        byte overload = 0;
        if (overloadInstances != 0)
        {
            // RFC 2132 §9.3: length 1, value 1 (file), 2 (sname) or 3 (both). A zero-length instance is as bad as
            // a wrong value, and two instances concatenate (RFC 3396 §7) to length 2, so both are malformed.
            if (overloadInstances != 1 || overloadData.Length != 1 || overloadData[0] is 0 or > 3)
            {
                return Dhcp4ParseStatus.MalformedOptions;
            }

            overload = overloadData[0];
            if ((overload & 1) != 0 && !TryValidateArea(datagram.Slice(Dhcp4Header.FileOffset, Dhcp4Header.FileLength), out _, out _))
            {
                return Dhcp4ParseStatus.MalformedOptions;
            }

            if ((overload & 2) != 0 && !TryValidateArea(datagram.Slice(Dhcp4Header.SnameOffset, Dhcp4Header.SnameLength), out _, out _))
            {
                return Dhcp4ParseStatus.MalformedOptions;
            }
        }

        reader = new Dhcp4Reader(datagram, datagram.Length, overload);
        return Dhcp4ParseStatus.Ok;
    }

    /// <summary>The whole datagram as received.</summary>
    public ReadOnlySpan<byte> Datagram => _datagram;

    /// <summary><c>op</c>: 1 BOOTREQUEST, 2 BOOTREPLY.</summary>
    public BootpOperation Op => (BootpOperation)_datagram[Dhcp4Header.OpOffset];

    /// <summary><c>htype</c>: hardware address type, 1 for Ethernet.</summary>
    public byte Htype => _datagram[Dhcp4Header.HtypeOffset];

    /// <summary><c>hlen</c>: hardware address length, 6 for Ethernet.</summary>
    public byte Hlen => _datagram[Dhcp4Header.HlenOffset];

    /// <summary><c>hops</c>: incremented by each relay agent.</summary>
    public byte Hops => _datagram[Dhcp4Header.HopsOffset];

    /// <summary><c>xid</c>: transaction id chosen by the client.</summary>
    public uint Xid => BinaryPrimitives.ReadUInt32BigEndian(_datagram[Dhcp4Header.XidOffset..]);

    /// <summary><c>secs</c>: seconds since the client began acquiring or renewing.</summary>
    public ushort Secs => BinaryPrimitives.ReadUInt16BigEndian(_datagram[Dhcp4Header.SecsOffset..]);

    /// <summary><c>flags</c>: the broadcast bit and reserved bits.</summary>
    public ushort Flags => BinaryPrimitives.ReadUInt16BigEndian(_datagram[Dhcp4Header.FlagsOffset..]);

    public bool BroadcastRequested => (Flags & Dhcp4Header.BroadcastFlag) != 0;

    /// <summary><c>ciaddr</c>: client IP address, set only in BOUND, RENEWING or REBINDING.</summary>
    public IPv4Address Ciaddr => IPv4Address.Read(_datagram[Dhcp4Header.CiaddrOffset..]);

    /// <summary><c>yiaddr</c>: "your" (client) IP address, set by servers.</summary>
    public IPv4Address Yiaddr => IPv4Address.Read(_datagram[Dhcp4Header.YiaddrOffset..]);

    /// <summary><c>siaddr</c>: next server to use in bootstrap.</summary>
    public IPv4Address Siaddr => IPv4Address.Read(_datagram[Dhcp4Header.SiaddrOffset..]);

    /// <summary><c>giaddr</c>: relay agent IP address, zero when the client is on our link.</summary>
    public IPv4Address Giaddr => IPv4Address.Read(_datagram[Dhcp4Header.GiaddrOffset..]);

    /// <summary><c>chaddr</c>: the client hardware address field, all 16 bytes.</summary>
    public ReadOnlySpan<byte> Chaddr => _datagram.Slice(Dhcp4Header.ChaddrOffset, Dhcp4Header.ChaddrLength);

    /// <summary>True when <c>htype</c>/<c>hlen</c> describe a 6-byte Ethernet address.</summary>
    public bool HasEthernetAddress => Htype == Dhcp4Header.HardwareTypeEthernet && Hlen == MacAddress.Length;

    /// <summary>The first six bytes of <c>chaddr</c> as a MAC address.</summary>
    public MacAddress ClientMac => MacAddress.Read(_datagram[Dhcp4Header.ChaddrOffset..]);

    /// <summary><c>sname</c>: optional server host name (or options, when overloaded).</summary>
    public ReadOnlySpan<byte> Sname => _datagram.Slice(Dhcp4Header.SnameOffset, Dhcp4Header.SnameLength);

    /// <summary><c>file</c>: boot file name (or options, when overloaded).</summary>
    public ReadOnlySpan<byte> File => _datagram.Slice(Dhcp4Header.FileOffset, Dhcp4Header.FileLength);

    /// <summary>Option 52's value: 0 none, 1 file, 2 sname, 3 both.</summary>
    public byte Overload => _overload;

    /// <summary>Every option instance in wire order across the overloaded areas (RFC 2131 §4.1).</summary>
    public Dhcp4OptionEnumerator Options => new(_datagram, _optionsEnd, _overload);

    /// <summary>The message type (option 53), or <see cref="Dhcp4MessageType.None"/> for plain BOOTP.</summary>
    public Dhcp4MessageType MessageType =>
        TryGetOption(Dhcp4OptionCode.DhcpMessageType, out ReadOnlySpan<byte> data) && data.Length == 1
            ? (Dhcp4MessageType)data[0]
            : Dhcp4MessageType.None;

    /// <summary>
    /// Finds an option that appears once. When it is split across instances (RFC 3396), returns false and sets
    /// <paramref name="isSplit"/>: call <see cref="TryGetConcatenatedOption"/> with a scratch buffer.
    /// </summary>
    public bool TryGetOption(Dhcp4OptionCode code, out ReadOnlySpan<byte> data, out bool isSplit)
    {
        data = default;
        isSplit = false;
        bool found = false;
        foreach (Dhcp4Option option in Options)
        {
            if (option.Code != (byte)code)
            {
                continue;
            }

            if (found)
            {
                isSplit = true;
                data = default;
                return false;
            }

            found = true;
            data = option.Data;
        }

        return found;
    }

    /// <summary>Finds an option that is not split; a split option reads as absent (see the overload with a scratch buffer).</summary>
    public bool TryGetOption(Dhcp4OptionCode code, out ReadOnlySpan<byte> data) => TryGetOption(code, out data, out _);

    /// <summary>
    /// Finds an option and concatenates its instances (RFC 3396 §7) into <paramref name="scratch"/> when it is
    /// split, so callers never allocate. Returns false when absent or when the concatenation does not fit.
    /// </summary>
    public bool TryGetConcatenatedOption(Dhcp4OptionCode code, Span<byte> scratch, out ReadOnlySpan<byte> data)
    {
        if (TryGetOption(code, out data, out bool isSplit))
        {
            return true;
        }

        if (!isSplit)
        {
            return false;
        }

        int length = 0;
        foreach (Dhcp4Option option in Options)
        {
            if (option.Code != (byte)code)
            {
                continue;
            }

            if (option.Data.Length > scratch.Length - length)
            {
                data = default;
                return false;
            }

            option.Data.CopyTo(scratch[length..]);
            length += option.Data.Length;
        }

        data = scratch[..length];
        return true;
    }

    /// <summary>Option 57 as the largest DHCP message (without IP/UDP headers) the client accepts; 548 when absent or below the legal 576.</summary>
    public int MaximumReplyLength
    {
        get
        {
            if (TryGetOption(Dhcp4OptionCode.MaximumMessageSize, out ReadOnlySpan<byte> data) && data.Length == 2)
            {
                int size = BinaryPrimitives.ReadUInt16BigEndian(data);
                if (size >= 576)
                {
                    return size - Dhcp4Header.IpAndUdpHeaderLength;
                }
            }

            return Dhcp4Header.DefaultMaximumMessageLength;
        }
    }

    /// <summary>Walks one option area: every length must stay inside it. Returns the option 52 data and how many instances of it there are.</summary>
    private static bool TryValidateArea(ReadOnlySpan<byte> area, out ReadOnlySpan<byte> overload, out int overloadInstances)
    {
        overload = default;
        overloadInstances = 0;
        int i = 0;
        while (i < area.Length)
        {
            byte code = area[i];
            if (code == (byte)Dhcp4OptionCode.Pad)
            {
                i++;
                continue;
            }

            if (code == (byte)Dhcp4OptionCode.End)
            {
                return true;
            }

            if (i + 1 >= area.Length)
            {
                return false;
            }

            int length = area[i + 1];
            if (length > area.Length - i - 2)
            {
                return false;
            }

            if (code == (byte)Dhcp4OptionCode.OptionOverload)
            {
                overload = area.Slice(i + 2, length);
                overloadInstances++;
            }

            i += 2 + length;
        }

        // RFC 2131 requires End, but several clients and relays omit it when the area is full; accept that.
        return true;
    }
}

/// <summary>One option instance: its code and its data, a slice of the datagram.</summary>
public readonly ref struct Dhcp4Option(byte code, ReadOnlySpan<byte> data)
{
    public byte Code { get; } = code;

    public ReadOnlySpan<byte> Data { get; } = data;
}

/// <summary>
/// Enumerates option instances of a validated datagram: the options field, then <c>file</c> and <c>sname</c>
/// when overloaded (RFC 2131 §4.1). Pad is skipped; End closes an area.
/// </summary>
public ref struct Dhcp4OptionEnumerator
{
    private readonly ReadOnlySpan<byte> _datagram;
    private readonly byte _overload;
    private ReadOnlySpan<byte> _area;
    private int _areaIndex;
    private int _position;
    private Dhcp4Option _current;

    internal Dhcp4OptionEnumerator(ReadOnlySpan<byte> datagram, int optionsEnd, byte overload)
    {
        _datagram = datagram;
        _overload = overload;
        _area = datagram[Dhcp4Header.OptionsOffset..optionsEnd];
        _areaIndex = 0;
        _position = 0;
        _current = default;
    }

    public readonly Dhcp4Option Current => _current;

    public readonly Dhcp4OptionEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (true)
        {
            if (_position < _area.Length)
            {
                byte code = _area[_position];
                if (code == (byte)Dhcp4OptionCode.Pad)
                {
                    _position++;
                    continue;
                }

                // The area was validated by TryRead, but stay defensive: never read past it.
                if (code != (byte)Dhcp4OptionCode.End && _position + 1 < _area.Length)
                {
                    int length = _area[_position + 1];
                    if (length <= _area.Length - _position - 2)
                    {
                        _current = new Dhcp4Option(code, _area.Slice(_position + 2, length));
                        _position += 2 + length;
                        return true;
                    }
                }
            }

            if (!NextArea())
            {
                return false;
            }
        }
    }

    private bool NextArea()
    {
        // RFC 2131 §4.1: "the 'file' field MUST be interpreted next ... followed by the 'sname' field".
        while (_areaIndex < 2)
        {
            _areaIndex++;
            _position = 0;
            if (_areaIndex == 1 && (_overload & 1) != 0)
            {
                _area = _datagram.Slice(Dhcp4Header.FileOffset, Dhcp4Header.FileLength);
                return true;
            }

            if (_areaIndex == 2 && (_overload & 2) != 0)
            {
                _area = _datagram.Slice(Dhcp4Header.SnameOffset, Dhcp4Header.SnameLength);
                return true;
            }
        }

        _area = default;
        return false;
    }
}
