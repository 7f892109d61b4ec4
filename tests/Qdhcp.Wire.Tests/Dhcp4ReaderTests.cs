using System.Buffers.Binary;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Wire.Tests;

public class Dhcp4ReaderTests
{
    private const byte End = 255;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(235)]
    [InlineData(236)]
    [InlineData(239)]
    public void TryRead_ShorterThan240Bytes_Truncated(int length)
    {
        byte[] packet = TestPackets.Build([End]).AsSpan(0, Math.Min(length, 241)).ToArray();
        Array.Resize(ref packet, length);

        Assert.Equal(Dhcp4ParseStatus.Truncated, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.True(reader.Datagram.IsEmpty);
    }

    [Fact]
    public void TryRead_HeaderAndCookieOnly_OkWithoutOptions()
    {
        byte[] packet = TestPackets.Build([]);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.Empty(TestPackets.ListOptions(reader));
        Assert.Equal(Dhcp4MessageType.None, reader.MessageType);
        Assert.Equal(Dhcp4Header.DefaultMaximumMessageLength, reader.MaximumReplyLength);
    }

    [Theory]
    [InlineData(0x00000000u)]
    [InlineData(0x63825362u)]
    [InlineData(0x53638263u)] // byte-swapped
    [InlineData(0xFFFFFFFFu)]
    public void TryRead_WrongMagicCookie_BadMagicCookie(uint cookie)
    {
        byte[] packet = TestPackets.Build([53, 1, 1, End]);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(Dhcp4Header.MagicCookieOffset), cookie);

        Assert.Equal(Dhcp4ParseStatus.BadMagicCookie, Dhcp4Reader.TryRead(packet, out _));
    }

    [Theory]
    [InlineData(new byte[] { 53 })] // code without a length byte
    [InlineData(new byte[] { 53, 2, 1 })] // length one past the end
    [InlineData(new byte[] { 53, 1, 1, 12, 255 })] // length far past the end
    [InlineData(new byte[] { 0, 0, 0, 61 })] // pads then a code without length
    public void TryRead_OptionLengthPastEnd_MalformedOptions(byte[] options)
    {
        Assert.Equal(Dhcp4ParseStatus.MalformedOptions, Dhcp4Reader.TryRead(TestPackets.Build(options), out _));
    }

    [Fact]
    public void TryRead_OptionEndingExactlyAtDatagramEnd_Ok()
    {
        byte[] packet = TestPackets.Build([53, 1, 3, 12, 3, (byte)'a', (byte)'b', (byte)'c']);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.Equal("abc"u8.ToArray(), TestPackets.ListOptions(reader)[1].Data);
    }

    [Fact]
    public void TryRead_MissingEnd_Accepted()
    {
        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(TestPackets.Build([53, 1, 1, 61, 2, 1, 2]), out Dhcp4Reader reader));
        Assert.Equal([53, 61], TestPackets.ListOptions(reader).Select(o => o.Code));
        Assert.Equal(Dhcp4MessageType.Discover, reader.MessageType);
    }

    [Fact]
    public void TryRead_GarbageAfterEnd_IgnoredAndOk()
    {
        // After End only padding is allowed (RFC 2131 §4.1), but a bad length there must not fail the packet.
        byte[] packet = TestPackets.Build([53, 1, 1, End, 12, 200, 1, 2]);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.Equal([53], TestPackets.ListOptions(reader).Select(o => o.Code));
        Assert.False(reader.TryGetOption(Dhcp4OptionCode.HostName, out _));
    }

    [Fact]
    public void Options_PadsAnywhere_Skipped()
    {
        byte[] packet = TestPackets.Build([0, 0, 53, 1, 1, 0, 12, 0, 0, 55, 2, 0, 0, 0, End, 0, 0]);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        List<(byte Code, byte[] Data)> options = TestPackets.ListOptions(reader);

        // Inside an option's data a zero is data, not Pad: 55 carries [0, 0].
        Assert.Equal([53, 12, 55], options.Select(o => o.Code));
        Assert.Empty(options[1].Data);
        Assert.Equal(new byte[] { 0, 0 }, options[2].Data);
        Assert.False(reader.TryGetOption(Dhcp4OptionCode.Pad, out _));
    }

    [Fact]
    public void Options_OnlyPadding_Empty()
    {
        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(TestPackets.Build(new byte[60]), out Dhcp4Reader reader));
        Assert.Empty(TestPackets.ListOptions(reader));
    }

    [Fact]
    public void Header_Fields_ReadAtRfc2131Offsets()
    {
        byte[] packet = TestPackets.Build([End]);
        packet[0] = 2;
        packet[1] = 6; // IEEE 802
        packet[2] = 7;
        packet[3] = 3;
        Convert.FromHexString("0102030405060708090a0b0c0d0e0f101112131415161718").CopyTo(packet, 4);
        for (int i = 0; i < 16; i++)
        {
            packet[Dhcp4Header.ChaddrOffset + i] = (byte)(0xA0 + i);
        }

        packet[Dhcp4Header.SnameOffset] = (byte)'s';
        packet[Dhcp4Header.FileOffset] = (byte)'f';

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.Equal(BootpOperation.BootReply, reader.Op);
        Assert.Equal(6, reader.Htype);
        Assert.Equal(7, reader.Hlen);
        Assert.Equal(3, reader.Hops);
        Assert.Equal(0x01020304u, reader.Xid);
        Assert.Equal(0x0506, reader.Secs);
        Assert.Equal(0x0708, reader.Flags);
        Assert.False(reader.BroadcastRequested);
        Assert.Equal(IPv4Address.Parse("9.10.11.12"), reader.Ciaddr);
        Assert.Equal(IPv4Address.Parse("13.14.15.16"), reader.Yiaddr);
        Assert.Equal(IPv4Address.Parse("17.18.19.20"), reader.Siaddr);
        Assert.Equal(IPv4Address.Parse("21.22.23.24"), reader.Giaddr);
        Assert.Equal(16, reader.Chaddr.Length);
        Assert.Equal(0xAF, reader.Chaddr[15]);
        Assert.Equal(MacAddress.Parse("a0:a1:a2:a3:a4:a5"), reader.ClientMac);
        Assert.False(reader.HasEthernetAddress);
        Assert.Equal(64, reader.Sname.Length);
        Assert.Equal((byte)'s', reader.Sname[0]);
        Assert.Equal(128, reader.File.Length);
        Assert.Equal((byte)'f', reader.File[0]);
        Assert.Equal(packet.Length, reader.Datagram.Length);
    }

    [Fact]
    public void BroadcastRequested_TopFlagBitSet_True()
    {
        byte[] packet = TestPackets.Build([End]);
        packet[Dhcp4Header.FlagsOffset] = 0x80;

        Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader);

        Assert.True(reader.BroadcastRequested);
        Assert.Equal(Dhcp4Header.BroadcastFlag, reader.Flags);
    }

    [Theory]
    [InlineData(new byte[] { 52, 1, 0 })]
    [InlineData(new byte[] { 52, 1, 4 })]
    [InlineData(new byte[] { 52, 1, 255 })]
    [InlineData(new byte[] { 52, 2, 1, 0 })]
    [InlineData(new byte[] { 52, 0 })] // RFC 2132 §9.3: length is always 1
    [InlineData(new byte[] { 52, 1, 1, 52, 1, 1 })] // two instances concatenate (RFC 3396) to length 2
    public void TryRead_BadOverloadOption_MalformedOptions(byte[] options)
    {
        Assert.Equal(Dhcp4ParseStatus.MalformedOptions, Dhcp4Reader.TryRead(TestPackets.Build([.. options, End]), out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void TryRead_OverloadedFileMalformed_MalformedOptions(byte overload)
    {
        byte[] file = new byte[128];
        file[126] = 12;
        file[127] = 5; // runs past the end of file (into sname is not allowed)

        Assert.Equal(Dhcp4ParseStatus.MalformedOptions, Dhcp4Reader.TryRead(TestPackets.Build([52, 1, overload, End], file), out _));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TryRead_OverloadedSnameMalformed_MalformedOptions(byte overload)
    {
        byte[] sname = new byte[64];
        sname[63] = 12; // code without length at the end of sname

        Assert.Equal(Dhcp4ParseStatus.MalformedOptions, Dhcp4Reader.TryRead(TestPackets.Build([52, 1, overload, End], sname: sname), out _));
    }

    [Fact]
    public void TryRead_NotOverloadedFileAndSnameWithGarbage_OkAndNotEnumerated()
    {
        byte[] file = new byte[128];
        file.AsSpan().Fill(0x0C); // would be a malformed option 12 if it were read as options
        byte[] sname = new byte[64];
        sname.AsSpan().Fill(0x0C);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(TestPackets.Build([53, 1, 1, End], file, sname), out Dhcp4Reader reader));
        Assert.Equal(0, reader.Overload);
        Assert.Equal([53], TestPackets.ListOptions(reader).Select(o => o.Code));
    }

    [Fact]
    public void Options_OverloadBoth_OptionsThenFileThenSname()
    {
        // RFC 2131 §4.1: options field first, then file, then sname, regardless of where 52 itself sits.
        byte[] file = [12, 1, (byte)'f', 0, 43, 1, 0xF1, End, 99, 99, 99];
        byte[] sname = [66, 1, (byte)'s', 43, 1, 0x51];
        byte[] packet = TestPackets.Build([53, 1, 1, 43, 1, 0x01, 52, 1, 3, End], file, sname);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.Equal(3, reader.Overload);
        List<(byte Code, byte[] Data)> options = TestPackets.ListOptions(reader);
        Assert.Equal([53, 43, 52, 12, 43, 66, 43], options.Select(o => o.Code));

        Span<byte> scratch = stackalloc byte[16];
        Assert.False(reader.TryGetOption(Dhcp4OptionCode.VendorSpecific, out _, out bool isSplit));
        Assert.True(isSplit);
        Assert.True(reader.TryGetConcatenatedOption(Dhcp4OptionCode.VendorSpecific, scratch, out ReadOnlySpan<byte> vendor));
        Assert.Equal(new byte[] { 0x01, 0xF1, 0x51 }, vendor.ToArray());
        Assert.True(reader.TryGetOption(Dhcp4OptionCode.TftpServerName, out ReadOnlySpan<byte> tftp));
        Assert.Equal("s"u8.ToArray(), tftp.ToArray());
    }

    [Fact]
    public void Options_OverloadFileOnly_SnameNotRead()
    {
        byte[] file = [12, 2, (byte)'h', (byte)'i'];
        byte[] sname = "server-name"u8.ToArray();
        byte[] packet = TestPackets.Build([52, 1, 1, 53, 1, 1], file, sname);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.Equal(1, reader.Overload);
        Assert.Equal([52, 53, 12], TestPackets.ListOptions(reader).Select(o => o.Code));
    }

    [Fact]
    public void Options_OverloadSnameOnly_FileNotRead()
    {
        byte[] file = "pxelinux.0"u8.ToArray();
        byte[] sname = [12, 2, (byte)'h', (byte)'i', End];
        byte[] packet = TestPackets.Build([52, 1, 2, 53, 1, 1, End], file, sname);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.Equal(2, reader.Overload);
        Assert.Equal([52, 53, 12], TestPackets.ListOptions(reader).Select(o => o.Code));
    }

    [Fact]
    public void Options_OverloadInsideFile_IgnoredAsOverload()
    {
        // RFC 2132 §9.3: option 52 counts only in the options field; inside file it is just an option instance.
        byte[] file = [52, 1, 2, End];
        byte[] sname = [12, 1, (byte)'x'];
        byte[] packet = TestPackets.Build([52, 1, 1, End], file, sname);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.Equal(1, reader.Overload);
        Assert.DoesNotContain(TestPackets.ListOptions(reader), o => o.Code == 12);
    }

    [Fact]
    public void Options_OverloadAfterEnd_NotApplied()
    {
        byte[] file = [12, 200];
        byte[] packet = TestPackets.Build([53, 1, 1, End, 52, 1, 1], file);

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader));
        Assert.Equal(0, reader.Overload);
    }

    [Fact]
    public void Options_DataSpans_SlicesOfDatagram()
    {
        byte[] packet = TestPackets.Build([53, 1, 1, 61, 3, 1, 2, 3, End]);
        Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader);

        Assert.True(reader.TryGetOption(Dhcp4OptionCode.ClientIdentifier, out ReadOnlySpan<byte> data));

        Assert.Equal(Dhcp4Header.OptionsOffset + 5, TestPackets.OffsetWithin(packet, data));
    }

    [Fact]
    public void TryGetOption_Absent_FalseNotSplit()
    {
        Dhcp4Reader.TryRead(TestPackets.Build([53, 1, 1, End]), out Dhcp4Reader reader);

        Assert.False(reader.TryGetOption(Dhcp4OptionCode.HostName, out ReadOnlySpan<byte> data, out bool isSplit));
        Assert.False(isSplit);
        Assert.True(data.IsEmpty);
        Assert.False(reader.TryGetConcatenatedOption(Dhcp4OptionCode.HostName, new byte[64], out _));
    }

    [Fact]
    public void TryGetOption_SplitInOptionsField_FalseAndIsSplit()
    {
        Dhcp4Reader.TryRead(TestPackets.Build([12, 2, (byte)'a', (byte)'b', 53, 1, 1, 12, 1, (byte)'c', End]), out Dhcp4Reader reader);

        Assert.False(reader.TryGetOption(Dhcp4OptionCode.HostName, out ReadOnlySpan<byte> data, out bool isSplit));
        Assert.True(isSplit);
        Assert.True(data.IsEmpty);
        Assert.False(reader.TryGetOption(Dhcp4OptionCode.HostName, out _));
    }

    [Fact]
    public void TryGetConcatenatedOption_SplitOption_ConcatenatedInOrder()
    {
        byte[] packet = TestPackets.Build([12, 2, (byte)'a', (byte)'b', 53, 1, 1, 12, 0, 12, 1, (byte)'c', End]);
        Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader);
        byte[] scratch = new byte[8];

        Assert.True(reader.TryGetConcatenatedOption(Dhcp4OptionCode.HostName, scratch, out ReadOnlySpan<byte> data));

        Assert.Equal("abc"u8.ToArray(), data.ToArray());
        Assert.Equal(0, TestPackets.OffsetWithin(scratch, data));
    }

    [Fact]
    public void TryGetConcatenatedOption_ScratchExactlyLargeEnough_True()
    {
        Dhcp4Reader.TryRead(TestPackets.Build([12, 2, (byte)'a', (byte)'b', 12, 1, (byte)'c', End]), out Dhcp4Reader reader);

        Assert.True(reader.TryGetConcatenatedOption(Dhcp4OptionCode.HostName, new byte[3], out ReadOnlySpan<byte> data));
        Assert.Equal("abc"u8.ToArray(), data.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void TryGetConcatenatedOption_ScratchTooSmall_False(int scratchLength)
    {
        Dhcp4Reader.TryRead(TestPackets.Build([12, 2, (byte)'a', (byte)'b', 12, 1, (byte)'c', End]), out Dhcp4Reader reader);

        Assert.False(reader.TryGetConcatenatedOption(Dhcp4OptionCode.HostName, new byte[scratchLength], out ReadOnlySpan<byte> data));
        Assert.True(data.IsEmpty);
    }

    [Fact]
    public void TryGetConcatenatedOption_SingleInstance_ReturnsDatagramSliceWithoutScratch()
    {
        byte[] packet = TestPackets.Build([12, 3, (byte)'a', (byte)'b', (byte)'c', End]);
        Dhcp4Reader.TryRead(packet, out Dhcp4Reader reader);

        Assert.True(reader.TryGetConcatenatedOption(Dhcp4OptionCode.HostName, Span<byte>.Empty, out ReadOnlySpan<byte> data));
        Assert.Equal(Dhcp4Header.OptionsOffset + 2, TestPackets.OffsetWithin(packet, data));
    }

    [Fact]
    public void TryGetConcatenatedOption_SplitAcrossOptionsAndFile_Concatenated()
    {
        // RFC 3396 §7 with overload: a long option continues in file.
        byte[] options = [52, 1, 1, 121, 5, 32, 169, 254, 169, 254];
        byte[] file = [121, 4, 10, 10, 10, 3, End];
        Dhcp4Reader.TryRead(TestPackets.Build(options, file), out Dhcp4Reader reader);

        Assert.True(reader.TryGetConcatenatedOption(Dhcp4OptionCode.ClasslessStaticRoute, new byte[32], out ReadOnlySpan<byte> routes));
        Assert.Equal("20a9fea9fe0a0a0a03", Convert.ToHexStringLower(routes));
    }

    [Theory]
    [InlineData(new byte[] { 53, 1, 3 }, Dhcp4MessageType.Request)]
    [InlineData(new byte[] { 53, 1, 8 }, Dhcp4MessageType.Inform)]
    [InlineData(new byte[] { 53, 0 }, Dhcp4MessageType.None)]
    [InlineData(new byte[] { 53, 2, 1, 1 }, Dhcp4MessageType.None)]
    [InlineData(new byte[] { 53, 1, 1, 53, 1, 3 }, Dhcp4MessageType.None)] // split: ambiguous
    [InlineData(new byte[] { }, Dhcp4MessageType.None)]
    public void MessageType_Option53_Decoded(byte[] options, Dhcp4MessageType expected)
    {
        Dhcp4Reader.TryRead(TestPackets.Build([.. options, End]), out Dhcp4Reader reader);

        Assert.Equal(expected, reader.MessageType);
    }

    [Theory]
    [InlineData(new byte[] { }, 548)] // absent: RFC 2131 §2 default of 576 - 28
    [InlineData(new byte[] { 57, 2, 0x00, 0x00 }, 548)]
    [InlineData(new byte[] { 57, 2, 0x01, 0x2C }, 548)] // 300 < 576: illegal (RFC 2132 §9.10), ignored
    [InlineData(new byte[] { 57, 2, 0x02, 0x3F }, 548)] // 575
    [InlineData(new byte[] { 57, 2, 0x02, 0x40 }, 548)] // 576
    [InlineData(new byte[] { 57, 2, 0x02, 0x41 }, 549)] // 577
    [InlineData(new byte[] { 57, 2, 0x05, 0xC0 }, 1444)] // 1472 (dhcpcd)
    [InlineData(new byte[] { 57, 2, 0x05, 0xDC }, 1472)] // 1500
    [InlineData(new byte[] { 57, 2, 0xFF, 0xFF }, 65507)]
    [InlineData(new byte[] { 57, 1, 0x05 }, 548)] // wrong length
    [InlineData(new byte[] { 57, 3, 0x05, 0xDC, 0x00 }, 548)]
    [InlineData(new byte[] { 57, 1, 0x05, 57, 1, 0xDC }, 548)] // split reads as absent
    public void MaximumReplyLength_Option57_MessageLengthWithoutIpAndUdp(byte[] options, int expected)
    {
        Dhcp4Reader.TryRead(TestPackets.Build([.. options, End]), out Dhcp4Reader reader);

        Assert.Equal(expected, reader.MaximumReplyLength);
    }

    [Fact]
    public void Options_ManualEnumeration_MatchesForeach()
    {
        Dhcp4Reader.TryRead(CaptureFiles.Load(CaptureFiles.UdhcpcRequest), out Dhcp4Reader reader);
        Dhcp4OptionEnumerator enumerator = reader.Options;
        int count = 0;
        while (enumerator.MoveNext())
        {
            count++;
        }

        Assert.False(enumerator.MoveNext());
        Assert.Equal(TestPackets.ListOptions(reader).Count, count);
        Assert.Equal(8, count);
    }
}
