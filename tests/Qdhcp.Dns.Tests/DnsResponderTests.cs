using System.Buffers.Binary;
using System.Net;
using Qdhcp.Wire.Dns;
using static Qdhcp.Dns.Tests.DnsTestMessages;

namespace Qdhcp.Dns.Tests;

public sealed class DnsResponderTests
{
    private static readonly DnsResponder Local = new(SeedZone(), new DnsResponderOptions());
    private static readonly DnsResponder Forwarding = new(SeedZone(), new DnsResponderOptions(CanForward: true));
    private static readonly DnsResponder LocalService = new(SeedZone(), new DnsResponderOptions(LocalServiceOnly: true, CanForward: true));

    [Theory]
    [InlineData("host-10-10-10-2.openstacklocal", "10.10.10.2")]
    [InlineData("HOST-10-10-10-2.OpenStackLocal.", "10.10.10.2")]
    [InlineData("host-10-10-10-5", "10.10.10.5")]
    [InlineData("vm7", "10.10.10.7")]
    [InlineData("far.example.net", "198.51.100.4")]
    public void A_LocalName_AuthoritativeAnswer_QuestionEchoed(string name, string address)
    {
        (DnsResult result, byte[] response) = Ask(Local, Query(name, DnsRecordType.A, id: 0xBEEF));
        Decoded d = Decode(response);
        Assert.Equal(DnsOutcome.Answered, result.Outcome);
        Assert.Equal(0xBEEF, d.Id);
        Assert.True(d.Authoritative);
        Assert.Equal(DnsResponseCode.NoError, d.Code);
        Assert.Equal(name.TrimEnd('.') + ".", d.QuestionName); // the client's case, kept (0x20 resolvers)
        Rr answer = Assert.Single(d.Answers);
        Assert.Equal((DnsRecordType.A, address, 0u), (answer.Type, answer.Data, answer.Ttl));
        Assert.Equal(d.QuestionName, answer.Name);
    }

    [Fact]
    public void Aaaa_Ipv6AddnHost_Answered()
    {
        Decoded d = Decode(Ask(Local, Query("vm7.openstacklocal", DnsRecordType.AAAA)).Response);
        Assert.Equal("fd00::7", Assert.Single(d.Answers).Data);
    }

    [Fact]
    public void Any_AnswersAAndAaaa()
    {
        Decoded d = Decode(Ask(Local, Query("vm7.openstacklocal", DnsRecordType.ANY)).Response);
        Assert.Equal(["10.10.10.7", "fd00::7"], d.Answers.Select(a => a.Data));
    }

    [Theory]
    [InlineData("2.10.10.10.in-addr.arpa", "host-10-10-10-2.openstacklocal.")]
    [InlineData("7.10.10.10.IN-ADDR.ARPA", "vm7.openstacklocal.")]
    [InlineData("4.100.51.198.in-addr.arpa", "far.example.net.")]
    [InlineData("7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", "vm7.openstacklocal.")]
    public void Ptr_KnownAddress_Answered(string name, string target)
    {
        Decoded d = Decode(Ask(Local, Query(name, DnsRecordType.PTR)).Response);
        Rr answer = Assert.Single(d.Answers);
        Assert.Equal((DnsRecordType.PTR, target), (answer.Type, answer.Data));
        Assert.True(d.Authoritative);
    }

    [Fact]
    public void UnknownNameInDomain_NxDomainWithSoa()
    {
        (DnsResult result, byte[] response) = Ask(Forwarding, Query("nope.openstacklocal", DnsRecordType.A));
        Decoded d = Decode(response);
        Assert.Equal(DnsOutcome.NameError, result.Outcome);
        Assert.Equal(DnsResponseCode.NameError, d.Code);
        Assert.True(d.Authoritative);
        Rr soa = Assert.Single(d.Authority);
        Assert.Equal((DnsRecordType.SOA, "openstacklocal.", "openstacklocal."), (soa.Type, soa.Name, soa.Data));
    }

    [Fact]
    public void UnknownAddressInSubnet_ReverseNxDomainWithZoneSoa()
    {
        Decoded d = Decode(Ask(Forwarding, Query("99.10.10.10.in-addr.arpa", DnsRecordType.PTR)).Response);
        Assert.Equal(DnsResponseCode.NameError, d.Code);
        Assert.Equal("10.10.10.in-addr.arpa.", Assert.Single(d.Authority).Name);
    }

    [Fact]
    public void ReverseZoneApex_SoaAnswered()
    {
        Decoded d = Decode(Ask(Local, Query("10.10.10.in-addr.arpa", DnsRecordType.SOA)).Response);
        Assert.Equal(DnsRecordType.SOA, Assert.Single(d.Answers).Type);
    }

    [Theory]
    [InlineData("host-10-10-10-2.openstacklocal", DnsRecordType.MX)]
    [InlineData("host-10-10-10-2", DnsRecordType.AAAA)]
    [InlineData("openstacklocal", DnsRecordType.A)]
    public void KnownNameOtherType_NoDataWithSoa(string name, DnsRecordType type)
    {
        (DnsResult result, byte[] response) = Ask(Local, Query(name, type));
        Decoded d = Decode(response);
        Assert.Equal(DnsOutcome.NoData, result.Outcome);
        Assert.Equal(DnsResponseCode.NoError, d.Code);
        Assert.Empty(d.Answers);
        Assert.Equal(DnsRecordType.SOA, Assert.Single(d.Authority).Type);
    }

    [Fact]
    public void UnknownBareName_NxDomain_NeverForwarded()
    {
        (DnsResult result, _) = Ask(Forwarding, Query("nosuchhost", DnsRecordType.A));
        Assert.Equal(DnsOutcome.NameError, result.Outcome);
    }

    [Fact]
    public void OtherName_NoUpstream_Refused()
    {
        (DnsResult result, byte[] response) = Ask(Local, Query("example.com", DnsRecordType.A));
        Assert.Equal((DnsOutcome.Refused, DnsRefusal.NoUpstream), (result.Outcome, result.Refusal));
        Decoded d = Decode(response);
        Assert.Equal(DnsResponseCode.Refused, d.Code);
        Assert.Equal("example.com.", d.QuestionName);
        Assert.Equal(0, d.Flags & DnsHeader.RecursionAvailableFlag);
    }

    [Fact]
    public void OtherName_WithUpstream_LocalClient_Forward()
    {
        (DnsResult result, _) = Ask(Forwarding, Query("example.com", DnsRecordType.A));
        Assert.Equal(DnsAction.Forward, result.Action);
        Assert.Equal(0, result.Length);
        (DnsResult reverse, _) = Ask(Forwarding, Query("1.2.0.192.in-addr.arpa", DnsRecordType.PTR));
        Assert.Equal(DnsAction.Forward, reverse.Action);
    }

    [Fact]
    public void OtherName_WithUpstream_OutsideClient_RefusedNotForwarded()
    {
        (DnsResult result, _) = Ask(Forwarding, Query("example.com", DnsRecordType.A), Context(Outsider));
        Assert.Equal((DnsAction.Reply, DnsOutcome.Refused, DnsRefusal.NotLocalClient), (result.Action, result.Outcome, result.Refusal));
        // Without --local-service, local names still answer anyone who reaches the address.
        Assert.Equal(DnsOutcome.Answered, Ask(Forwarding, Query("host-10-10-10-2", DnsRecordType.A), Context(Outsider)).Result.Outcome);
    }

    [Fact]
    public void LocalService_OutsideClient_RefusedEvenForLocalNames()
    {
        (DnsResult result, byte[] response) = Ask(LocalService, Query("host-10-10-10-2", DnsRecordType.A), Context(Outsider));
        Assert.Equal((DnsOutcome.Refused, DnsRefusal.NotLocalClient), (result.Outcome, result.Refusal));
        Assert.Equal(DnsResponseCode.Refused, Decode(response).Code);
        Assert.Equal(DnsOutcome.Answered, Ask(LocalService, Query("host-10-10-10-2", DnsRecordType.A)).Result.Outcome);
    }

    [Fact]
    public void Response_IsDropped()
    {
        byte[] query = Query("host-10-10-10-2", DnsRecordType.A);
        query[2] |= 0x80;
        Assert.Equal(DnsAction.Drop, Ask(Local, query).Result.Action);
        Assert.Equal(DnsAction.Drop, Ask(Local, query[..11]).Result.Action);
    }

    [Fact]
    public void Malformed_FormErrWithId()
    {
        byte[] query = Query("host-10-10-10-2", DnsRecordType.A, id: 0x4242);
        (DnsResult result, byte[] response) = Ask(Local, query[..^3]);
        Assert.Equal(DnsOutcome.FormatError, result.Outcome);
        Assert.Equal(0x4242, BinaryPrimitives.ReadUInt16BigEndian(response));
        Assert.Equal((byte)DnsResponseCode.FormatError, response[3] & 0x0F);
        Assert.Equal(0x80, response[2] & 0x80);
    }

    [Fact]
    public void TwoQuestions_FormErr()
    {
        byte[] query = Query("host-10-10-10-2", DnsRecordType.A);
        byte[] two = [.. query, .. query[12..]];
        BinaryPrimitives.WriteUInt16BigEndian(two.AsSpan(4), 2);
        Assert.Equal(DnsOutcome.FormatError, Ask(Local, two).Result.Outcome);
    }

    [Fact]
    public void NotAQuery_NotImp()
    {
        byte[] query = Query("host-10-10-10-2", DnsRecordType.A);
        query[2] |= (byte)((int)DnsOpcode.Update << 3);
        Assert.Equal(DnsOutcome.NotImplemented, Ask(Local, query).Result.Outcome);
    }

    [Fact]
    public void ChaosClass_NotImp_AxfrRefused()
    {
        Assert.Equal(DnsOutcome.NotImplemented, Ask(Local, Query("version.bind", DnsRecordType.TXT, @class: DnsClass.CH)).Result.Outcome);
        Assert.Equal(DnsRefusal.ZoneTransfer, Ask(Local, Query("openstacklocal", DnsRecordType.AXFR)).Result.Refusal);
    }

    [Fact]
    public void Edns_OptEchoedWithOurSize()
    {
        Decoded d = Decode(Ask(Local, Query("host-10-10-10-2", DnsRecordType.A, edns: true, payload: 4096)).Response);
        Assert.True(d.HasEdns);
        Assert.Equal(1232, d.PayloadSize);
        Assert.False(Decode(Ask(Local, Query("host-10-10-10-2", DnsRecordType.A)).Response).HasEdns);
    }

    [Fact]
    public void Edns_Version1_BadVers()
    {
        (DnsResult result, byte[] response) = Ask(Local, Query("host-10-10-10-2", DnsRecordType.A, edns: true, version: 1));
        Assert.Equal(DnsOutcome.BadVersion, result.Outcome);
        Decoded d = Decode(response);
        Assert.Equal(DnsResponseCode.BadVersion, d.Code);
        Assert.Empty(d.Answers);
    }

    [Fact]
    public void ManyAddresses_OverUdpWithoutEdns_TruncatedTc_OverTcpWhole()
    {
        DnsHostName[] hosts = [.. Enumerable.Range(1, 60).Select(i => new DnsHostName("big.openstacklocal", IPAddress.Parse($"10.10.10.{i}"), false))];
        DnsResponder responder = new(DnsZone.Build("openstacklocal", hosts, 1), new DnsResponderOptions());
        byte[] query = Query("big.openstacklocal", DnsRecordType.A);

        (DnsResult udp, byte[] udpResponse) = Ask(responder, query);
        Assert.True(udp.Truncated);
        Assert.True(udpResponse.Length <= 512);
        Decoded d = Decode(udpResponse);
        Assert.True(d.Truncated);
        Assert.Empty(d.Answers);
        Assert.Equal("big.openstacklocal.", d.QuestionName);

        (DnsResult edns, _) = Ask(responder, Query("big.openstacklocal", DnsRecordType.A, edns: true, payload: 1232));
        Assert.False(edns.Truncated);
        Assert.Equal(60, edns.AnswerCount);

        (DnsResult tcp, byte[] tcpResponse) = Ask(responder, query, Context(tcp: true));
        Assert.False(tcp.Truncated);
        Assert.Equal(60, Decode(tcpResponse).Answers.Count());
    }

    [Fact]
    public void ServerFailure_EchoesQuestion()
    {
        byte[] query = Query("example.com", DnsRecordType.A, id: 77, edns: true);
        byte[] response = new byte[512];
        int length = Forwarding.WriteServerFailure(query, response, overTcp: false);
        Decoded d = Decode(response[..length]);
        Assert.Equal((77, DnsResponseCode.ServerFailure, "example.com."), (d.Id, d.Code, d.QuestionName));
        Assert.True(d.HasEdns);
    }

    [Fact]
    public void ZoneSwap_NewNamesAnswer_DeletedOnesGone()
    {
        DnsResponder responder = new(SeedZone(), new DnsResponderOptions());
        Assert.Equal(DnsOutcome.Answered, Ask(responder, Query("host-10-10-10-5", DnsRecordType.A)).Result.Outcome);
        responder.Zone = DnsZone.Build("openstacklocal", [new DnsHostName("host-10-10-10-9", IPAddress.Parse("10.10.10.9"), true)], 2);
        Assert.Equal(DnsOutcome.NameError, Ask(responder, Query("host-10-10-10-5.openstacklocal", DnsRecordType.A)).Result.Outcome);
        Assert.Equal(DnsOutcome.NameError, Ask(responder, Query("5.10.10.10.in-addr.arpa", DnsRecordType.PTR)).Result.Outcome);
        Assert.Equal(DnsOutcome.Answered, Ask(responder, Query("host-10-10-10-9.openstacklocal", DnsRecordType.A)).Result.Outcome);
    }

    [Fact]
    public void WarmResponder_AllocatesNothingPerQuery()
    {
        byte[][] queries =
        [
            Query("host-10-10-10-2.openstacklocal", DnsRecordType.A, edns: true),
            Query("HOST-10-10-10-5", DnsRecordType.A),
            Query("2.10.10.10.in-addr.arpa", DnsRecordType.PTR),
            Query("nope.openstacklocal", DnsRecordType.A),
            Query("example.com", DnsRecordType.A),
        ];
        byte[] response = new byte[4096];
        DnsRequestContext context = Context();
        foreach (byte[] q in queries)
        {
            Forwarding.Process(context, q, response);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            foreach (byte[] q in queries)
            {
                Forwarding.Process(context, q, response);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
