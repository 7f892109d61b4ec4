using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Wire.Tests;

public class Dhcp4WriterTests
{
    private const byte Sentinel = 0xAA;

    private static byte[] NewBuffer(int length)
    {
        byte[] buffer = new byte[length];
        buffer.AsSpan().Fill(Sentinel);
        return buffer;
    }

    private static void WriteTestHeader(ref Dhcp4Writer writer) =>
        writer.WriteHeader(
            BootpOperation.BootReply, 1, 6, 0, 0xCAFEBABE, 0, 0,
            IPv4Address.Any, IPv4Address.Parse("10.10.10.2"), IPv4Address.Parse("10.10.10.3"), IPv4Address.Any,
            [0xfa, 0x16, 0x3e, 0xfe, 0xc7, 0x87]);

    [Theory]
    [InlineData(0)]
    [InlineData(299)]
    public void Constructor_BufferSmallerThan300_Throws(int length)
    {
        // A programmer error (buffers are sized once per loop), so an exception is right here.
        Assert.Throws<ArgumentException>(() => new Dhcp4Writer(new byte[length], 1500));
    }

    [Fact]
    public void WriteHeader_Fields_ReadBackByReader()
    {
        byte[] buffer = NewBuffer(600);
        var writer = new Dhcp4Writer(buffer, 600);
        byte[] chaddr = Convert.FromHexString("0102030405060708090a0b0c0d0e0f10");

        writer.WriteHeader(
            BootpOperation.BootReply, 6, 16, 2, 0xDEADBEEF, 7, Dhcp4Header.BroadcastFlag,
            IPv4Address.Parse("1.2.3.4"), IPv4Address.Parse("5.6.7.8"), IPv4Address.Parse("9.10.11.12"), IPv4Address.Parse("13.14.15.16"),
            chaddr);

        Assert.Equal(Dhcp4Header.OptionsOffset, writer.BytesWritten);
        int length = writer.WriteEnd();
        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(buffer.AsSpan(0, length), out Dhcp4Reader reader));
        Assert.Equal(BootpOperation.BootReply, reader.Op);
        Assert.Equal(6, reader.Htype);
        Assert.Equal(16, reader.Hlen);
        Assert.Equal(2, reader.Hops);
        Assert.Equal(0xDEADBEEFu, reader.Xid);
        Assert.Equal(7, reader.Secs);
        Assert.True(reader.BroadcastRequested);
        Assert.Equal(IPv4Address.Parse("1.2.3.4"), reader.Ciaddr);
        Assert.Equal(IPv4Address.Parse("5.6.7.8"), reader.Yiaddr);
        Assert.Equal(IPv4Address.Parse("9.10.11.12"), reader.Siaddr);
        Assert.Equal(IPv4Address.Parse("13.14.15.16"), reader.Giaddr);
        Assert.Equal(chaddr, reader.Chaddr.ToArray());
        Assert.True(reader.Sname.IndexOfAnyExcept((byte)0) < 0);
        Assert.True(reader.File.IndexOfAnyExcept((byte)0) < 0);
        Assert.Empty(TestPackets.ListOptions(reader));
    }

    [Fact]
    public void WriteHeader_ShortChaddr_RestZeroed()
    {
        byte[] buffer = NewBuffer(300);
        var writer = new Dhcp4Writer(buffer, 300);

        WriteTestHeader(ref writer);

        Assert.Equal("fa163efec787" + new string('0', 20), Convert.ToHexStringLower(buffer.AsSpan(Dhcp4Header.ChaddrOffset, 16)));
    }

    [Fact]
    public void WriteHeader_ChaddrLongerThan16_Truncated()
    {
        byte[] buffer = NewBuffer(300);
        var writer = new Dhcp4Writer(buffer, 300);
        byte[] chaddr = new byte[20];
        chaddr.AsSpan().Fill(0x11);

        writer.WriteHeader(BootpOperation.BootReply, 1, 6, 0, 1, 0, 0, default, default, default, default, chaddr);

        Assert.Equal(0x11, buffer[Dhcp4Header.ChaddrOffset + 15]);
        Assert.Equal(0, buffer[Dhcp4Header.SnameOffset]);
    }

    [Fact]
    public void WriteEnd_ShortMessage_PaddedWithZerosTo300()
    {
        byte[] buffer = NewBuffer(1500);
        var writer = new Dhcp4Writer(buffer, 1500);
        WriteTestHeader(ref writer);
        Assert.True(writer.TryWriteByte(Dhcp4OptionCode.DhcpMessageType, (byte)Dhcp4MessageType.Offer));

        int length = writer.WriteEnd();

        Assert.Equal(Dhcp4Header.MinimumBootpLength, length);
        Assert.Equal(length, writer.BytesWritten);
        Assert.Equal("350102ff", Convert.ToHexStringLower(buffer.AsSpan(240, 4)));
        Assert.True(buffer.AsSpan(244, 300 - 244).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(Sentinel, buffer[300]);
    }

    [Fact]
    public void WriteEnd_LongMessage_NoPadding()
    {
        byte[] buffer = NewBuffer(1500);
        var writer = new Dhcp4Writer(buffer, 1500);
        WriteTestHeader(ref writer);
        Assert.True(writer.TryWriteOption(Dhcp4OptionCode.VendorSpecific, new byte[100]));

        int length = writer.WriteEnd();

        Assert.Equal(240 + 102 + 1, length);
        Assert.Equal(255, buffer[length - 1]);
        Assert.Equal(Sentinel, buffer[length]);
    }

    [Fact]
    public void BytesWritten_AfterEachOption_Advances()
    {
        var writer = new Dhcp4Writer(new byte[600], 600);
        Assert.Equal(0, writer.BytesWritten);
        WriteTestHeader(ref writer);
        Assert.Equal(240, writer.BytesWritten);
        Assert.Equal(600 - 240 - 1, writer.RemainingForOptions);

        Assert.True(writer.TryWriteOption(Dhcp4OptionCode.HostName, "abc"u8));
        Assert.Equal(245, writer.BytesWritten);
        Assert.True(writer.TryWriteOption((byte)80, ReadOnlySpan<byte>.Empty));
        Assert.Equal(247, writer.BytesWritten);
        Assert.True(writer.TryWriteUInt32(Dhcp4OptionCode.IPAddressLeaseTime, 120));
        Assert.Equal(253, writer.BytesWritten);
        Assert.Equal(600 - 253 - 1, writer.RemainingForOptions);
    }

    [Fact]
    public void TryWriteHelpers_Values_BigEndianEncoding()
    {
        byte[] buffer = new byte[300];
        var writer = new Dhcp4Writer(buffer, 300);
        WriteTestHeader(ref writer);

        Assert.True(writer.TryWriteByte(Dhcp4OptionCode.DhcpMessageType, 5));
        Assert.True(writer.TryWriteUInt32(Dhcp4OptionCode.IPAddressLeaseTime, 0x01020304));
        Assert.True(writer.TryWriteAddress(Dhcp4OptionCode.Router, IPv4Address.Parse("10.10.10.1")));
        Assert.True(writer.TryWriteOption((byte)80, ReadOnlySpan<byte>.Empty));

        Assert.Equal("350105" + "330401020304" + "03040a0a0a01" + "5000", Convert.ToHexStringLower(buffer.AsSpan(240, writer.BytesWritten - 240)));
    }

    [Theory]
    [InlineData(255, new[] { 255 })]
    [InlineData(256, new[] { 255, 1 })]
    [InlineData(510, new[] { 255, 255 })]
    [InlineData(600, new[] { 255, 255, 90 })]
    [InlineData(1000, new[] { 255, 255, 255, 235 })]
    public void TryWriteOption_LongerThan255_SplitInto255ByteInstances(int length, int[] expectedChunks)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 7);
        }

        byte[] buffer = new byte[2000];
        var writer = new Dhcp4Writer(buffer, buffer.Length);
        WriteTestHeader(ref writer);

        Assert.True(writer.TryWriteOption(Dhcp4OptionCode.ClasslessStaticRoute, data));
        Assert.Equal(240 + length + (2 * expectedChunks.Length), writer.BytesWritten);
        int messageLength = writer.WriteEnd();

        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(buffer.AsSpan(0, messageLength), out Dhcp4Reader reader));
        List<(byte Code, byte[] Data)> instances = TestPackets.ListOptions(reader);
        Assert.All(instances, i => Assert.Equal(121, i.Code));
        Assert.Equal(expectedChunks, instances.Select(i => i.Data.Length));
        Assert.Equal(expectedChunks.Length > 1, !reader.TryGetOption(Dhcp4OptionCode.ClasslessStaticRoute, out _));
        Assert.True(reader.TryGetConcatenatedOption(Dhcp4OptionCode.ClasslessStaticRoute, new byte[length], out ReadOnlySpan<byte> concatenated));
        Assert.Equal(data, concatenated.ToArray());
    }

    [Theory]
    [InlineData(57, true)] // 240 + 2 + 57 = 299, End makes 300
    [InlineData(58, false)]
    public void TryWriteOption_AtMaximumLength_FitsOnlyWithRoomForEnd(int dataLength, bool fits)
    {
        byte[] buffer = NewBuffer(1500);
        var writer = new Dhcp4Writer(buffer, 300);
        WriteTestHeader(ref writer);

        Assert.Equal(fits, writer.TryWriteOption(Dhcp4OptionCode.VendorSpecific, new byte[dataLength]));
        int length = writer.WriteEnd();

        Assert.Equal(300, length);
        Assert.Equal(255, buffer[fits ? 299 : 240]);
        Assert.Equal(Sentinel, buffer[300]);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(255)]
    [InlineData(256)] // the split path
    [InlineData(600)]
    public void TryWriteOption_DoesNotFit_FalseAndNothingWritten(int dataLength)
    {
        byte[] buffer = NewBuffer(1500);
        var writer = new Dhcp4Writer(buffer, 320);
        WriteTestHeader(ref writer);
        Assert.True(writer.TryWriteOption(Dhcp4OptionCode.HostName, "abc"u8));
        int before = writer.BytesWritten;

        Assert.False(writer.TryWriteOption(Dhcp4OptionCode.VendorSpecific, new byte[dataLength]));

        Assert.Equal(before, writer.BytesWritten);
        Assert.True(buffer.AsSpan(before).IndexOfAnyExcept(Sentinel) < 0);

        // The writer is still usable after a refusal.
        Assert.True(writer.TryWriteByte(Dhcp4OptionCode.DhcpMessageType, 2));
        Assert.Equal(Dhcp4ParseStatus.Ok, Dhcp4Reader.TryRead(buffer.AsSpan(0, writer.WriteEnd()), out _));
    }

    [Fact]
    public void TryWriteOption_SplitExactlyFits_True()
    {
        // 600 bytes split in 3 instances takes 606; + 240 header + End = 847.
        byte[] buffer = NewBuffer(1500);
        var writer = new Dhcp4Writer(buffer, 847);
        WriteTestHeader(ref writer);

        Assert.True(writer.TryWriteOption(Dhcp4OptionCode.VendorSpecific, new byte[600]));
        Assert.Equal(847, writer.WriteEnd());
        Assert.Equal(Sentinel, buffer[847]);

        var tight = new Dhcp4Writer(NewBuffer(1500), 846);
        WriteTestHeader(ref tight);
        Assert.False(tight.TryWriteOption(Dhcp4OptionCode.VendorSpecific, new byte[600]));
        Assert.Equal(240, tight.BytesWritten);
    }

    [Fact]
    public void TryWriteEncodedOptions_Block_CopiedVerbatim()
    {
        byte[] buffer = new byte[400];
        var writer = new Dhcp4Writer(buffer, 400);
        WriteTestHeader(ref writer);
        byte[] block = Convert.FromHexString("0104ffffff0003040a0a0a011a0205aa");

        Assert.True(writer.TryWriteEncodedOptions(block));

        Assert.Equal(240 + block.Length, writer.BytesWritten);
        Assert.Equal(block, buffer.AsSpan(240, block.Length).ToArray());
    }

    [Fact]
    public void TryWriteEncodedOptions_DoesNotFit_FalseAndNothingWritten()
    {
        byte[] buffer = NewBuffer(400);
        var writer = new Dhcp4Writer(buffer, 300);
        WriteTestHeader(ref writer);

        Assert.False(writer.TryWriteEncodedOptions(new byte[60]));
        Assert.Equal(240, writer.BytesWritten);
        Assert.True(buffer.AsSpan(240).IndexOfAnyExcept(Sentinel) < 0);
        Assert.True(writer.TryWriteEncodedOptions(new byte[59]));
    }

    [Theory]
    [InlineData(0, 300)]
    [InlineData(299, 300)]
    [InlineData(548, 548)]
    [InlineData(5000, 1000)]
    public void Constructor_MaximumLength_ClampedBetween300AndBuffer(int maximumLength, int effective)
    {
        var writer = new Dhcp4Writer(new byte[1000], maximumLength);
        WriteTestHeader(ref writer);

        Assert.Equal(effective - 240 - 1, writer.RemainingForOptions);
    }

    [Fact]
    public void Writer_FillToLimitWithManyOptions_NeverPastMaximumLength()
    {
        byte[] buffer = NewBuffer(1500);
        var writer = new Dhcp4Writer(buffer, 548);
        WriteTestHeader(ref writer);
        int written = 0;
        while (writer.TryWriteOption(Dhcp4OptionCode.DomainNameServer, [10, 10, 10, 3]))
        {
            written++;
        }

        int length = writer.WriteEnd();

        Assert.True(length <= 548);
        Assert.Equal((548 - 240 - 1) / 6, written);
        Assert.True(buffer.AsSpan(548).IndexOfAnyExcept(Sentinel) < 0);
    }
}
