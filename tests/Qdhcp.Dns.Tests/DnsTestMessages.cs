using System.Net;
using Qdhcp.Dns;
using Qdhcp.Wire.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Dns.Tests;

/// <summary>Queries built with the writer, responses decoded with the reader, and the seed's zone.</summary>
internal static class DnsTestMessages
{
    public static readonly IPv4Subnet[] Subnets = [new(IPv4Address.Parse("10.10.10.0"), 24)];
    public static readonly IPv4Address Vm = IPv4Address.Parse("10.10.10.2");
    public static readonly IPv4Address Outsider = IPv4Address.Parse("192.0.2.9");

    public static DnsZone SeedZone() => DnsZone.Build("openstacklocal",
    [
        new DnsHostName("host-10-10-10-2", IPAddress.Parse("10.10.10.2"), true),
        new DnsHostName("host-10-10-10-5", IPAddress.Parse("10.10.10.5"), true),
        new DnsHostName("vm7.openstacklocal", IPAddress.Parse("10.10.10.7"), true),
        new DnsHostName("vm7", IPAddress.Parse("10.10.10.7"), false),
        new DnsHostName("vm7.openstacklocal", IPAddress.Parse("fd00::7"), true),
        new DnsHostName("far.example.net", IPAddress.Parse("198.51.100.4"), true),
    ], serial: 42);

    public static byte[] Query(string name, DnsRecordType type, ushort id = 0x1234, bool edns = false, ushort payload = 1232, byte version = 0, DnsClass @class = DnsClass.IN, bool recursionDesired = true)
    {
        byte[] buffer = new byte[512];
        var writer = new DnsWriter(buffer, buffer.Length);
        writer.WriteHeader(id, recursionDesired ? DnsHeader.RecursionDesiredFlag : (ushort)0);
        Assert.True(writer.TryWriteQuestion(DnsName.Encode(name)!, type, @class));
        if (edns)
        {
            Assert.True(writer.TryBeginRecord(DnsSection.Additional, DnsName.Root, DnsRecordType.OPT, payload, (uint)version << 16, out DnsWriterMark mark));
            writer.EndRecord(mark);
        }

        return buffer[..writer.BytesWritten];
    }

    public static DnsRequestContext Context(IPv4Address? client = null, bool tcp = false) => new(client ?? Vm, tcp, Subnets);

    public static (DnsResult Result, byte[] Response) Ask(DnsResponder responder, byte[] query, DnsRequestContext? context = null)
    {
        byte[] response = new byte[4096];
        DnsResult result = responder.Process(context ?? Context(), query, response);
        return (result, response[..result.Length]);
    }

    /// <summary>A decoded response, for assertions.</summary>
    public sealed record Decoded(ushort Id, ushort Flags, DnsResponseCode Code, string? QuestionName, DnsRecordType QuestionType, List<Rr> Records, bool HasEdns, int PayloadSize)
    {
        public bool Authoritative => (Flags & DnsHeader.AuthoritativeFlag) != 0;

        public bool Truncated => (Flags & DnsHeader.TruncatedFlag) != 0;

        public IEnumerable<Rr> Answers => Records.Where(r => r.Section == DnsSection.Answer);

        public IEnumerable<Rr> Authority => Records.Where(r => r.Section == DnsSection.Authority);
    }

    public sealed record Rr(DnsSection Section, string Name, DnsRecordType Type, uint Ttl, string Data);

    public static Decoded Decode(byte[] message)
    {
        Assert.Equal(DnsParseStatus.Ok, DnsReader.TryRead(message, out DnsReader reader));
        Span<byte> name = stackalloc byte[255];
        string? questionName = null;
        DnsRecordType questionType = 0;
        if (reader.TryGetFirstQuestion(name, false, out int length, out DnsRecordType type, out _))
        {
            questionName = DnsName.ToText(name[..length]);
            questionType = type;
        }

        List<Rr> records = [];
        foreach (DnsRecord record in reader.Records)
        {
            Assert.True(DnsName.TryDecode(message, record.NameOffset, name, false, out int owner, out _));
            string data = record.Type switch
            {
                DnsRecordType.A or DnsRecordType.AAAA when record.Data.Length is 4 or 16 => new IPAddress(record.Data).ToString(),
                DnsRecordType.PTR or DnsRecordType.SOA => DecodeName(message, record.DataOffset) ?? Convert.ToHexString(record.Data),
                _ => Convert.ToHexString(record.Data),
            };
            records.Add(new Rr(record.Section, DnsName.ToText(name[..owner]), record.Type, record.Ttl, data));
        }

        return new Decoded(reader.Id, reader.Flags, reader.ResponseCode, questionName, questionType, records, reader.HasEdns, reader.HasEdns ? reader.EdnsUdpPayloadSize : 0);
    }

    private static string? DecodeName(byte[] message, int offset)
    {
        Span<byte> name = stackalloc byte[255];
        return DnsName.TryDecode(message, offset, name, false, out int length, out _) ? DnsName.ToText(name[..length]) : null;
    }
}
