using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Qdhcp.Wire.Dhcp4;

namespace Qdhcp.Wire.Tests;

/// <summary>Builds raw datagrams byte by byte, independent of <see cref="Dhcp4Writer"/>, for reader tests.</summary>
internal static class TestPackets
{
    /// <summary>A BOOTREQUEST header with the magic cookie, <paramref name="options"/> after it, and optional file/sname content.</summary>
    public static byte[] Build(ReadOnlySpan<byte> options, ReadOnlySpan<byte> file = default, ReadOnlySpan<byte> sname = default)
    {
        byte[] packet = new byte[Dhcp4Header.OptionsOffset + options.Length];
        packet[Dhcp4Header.OpOffset] = (byte)BootpOperation.BootRequest;
        packet[Dhcp4Header.HtypeOffset] = Dhcp4Header.HardwareTypeEthernet;
        packet[Dhcp4Header.HlenOffset] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(Dhcp4Header.XidOffset), 0x12345678);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(Dhcp4Header.MagicCookieOffset), Dhcp4Header.MagicCookie);
        file.CopyTo(packet.AsSpan(Dhcp4Header.FileOffset, Dhcp4Header.FileLength));
        sname.CopyTo(packet.AsSpan(Dhcp4Header.SnameOffset, Dhcp4Header.SnameLength));
        options.CopyTo(packet.AsSpan(Dhcp4Header.OptionsOffset));
        return packet;
    }

    /// <summary>Where <paramref name="inner"/> starts inside <paramref name="outer"/>, by address; long.MinValue when it is not inside.</summary>
    public static long OffsetWithin(ReadOnlySpan<byte> outer, ReadOnlySpan<byte> inner)
    {
        long offset = (long)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(outer), ref MemoryMarshal.GetReference(inner));
        return offset >= 0 && offset + inner.Length <= outer.Length ? offset : long.MinValue;
    }

    /// <summary>The option instances as (code, data) pairs, copied out of the ref struct world.</summary>
    public static List<(byte Code, byte[] Data)> ListOptions(in Dhcp4Reader reader)
    {
        var list = new List<(byte, byte[])>();
        foreach (Dhcp4Option option in reader.Options)
        {
            list.Add((option.Code, option.Data.ToArray()));
        }

        return list;
    }
}
