using System.Buffers.Binary;
using Qdhcp.Wire.Dns;

namespace Qdhcp.Dns.Tests;

public sealed class DnsCodecTests
{
    [Fact]
    public void Writer_CompressesRepeatedSuffixes_ReaderExpandsThem()
    {
        byte[] buffer = new byte[512];
        var writer = new DnsWriter(buffer, 512);
        writer.WriteHeader(7, DnsHeader.ResponseFlag);
        byte[] name = DnsName.Encode("host-10-10-10-2.openstacklocal")!;
        Assert.True(writer.TryWriteQuestion(name, DnsRecordType.A, DnsClass.IN));
        int afterQuestion = writer.BytesWritten;
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, name, DnsRecordType.A, 1, 0, [10, 10, 10, 2]));
        // The answer's owner is a 2-byte pointer to offset 12: 2 + 10 fixed + 4 data.
        Assert.Equal(afterQuestion + 16, writer.BytesWritten);
        Assert.Equal(0xC00C, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(afterQuestion)));
        Assert.True(writer.TryWriteNameRecord(DnsSection.Answer, DnsName.Encode("x.openstacklocal")!, DnsRecordType.PTR, 0, DnsName.Encode("y.openstacklocal")!));
        DnsTestMessages.Decoded decoded = DnsTestMessages.Decode(buffer[..writer.BytesWritten]);
        Assert.Equal(2, decoded.Answers.Count());
        Assert.Equal("x.openstacklocal.", decoded.Records[1].Name);
        Assert.Equal("y.openstacklocal.", decoded.Records[1].Data);
    }

    [Fact]
    public void Writer_RecordThatDoesNotFit_LeavesMessageUnchanged()
    {
        byte[] buffer = new byte[512];
        var writer = new DnsWriter(buffer, 40);
        writer.WriteHeader(1, 0);
        Assert.True(writer.TryWriteQuestion(DnsName.Encode("a.b")!, DnsRecordType.A, DnsClass.IN));
        int before = writer.BytesWritten;
        Assert.False(writer.TryWriteRecord(DnsSection.Answer, DnsName.Encode("zzzzzzzzzzzzzzzzzzz.q")!, DnsRecordType.A, 1, 0, new byte[16]));
        Assert.Equal(before, writer.BytesWritten);
        Assert.Equal(0, writer.Count(DnsSection.Answer));
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, DnsParseStatus.TooShort)]
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 }, DnsParseStatus.Truncated)]
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, (byte)'a', (byte)'b' }, DnsParseStatus.Truncated)]
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1 }, DnsParseStatus.BadName)] // pointer to itself
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 20, 0, 1, 0, 1, 0, 0, 0 }, DnsParseStatus.BadName)] // forward pointer
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0, 0, 1, 0, 1 }, DnsParseStatus.BadName)] // reserved label type
    public void Reader_Malformed_Status(byte[] message, DnsParseStatus expected) => Assert.Equal(expected, DnsReader.TryRead(message, out _));

    [Fact]
    public void Reader_PointerLoop_BadName()
    {
        // 12: label "a" then a pointer back to 12: a.a.a.a... until the 255-byte limit stops it.
        byte[] message = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1];
        Assert.Equal(DnsParseStatus.BadName, DnsReader.TryRead(message, out _));
    }

    [Fact]
    public void Reader_TwoOptRecords_BadEdns()
    {
        byte[] query = DnsTestMessages.Query("a.b", DnsRecordType.A, edns: true);
        byte[] doubled = [.. query, .. query[^11..]];
        BinaryPrimitives.WriteUInt16BigEndian(doubled.AsSpan(DnsHeader.ArCountOffset), 2);
        Assert.Equal(DnsParseStatus.BadEdns, DnsReader.TryRead(doubled, out _));
    }

    [Fact]
    public void Reader_Edns_Fields()
    {
        Assert.Equal(DnsParseStatus.Ok, DnsReader.TryRead(DnsTestMessages.Query("a.b", DnsRecordType.A, edns: true, payload: 4000, version: 1), out DnsReader reader));
        Assert.True(reader.HasEdns);
        Assert.Equal(4000, reader.EdnsUdpPayloadSize);
        Assert.Equal(1, reader.EdnsVersion);
    }

    [Fact]
    public void Name_TooLong_Rejected()
    {
        string longName = string.Join('.', Enumerable.Repeat(new string('a', 63), 4)); // 4*64+1 = 257 bytes
        Assert.Null(DnsName.Encode(longName));
        Assert.NotNull(DnsName.Encode(longName[..^3]));
        Assert.Null(DnsName.Encode(new string('a', 64) + ".b"));
        Assert.Null(DnsName.Encode("a..b"));
    }

    [Fact]
    public void Name_Format_EscapesOddBytes()
    {
        Assert.Equal("a\\046b.c.", DnsName.ToText([3, (byte)'a', (byte)'.', (byte)'b', 1, (byte)'c', 0]));
        Assert.Equal(".", DnsName.ToText([0]));
    }

    [Fact]
    public void Name_SubdomainAndCase()
    {
        byte[] zone = DnsName.Encode("openstacklocal")!;
        Assert.True(DnsName.IsSubdomainOf(DnsName.Encode("a.openstacklocal")!, zone, out int start));
        Assert.Equal(2, start);
        Assert.False(DnsName.IsSubdomainOf(DnsName.Encode("aopenstacklocal")!, zone, out _));
        Assert.True(DnsName.EqualsIgnoreCase("HoSt"u8, "hOsT"u8));
    }
}
