using CsCheck;
using Qdhcp.Wire.Dns;
using static Qdhcp.Dns.Tests.DnsTestMessages;

namespace Qdhcp.Dns.Tests;

/// <summary>CsCheck properties: the codec and the responder never throw; what the writer writes, the reader reads back.</summary>
public sealed class DnsPropertyTests
{
    private static readonly DnsResponder Responder = new(SeedZone(), new DnsResponderOptions(CanForward: true));

    private static readonly Gen<string> Label = Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"].Array[1, 20].Select(c => new string(c));
    private static readonly Gen<string> Name = Label.Array[1, 5].Select(l => string.Join('.', l));

    [Fact]
    public void RandomBytes_ReaderAndResponder_NeverThrow()
    {
        Gen.Byte.Array[0, 600].Sample(bytes =>
        {
            DnsParseStatus status = DnsReader.TryRead(bytes, out DnsReader reader);
            if (status == DnsParseStatus.Ok)
            {
                foreach (DnsQuestion q in reader.Questions)
                {
                    _ = q.Type;
                }

                foreach (DnsRecord r in reader.Records)
                {
                    _ = r.Data.Length;
                }
            }

            byte[] response = new byte[4096];
            DnsResult result = Responder.Process(Context(), bytes, response);
            Assert.InRange(result.Length, 0, 512);
            if (result.Action == DnsAction.Reply)
            {
                Assert.Equal(DnsParseStatus.Ok, DnsReader.TryRead(response.AsSpan(0, result.Length), out _));
            }
        }, iter: 20_000);
    }

    [Fact]
    public void MutatedQueries_ResponderNeverThrows_RepliesParse()
    {
        Gen<byte[]> queries = Gen.Select(Name, Gen.Enum<DnsRecordType>(), Gen.Bool, (name, type, edns) => Query(name, type, edns: edns));
        Gen.Select(queries, Gen.Int[0, 1000], Gen.Byte, Gen.Int[0, 3]).Sample((query, position, value, cut) =>
        {
            byte[] mutated = (byte[])query.Clone();
            mutated[position % mutated.Length] = value;
            mutated = mutated[..Math.Max(0, mutated.Length - cut)];
            byte[] response = new byte[4096];
            DnsResult result = Responder.Process(Context(), mutated, response);
            if (result.Action == DnsAction.Reply)
            {
                Assert.Equal(DnsParseStatus.Ok, DnsReader.TryRead(response.AsSpan(0, result.Length), out DnsReader reader));
                Assert.True(reader.IsResponse);
                Assert.Equal(mutated[0] << 8 | mutated[1], reader.Id);
            }
        }, iter: 20_000);
    }

    [Fact]
    public void WrittenMessage_ReadsBack()
    {
        Gen<(string Name, ushort Type, uint Ttl, byte[] Data)> record = Gen.Select(Name, Gen.UShort[1, 300], Gen.UInt, Gen.Byte.Array[0, 40], (n, t, ttl, d) => (n, t == 41 ? (ushort)42 : t, ttl, d));
        Gen.Select(Name, record.Array[0, 12], Gen.UShort).Sample((question, records, id) =>
        {
            byte[] buffer = new byte[4096];
            var writer = new DnsWriter(buffer, buffer.Length);
            writer.WriteHeader(id, DnsHeader.ResponseFlag);
            Assert.True(writer.TryWriteQuestion(DnsName.Encode(question)!, DnsRecordType.A, DnsClass.IN));
            foreach ((string name, ushort type, uint ttl, byte[] data) in records)
            {
                Assert.True(writer.TryWriteRecord(DnsSection.Answer, DnsName.Encode(name)!, (DnsRecordType)type, 1, ttl, data));
            }

            Decoded decoded = Decode(buffer[..writer.BytesWritten]);
            Assert.Equal(id, decoded.Id);
            Assert.Equal(question + ".", decoded.QuestionName);
            Assert.Equal(records.Length, decoded.Records.Count);
            Assert.Equal(DnsParseStatus.Ok, DnsReader.TryRead(buffer.AsSpan(0, writer.BytesWritten), out DnsReader reader));
            int i = 0;
            foreach (DnsRecord r in reader.Records)
            {
                // Compression matches suffixes case-insensitively (RFC 4343), so a suffix may come back in an earlier name's case.
                Assert.Equal(records[i].Name + ".", decoded.Records[i].Name, ignoreCase: true);
                Assert.Equal(records[i].Type, (ushort)r.Type);
                Assert.Equal(records[i].Ttl, r.Ttl);
                Assert.True(r.Data.SequenceEqual(records[i].Data));
                i++;
            }
        }, iter: 5_000);
    }

    [Fact]
    public void Compression_NeverLongerThanUncompressed()
    {
        Gen.Select(Name, Name.Array[1, 10]).Sample((question, names) =>
        {
            byte[] buffer = new byte[8192];
            var writer = new DnsWriter(buffer, buffer.Length);
            writer.WriteHeader(1, 0);
            byte[] q = DnsName.Encode(question)!;
            Assert.True(writer.TryWriteQuestion(q, DnsRecordType.A, DnsClass.IN));
            int uncompressed = 12 + q.Length + 4;
            foreach (string n in names)
            {
                byte[] wire = DnsName.Encode(n)!;
                Assert.True(writer.TryWriteNameRecord(DnsSection.Answer, wire, DnsRecordType.PTR, 0, q));
                uncompressed += (2 * wire.Length) + 10 + q.Length - wire.Length;
            }

            Assert.True(writer.BytesWritten <= uncompressed);
            Assert.Equal(names.Length, Decode(buffer[..writer.BytesWritten]).Answers.Count());
        }, iter: 2_000);
    }
}
