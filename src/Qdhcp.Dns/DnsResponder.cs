using System.Buffers.Binary;
using Qdhcp.Wire.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Dns;

/// <summary>
/// Answers one network's DNS queries from a <see cref="DnsZone"/> snapshot: pure, synchronous, no allocation per
/// query. The transport awaits a datagram, calls <see cref="Process"/>, and sends what was written, or forwards the
/// query when told to.
/// </summary>
/// <remarks>
/// The decision, in order:
/// <list type="number">
/// <item>Shorter than a header, or a response (QR set): dropped, never answered (no reflection loops).</item>
/// <item>Malformed (counts past the end, bad names, bad OPT), or not exactly one question: FORMERR with the ID.
/// An opcode other than QUERY: NOTIMP. EDNS version above 0: BADVERS (RFC 6891 §6.1.3).</item>
/// <item><c>--local-service</c> and the client is not on a served subnet: REFUSED.</item>
/// <item>Class other than IN/ANY: NOTIMP. AXFR/IXFR: REFUSED.</item>
/// <item>A local name (see <see cref="Classify"/>): A/AAAA/PTR/SOA answers, NODATA or NXDOMAIN, authoritative (AA),
/// with the zone's SOA in the authority section for negative answers (RFC 2308 §3). TTL 0, as dnsmasq's local-ttl
/// default: records of a deleted port must not outlive it in caches.</item>
/// <item>Any other name: forwarded when upstreams exist and the client is local (never an open resolver), else
/// REFUSED.</item>
/// </list>
/// The question is echoed with the client's case; answer owners are pointers to it. A response that does not fit the
/// client's limit (512, its EDNS payload size, or 65535 over TCP) keeps only the question and sets TC (RFC 2181 §9).
/// </remarks>
public sealed class DnsResponder
{
    private const uint LocalTtl = 0;
    private const uint SoaRefresh = 1200;
    private const uint SoaRetry = 180;
    private const uint SoaExpire = 1209600;
    private const uint SoaMinimum = 0;

    private static ReadOnlySpan<byte> InAddrArpa => [7, (byte)'i', (byte)'n', (byte)'-', (byte)'a', (byte)'d', (byte)'d', (byte)'r', 4, (byte)'a', (byte)'r', (byte)'p', (byte)'a', 0];

    private static ReadOnlySpan<byte> Ip6Arpa => [3, (byte)'i', (byte)'p', (byte)'6', 4, (byte)'a', (byte)'r', (byte)'p', (byte)'a', 0];

    private static ReadOnlySpan<byte> HostmasterLabel => [10, (byte)'h', (byte)'o', (byte)'s', (byte)'t', (byte)'m', (byte)'a', (byte)'s', (byte)'t', (byte)'e', (byte)'r'];

    private DnsZone _zone;

    public DnsResponder(DnsZone zone, DnsResponderOptions options)
    {
        _zone = zone;
        Options = options;
    }

    public DnsResponderOptions Options { get; }

    /// <summary>The names served now; replaced whole on reload (readers see the old or the new snapshot).</summary>
    public DnsZone Zone
    {
        get => Volatile.Read(ref _zone);
        set => Volatile.Write(ref _zone, value);
    }

    /// <summary>Decides on one query and writes the response into <paramref name="response"/> (512 bytes at least). Never throws on any input.</summary>
    public DnsResult Process(in DnsRequestContext context, ReadOnlySpan<byte> query, Span<byte> response)
    {
        if (query.Length < DnsHeader.Length || response.Length < DnsHeader.ClassicUdpLimit)
        {
            return DnsResult.Dropped;
        }

        ushort id = BinaryPrimitives.ReadUInt16BigEndian(query);
        ushort queryFlags = BinaryPrimitives.ReadUInt16BigEndian(query[DnsHeader.FlagsOffset..]);
        if ((queryFlags & DnsHeader.ResponseFlag) != 0)
        {
            return DnsResult.Dropped;
        }

        ushort flags = (ushort)(DnsHeader.ResponseFlag | (queryFlags & (DnsHeader.OpcodeMask | DnsHeader.RecursionDesiredFlag | DnsHeader.CheckingDisabledFlag)));
        if (Options.CanForward)
        {
            flags |= DnsHeader.RecursionAvailableFlag;
        }

        DnsParseStatus status = DnsReader.TryRead(query, out DnsReader reader);
        if (status != DnsParseStatus.Ok)
        {
            return HeaderOnly(response, id, flags, DnsResponseCode.FormatError, DnsOutcome.FormatError);
        }

        if (reader.Opcode != DnsOpcode.Query)
        {
            return HeaderOnly(response, id, flags, DnsResponseCode.NotImplemented, DnsOutcome.NotImplemented);
        }

        Span<byte> name = stackalloc byte[DnsHeader.MaximumNameLength];
        Span<byte> key = stackalloc byte[DnsHeader.MaximumNameLength];
        if (reader.QuestionCount != 1
            || !reader.TryGetFirstQuestion(name, lowerCase: false, out int nameLength, out DnsRecordType type, out DnsClass @class))
        {
            return HeaderOnly(response, id, flags, DnsResponseCode.FormatError, DnsOutcome.FormatError);
        }

        name = name[..nameLength];
        key = key[..nameLength];
        DnsName.ToLower(name, key);

        int limit = context.OverTcp ? DnsHeader.MaximumTcpLength : reader.HasEdns ? reader.EdnsUdpPayloadSize : DnsHeader.ClassicUdpLimit;
        var writer = new DnsWriter(response, limit);
        writer.WriteHeader(id, flags);
        if (!writer.TryWriteQuestion(name, type, @class))
        {
            return HeaderOnly(response, id, flags, DnsResponseCode.FormatError, DnsOutcome.FormatError);
        }

        // Room for our OPT record (11 bytes) is kept back while the answer is written.
        bool edns = reader.HasEdns;
        bool dnssecOk = reader.EdnsDnssecOk;
        if (edns && reader.EdnsVersion != 0)
        {
            return Finish(ref writer, DnsResponseCode.BadVersion, DnsOutcome.BadVersion, type, edns, dnssecOk, truncated: false);
        }

        bool clientIsLocal = context.ClientIsLocal;
        if (Options.LocalServiceOnly && !clientIsLocal)
        {
            return Finish(ref writer, DnsResponseCode.Refused, DnsOutcome.Refused, type, edns, dnssecOk, truncated: false, DnsRefusal.NotLocalClient);
        }

        if (@class is not (DnsClass.IN or DnsClass.ANY))
        {
            return Finish(ref writer, DnsResponseCode.NotImplemented, DnsOutcome.NotImplemented, type, edns, dnssecOk, truncated: false);
        }

        if (type is DnsRecordType.AXFR or DnsRecordType.IXFR)
        {
            return Finish(ref writer, DnsResponseCode.Refused, DnsOutcome.Refused, type, edns, dnssecOk, truncated: false, DnsRefusal.ZoneTransfer);
        }

        DnsZone zone = Zone;
        LocalName local = Classify(zone, key, context.LocalSubnets ?? []);
        if (local.Kind == LocalKind.NotLocal)
        {
            if (!Options.CanForward)
            {
                return Finish(ref writer, DnsResponseCode.Refused, DnsOutcome.Refused, type, edns, dnssecOk, truncated: false, DnsRefusal.NoUpstream);
            }

            if (!clientIsLocal)
            {
                return Finish(ref writer, DnsResponseCode.Refused, DnsOutcome.Refused, type, edns, dnssecOk, truncated: false, DnsRefusal.NotLocalClient);
            }

            return new DnsResult(DnsAction.Forward, 0, DnsOutcome.Forwarded, DnsResponseCode.NoError, type, 0, false);
        }

        writer.Flags |= DnsHeader.AuthoritativeFlag;
        DnsWriterMark afterQuestion = writer.Mark();
        int reserve = edns ? 11 : 0;
        bool fits = WriteAnswers(ref writer, zone, local, name, type, out int answerCount);
        if (fits && writer.BytesWritten > writer.Limit - reserve)
        {
            fits = false;
        }

        if (!fits)
        {
            writer.Reset(afterQuestion);
            writer.Flags |= DnsHeader.TruncatedFlag;
            return Finish(ref writer, DnsResponseCode.NoError, DnsOutcome.Answered, type, edns, dnssecOk, truncated: true);
        }

        DnsOutcome outcome = answerCount > 0 ? DnsOutcome.Answered : local.Kind == LocalKind.NameError ? DnsOutcome.NameError : DnsOutcome.NoData;
        if (answerCount == 0 && local.ZoneStart != -1)
        {
            // RFC 2308 §3: the zone's SOA in the authority section of a negative answer. Optional if it does not fit.
            DnsWriterMark beforeSoa = writer.Mark();
            if (!WriteSoa(ref writer, DnsSection.Authority, local.ZoneName(zone, key), zone.Serial) || writer.BytesWritten > writer.Limit - reserve)
            {
                writer.Reset(beforeSoa);
            }
        }

        DnsResponseCode code = local.Kind == LocalKind.NameError ? DnsResponseCode.NameError : DnsResponseCode.NoError;
        return Finish(ref writer, code, outcome, type, edns, dnssecOk, truncated: false, answerCount: answerCount);
    }

    /// <summary>
    /// SERVFAIL for a query whose forwarding failed (every upstream timed out). Echoes ID and question; the same
    /// limits as <see cref="Process"/>. Returns 0 when the query cannot be answered at all.
    /// </summary>
    public int WriteServerFailure(ReadOnlySpan<byte> query, Span<byte> response, bool overTcp)
    {
        if (query.Length < DnsHeader.Length || DnsReader.TryRead(query, out DnsReader reader) != DnsParseStatus.Ok || response.Length < DnsHeader.ClassicUdpLimit)
        {
            return 0;
        }

        Span<byte> name = stackalloc byte[DnsHeader.MaximumNameLength];
        if (!reader.TryGetFirstQuestion(name, lowerCase: false, out int nameLength, out DnsRecordType type, out DnsClass @class))
        {
            return 0;
        }

        ushort flags = (ushort)(DnsHeader.ResponseFlag | (reader.Flags & (DnsHeader.OpcodeMask | DnsHeader.RecursionDesiredFlag)) | DnsHeader.RecursionAvailableFlag);
        var writer = new DnsWriter(response, overTcp ? DnsHeader.MaximumTcpLength : reader.EdnsUdpPayloadSize);
        writer.WriteHeader(reader.Id, flags);
        if (!writer.TryWriteQuestion(name[..nameLength], type, @class))
        {
            return 0;
        }

        return Finish(ref writer, DnsResponseCode.ServerFailure, DnsOutcome.Forwarded, type, reader.HasEdns, reader.EdnsDnssecOk, truncated: false).Length;
    }

    private DnsResult Finish(ref DnsWriter writer, DnsResponseCode code, DnsOutcome outcome, DnsRecordType type, bool edns, bool dnssecOk, bool truncated, DnsRefusal refusal = DnsRefusal.None, int answerCount = 0)
    {
        writer.SetResponseCode(code);
        if (edns)
        {
            _ = writer.TryWriteOpt(Options.UdpPayloadSize, code, dnssecOk);
        }

        return new DnsResult(DnsAction.Reply, writer.BytesWritten, outcome, code, type, answerCount, truncated, refusal);
    }

    private static DnsResult HeaderOnly(Span<byte> response, ushort id, ushort flags, DnsResponseCode code, DnsOutcome outcome)
    {
        var writer = new DnsWriter(response, DnsHeader.ClassicUdpLimit);
        writer.WriteHeader(id, (ushort)(flags & ~DnsHeader.RecursionAvailableFlag));
        writer.SetResponseCode(code);
        return new DnsResult(DnsAction.Reply, writer.BytesWritten, outcome, code, 0, 0, false);
    }

    private static bool WriteAnswers(ref DnsWriter writer, DnsZone zone, in LocalName local, scoped ReadOnlySpan<byte> name, DnsRecordType type, out int count)
    {
        count = 0;
        switch (local.Kind)
        {
            case LocalKind.Host:
                bool wantA = type is DnsRecordType.A or DnsRecordType.ANY;
                bool wantAaaa = type is DnsRecordType.AAAA or DnsRecordType.ANY;
                if (wantA)
                {
                    ReadOnlySpan<byte> v4 = zone.GetV4(local.Host);
                    for (int at = 0; at < v4.Length; at += 4)
                    {
                        ReadOnlySpan<byte> address = v4.Slice(at, 4);
                        if (!writer.TryWriteRecord(DnsSection.Answer, name, DnsRecordType.A, (ushort)DnsClass.IN, LocalTtl, address))
                        {
                            return false;
                        }

                        count++;
                    }
                }

                if (wantAaaa)
                {
                    ReadOnlySpan<byte> v6 = zone.GetV6(local.Host);
                    for (int at = 0; at < v6.Length; at += 16)
                    {
                        ReadOnlySpan<byte> address = v6.Slice(at, 16);
                        if (!writer.TryWriteRecord(DnsSection.Answer, name, DnsRecordType.AAAA, (ushort)DnsClass.IN, LocalTtl, address))
                        {
                            return false;
                        }

                        count++;
                    }
                }

                return true;

            case LocalKind.Reverse:
                if (type is DnsRecordType.PTR or DnsRecordType.ANY)
                {
                    if (!writer.TryWriteNameRecord(DnsSection.Answer, name, DnsRecordType.PTR, LocalTtl, local.Target.Span))
                    {
                        return false;
                    }

                    count++;
                }

                return true;

            case LocalKind.Apex:
                if (type is DnsRecordType.SOA or DnsRecordType.ANY)
                {
                    if (!WriteSoa(ref writer, DnsSection.Answer, name, zone.Serial))
                    {
                        return false;
                    }

                    count++;
                }

                return true;

            default:
                return true;
        }
    }

    private static bool WriteSoa(ref DnsWriter writer, DnsSection section, scoped ReadOnlySpan<byte> zoneName, uint serial)
    {
        // MNAME is the zone itself (this server is the only one), RNAME hostmaster.<zone>.
        Span<byte> mailbox = stackalloc byte[DnsHeader.MaximumNameLength + 11];
        HostmasterLabel.CopyTo(mailbox);
        zoneName.CopyTo(mailbox[HostmasterLabel.Length..]);
        int mailboxLength = HostmasterLabel.Length + zoneName.Length;
        ReadOnlySpan<byte> rname = mailboxLength <= DnsHeader.MaximumNameLength ? mailbox[..mailboxLength] : zoneName;
        return writer.TryWriteSoaRecord(section, zoneName, LocalTtl, zoneName, rname, serial, SoaRefresh, SoaRetry, SoaExpire, SoaMinimum);
    }

    private enum LocalKind : byte
    {
        NotLocal,
        Host,
        Reverse,
        Apex,
        NoData,
        NameError,
    }

    /// <summary>Where a name stands in the local data; <see cref="ZoneStart"/> locates the zone's name inside the query's (-1 for no SOA, -2 for --domain).</summary>
    private readonly record struct LocalName(LocalKind Kind, int Host, ReadOnlyMemory<byte> Target, int ZoneStart)
    {
        public ReadOnlySpan<byte> ZoneName(DnsZone zone, ReadOnlySpan<byte> key) => ZoneStart == -2 ? zone.DomainKey : key[ZoneStart..];
    }

    /// <summary>
    /// Is the name ours, and what is it?
    /// <list type="bullet">
    /// <item>A host name (bare or FQDN, any case): Host. The domain itself: Apex. Any other name under the domain: NameError.
    /// Any other single-label name: NameError (a bare name is never sent upstream; dnsmasq's --domain-needed).</item>
    /// <item><c>d.c.b.a.in-addr.arpa</c>: Reverse when the address has a name. Otherwise, inside a served subnet's reverse
    /// zone (the subnet rounded down to whole octets: 10.10.10.in-addr.arpa for a /24): NameError for a missing
    /// address of the subnet, NoData for the zone apex and the names between it and the addresses.</item>
    /// <item><c>ip6.arpa</c> names: Reverse for an IPv6 addn-hosts address.</item>
    /// <item>Everything else is not local.</item>
    /// </list>
    /// </summary>
    private static LocalName Classify(DnsZone zone, ReadOnlySpan<byte> key, IPv4Subnet[] subnets)
    {
        byte[]? domain = zone.DomainKey;
        int domainStart = -1;
        bool inDomain = domain is not null && DnsName.IsSubdomainOf(key, domain, out domainStart);
        int host = zone.FindName(key);
        if (host >= 0)
        {
            // NODATA carries the domain's SOA for names in it and for bare names (answered as if in it); none otherwise.
            int zoneStart = inDomain ? domainStart : domain is not null && DnsName.LabelCount(key) == 1 ? -2 : -1;
            return new LocalName(LocalKind.Host, host, default, zoneStart);
        }

        if (inDomain)
        {
            return new LocalName(domainStart == 0 ? LocalKind.Apex : LocalKind.NameError, -1, default, domainStart);
        }

        int labels = DnsName.LabelCount(key);
        if (labels == 1)
        {
            return new LocalName(LocalKind.NameError, -1, default, -1);
        }

        if (DnsName.IsSubdomainOf(key, InAddrArpa, out int arpaStart))
        {
            return ClassifyReverse4(zone, key, arpaStart, subnets);
        }

        if (DnsName.IsSubdomainOf(key, Ip6Arpa, out arpaStart) && TryParseIp6Arpa(key[..arpaStart], out UInt128 address6)
            && zone.TryGetReverse(address6, out ReadOnlyMemory<byte> target6))
        {
            return new LocalName(LocalKind.Reverse, -1, target6, -1);
        }

        return default;
    }

    private static LocalName ClassifyReverse4(DnsZone zone, ReadOnlySpan<byte> key, int arpaStart, IPv4Subnet[] subnets)
    {
        // Read up to four numeric labels right to left (a.b.c.d of d.c.b.a.in-addr.arpa), remembering where each starts.
        Span<int> starts = stackalloc int[DnsHeader.MaximumNameLength / 2];
        int labelCount = 0;
        for (int i = 0; i < arpaStart; i += 1 + key[i])
        {
            starts[labelCount++] = i;
        }

        uint value = 0;
        int octets = 0;
        for (int l = labelCount - 1; l >= 0 && octets < 4; l--)
        {
            ReadOnlySpan<byte> label = key.Slice(starts[l] + 1, key[starts[l]]);
            if (!TryParseOctet(label, out byte octet))
            {
                break;
            }

            value |= (uint)octet << (24 - (8 * octets));
            octets++;
        }

        int extra = labelCount - octets;
        var address = new IPv4Address(value);
        if (octets == 4 && extra == 0 && zone.TryGetReverse(address, out ReadOnlyMemory<byte> target))
        {
            return new LocalName(LocalKind.Reverse, -1, target, ZoneStartFor(starts, labelCount, subnets, address, octets));
        }

        for (int s = 0; s < subnets.Length; s++)
        {
            IPv4Subnet subnet = subnets[s];
            int zoneOctets = Math.Max(1, subnet.PrefixLength / 8);
            if (octets < zoneOctets || (value >> (32 - (8 * zoneOctets))) != (subnet.Network.Value >> (32 - (8 * zoneOctets))))
            {
                continue;
            }

            int zoneStart = starts[labelCount - zoneOctets];
            if (octets == 4)
            {
                if (subnet.Contains(address))
                {
                    return new LocalName(LocalKind.NameError, -1, default, zoneStart);
                }

                continue;
            }

            // Fewer than four octets: inside the zone only when the zone is exactly the subnet (a prefix on an octet boundary).
            if (subnet.PrefixLength % 8 != 0)
            {
                continue;
            }

            if (extra > 0)
            {
                return new LocalName(LocalKind.NameError, -1, default, zoneStart);
            }

            return new LocalName(octets == zoneOctets ? LocalKind.Apex : LocalKind.NoData, -1, default, zoneStart);
        }

        return default;
    }

    private static int ZoneStartFor(Span<int> starts, int labelCount, IPv4Subnet[] subnets, IPv4Address address, int octets)
    {
        for (int s = 0; s < subnets.Length; s++)
        {
            int zoneOctets = Math.Max(1, subnets[s].PrefixLength / 8);
            if (subnets[s].Contains(address) && zoneOctets <= octets)
            {
                return starts[labelCount - zoneOctets];
            }
        }

        return -1;
    }

    private static bool TryParseOctet(ReadOnlySpan<byte> label, out byte octet)
    {
        octet = 0;
        if (label.Length is 0 or > 3 || (label.Length > 1 && label[0] == '0'))
        {
            return false;
        }

        int value = 0;
        foreach (byte b in label)
        {
            if ((uint)(b - '0') > 9)
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        if (value > 255)
        {
            return false;
        }

        octet = (byte)value;
        return true;
    }

    /// <summary>32 single-nibble labels, least significant first (RFC 3596 §2.5).</summary>
    private static bool TryParseIp6Arpa(ReadOnlySpan<byte> labels, out UInt128 address)
    {
        address = 0;
        if (labels.Length != 64)
        {
            return false;
        }

        for (int n = 0; n < 32; n++)
        {
            if (labels[2 * n] != 1)
            {
                return false;
            }

            int nibble = HexValue(labels[(2 * n) + 1]);
            if (nibble < 0)
            {
                return false;
            }

            address |= (UInt128)(uint)nibble << (4 * n);
        }

        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };
}
