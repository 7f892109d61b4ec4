using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Wire.Dhcp4;

/// <summary>
/// Writes one DHCPv4 message into a caller-owned buffer: the fixed header (RFC 2131 §2), the magic cookie, then
/// options, then End and padding to the 300-byte BOOTP minimum. Options longer than 255 bytes are split into
/// consecutive instances (RFC 3396 §6). The writer never grows past <c>maximumLength</c>, which callers set from
/// the client's option 57 so the reply fits what the client accepts.
/// </summary>
public ref struct Dhcp4Writer
{
    private readonly Span<byte> _buffer;
    private readonly int _limit;
    private int _position;

    /// <param name="destination">Where the message goes; at least <see cref="Dhcp4Header.MinimumBootpLength"/> bytes.</param>
    /// <param name="maximumLength">The largest message the receiver accepts (End included).</param>
    public Dhcp4Writer(Span<byte> destination, int maximumLength)
    {
        if (destination.Length < Dhcp4Header.MinimumBootpLength)
        {
            ThrowBufferTooSmall();
        }

        _buffer = destination;
        _limit = Math.Clamp(maximumLength, Dhcp4Header.MinimumBootpLength, destination.Length);
        _position = 0;
    }

    public readonly int BytesWritten => _position;

    /// <summary>Bytes still free for options, keeping one for End.</summary>
    public readonly int RemainingForOptions => _limit - _position - 1;

    /// <summary>
    /// Writes the 236-byte header and the magic cookie. <c>sname</c> and <c>file</c> are zeroed; chaddr is
    /// copied whole from the request so non-Ethernet clients get theirs back.
    /// </summary>
    public void WriteHeader(
        BootpOperation op,
        byte htype,
        byte hlen,
        byte hops,
        uint xid,
        ushort secs,
        ushort flags,
        IPv4Address ciaddr,
        IPv4Address yiaddr,
        IPv4Address siaddr,
        IPv4Address giaddr,
        scoped ReadOnlySpan<byte> chaddr)
    {
        Span<byte> header = _buffer[..Dhcp4Header.OptionsOffset];
        header.Clear();
        header[Dhcp4Header.OpOffset] = (byte)op;
        header[Dhcp4Header.HtypeOffset] = htype;
        header[Dhcp4Header.HlenOffset] = hlen;
        header[Dhcp4Header.HopsOffset] = hops;
        BinaryPrimitives.WriteUInt32BigEndian(header[Dhcp4Header.XidOffset..], xid);
        BinaryPrimitives.WriteUInt16BigEndian(header[Dhcp4Header.SecsOffset..], secs);
        BinaryPrimitives.WriteUInt16BigEndian(header[Dhcp4Header.FlagsOffset..], flags);
        ciaddr.Write(header[Dhcp4Header.CiaddrOffset..]);
        yiaddr.Write(header[Dhcp4Header.YiaddrOffset..]);
        siaddr.Write(header[Dhcp4Header.SiaddrOffset..]);
        giaddr.Write(header[Dhcp4Header.GiaddrOffset..]);
        chaddr[..Math.Min(chaddr.Length, Dhcp4Header.ChaddrLength)].CopyTo(header[Dhcp4Header.ChaddrOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(header[Dhcp4Header.MagicCookieOffset..], Dhcp4Header.MagicCookie);
        _position = Dhcp4Header.OptionsOffset;
    }

    /// <summary>Writes an option, split into 255-byte instances when longer (RFC 3396). False, and nothing written, when it does not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWriteOption(byte code, scoped ReadOnlySpan<byte> data)
    {
        if (data.Length <= byte.MaxValue)
        {
            if (data.Length + 2 > RemainingForOptions)
            {
                return false;
            }

            _buffer[_position] = code;
            _buffer[_position + 1] = (byte)data.Length;
            data.CopyTo(_buffer[(_position + 2)..]);
            _position += 2 + data.Length;
            return true;
        }

        return TryWriteSplitOption(code, data);
    }

    public bool TryWriteOption(Dhcp4OptionCode code, scoped ReadOnlySpan<byte> data) => TryWriteOption((byte)code, data);

    public bool TryWriteByte(Dhcp4OptionCode code, byte value) => TryWriteOption((byte)code, [value]);

    public bool TryWriteUInt32(Dhcp4OptionCode code, uint value)
    {
        Span<byte> data = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(data, value);
        return TryWriteOption((byte)code, data);
    }

    public bool TryWriteAddress(Dhcp4OptionCode code, IPv4Address address) => TryWriteUInt32(code, address.Value);

    /// <summary>Copies pre-encoded options (code, length, data triples) as one block. False, and nothing written, when it does not fit.</summary>
    public bool TryWriteEncodedOptions(scoped ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length > RemainingForOptions)
        {
            return false;
        }

        encoded.CopyTo(_buffer[_position..]);
        _position += encoded.Length;
        return true;
    }

    /// <summary>Writes End and pads with zeros to the 300-byte BOOTP minimum. Returns the message length.</summary>
    public int WriteEnd()
    {
        _buffer[_position++] = (byte)Dhcp4OptionCode.End;
        if (_position < Dhcp4Header.MinimumBootpLength)
        {
            _buffer[_position..Dhcp4Header.MinimumBootpLength].Clear();
            _position = Dhcp4Header.MinimumBootpLength;
        }

        return _position;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryWriteSplitOption(byte code, scoped ReadOnlySpan<byte> data)
    {
        int instances = (data.Length + byte.MaxValue - 1) / byte.MaxValue;
        if (data.Length + (2 * instances) > RemainingForOptions)
        {
            return false;
        }

        while (!data.IsEmpty)
        {
            int chunk = Math.Min(data.Length, byte.MaxValue);
            _buffer[_position] = code;
            _buffer[_position + 1] = (byte)chunk;
            data[..chunk].CopyTo(_buffer[(_position + 2)..]);
            _position += 2 + chunk;
            data = data[chunk..];
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBufferTooSmall() =>
        throw new ArgumentException($"A DHCP reply buffer must hold at least {Dhcp4Header.MinimumBootpLength} bytes.");
}
