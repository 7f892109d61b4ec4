using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Dns;

namespace Qdhcp.Fuzz;

/// <summary>Dhcp4Reader.TryRead, then every accessor and option lookup of an accepted message.</summary>
public static class Dhcp4ReaderTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        if (Dhcp4Reader.TryRead(data, out Dhcp4Reader reader) != Dhcp4ParseStatus.Ok)
        {
            return;
        }

        _ = reader.Op;
        _ = reader.Xid;
        _ = reader.Secs;
        _ = reader.BroadcastRequested;
        _ = reader.Ciaddr;
        _ = reader.Yiaddr;
        _ = reader.Siaddr;
        _ = reader.Giaddr;
        _ = reader.Chaddr;
        _ = reader.HasEthernetAddress;
        _ = reader.ClientMac;
        _ = reader.Sname;
        _ = reader.File;
        _ = reader.MessageType;
        _ = reader.MaximumReplyLength;
        Span<bool> seen = stackalloc bool[256];
        foreach (Dhcp4Option option in reader.Options)
        {
            seen[option.Code] = true;
            Check.That(option.Data.Length <= 255, "an option instance longer than 255 bytes");
        }

        Span<byte> scratch = stackalloc byte[data.Length];
        for (int code = 1; code < 255; code++)
        {
            // A split option (RFC 3396) reads as absent with isSplit set; either way the enumerator must have seen it.
            bool found = reader.TryGetOption((Dhcp4OptionCode)code, out _, out bool isSplit);
            Check.That((found || isSplit) == seen[code], $"TryGetOption({code}) disagrees with the enumerator");
            if (found)
            {
                Check.That(reader.TryGetConcatenatedOption((Dhcp4OptionCode)code, scratch, out _), $"option {code} does not concatenate into a datagram-sized buffer");
            }
        }
    }
}

/// <summary>DnsReader.TryRead, then the header fields, every question and record of an accepted message.</summary>
public static class DnsReaderTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        if (DnsReader.TryRead(data, out DnsReader reader) != DnsParseStatus.Ok)
        {
            return;
        }

        _ = reader.Id;
        _ = reader.Opcode;
        _ = reader.ResponseCode;
        _ = reader.EdnsUdpPayloadSize;
        _ = reader.EdnsVersion;
        _ = reader.EdnsDnssecOk;
        _ = reader.EdnsOptions;
        Span<byte> name = stackalloc byte[256];
        Span<char> text = stackalloc char[1100];
        int questions = 0;
        foreach (DnsQuestion q in reader.Questions)
        {
            _ = q.Type;
            questions++;
        }

        Check.That(questions == reader.QuestionCount, "question enumerator count differs from QDCOUNT");
        if (questions > 0)
        {
            Check.That(reader.TryGetFirstQuestion(name, lowerCase: true, out int nameLength, out _, out _), "first question of an accepted message does not decode");
            Check.That(DnsName.TryFormat(name[..nameLength], text, out _), "a decoded name does not format");
        }

        int records = 0;
        foreach (DnsRecord r in reader.Records)
        {
            _ = r.Data.Length;
            Check.That(DnsName.TryDecode(data, r.NameOffset, name, lowerCase: false, out int length, out _), "an accepted record's owner name does not decode");
            Check.That(DnsName.TryFormat(name[..length], text, out _), "a decoded owner name does not format");
            records++;
        }

        Check.That(records == reader.AnswerCount + reader.AuthorityCount + reader.AdditionalCount, "record enumerator count differs from the header counts");
    }
}
