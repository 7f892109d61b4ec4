using Qdhcp.Wire.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Dns;

/// <summary>What the responder needs to know about a query besides its bytes. No sockets.</summary>
/// <param name="Client">The source address of the query.</param>
/// <param name="OverTcp">True over TCP (the response may then be up to 65535 bytes); false over UDP.</param>
/// <param name="LocalSubnets">The subnets of the interfaces served: who counts as a local client, and which reverse zones are ours.</param>
public readonly record struct DnsRequestContext(IPv4Address Client, bool OverTcp, IPv4Subnet[] LocalSubnets)
{
    /// <summary>True when <see cref="Client"/> is on one of <see cref="LocalSubnets"/>.</summary>
    public bool ClientIsLocal
    {
        get
        {
            IPv4Subnet[] subnets = LocalSubnets ?? [];
            for (int i = 0; i < subnets.Length; i++)
            {
                if (subnets[i].Contains(Client))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>How the responder behaves, from dnsmasq's options.</summary>
/// <param name="LocalServiceOnly"><c>--local-service</c>: refuse every query from a client not on a local subnet.</param>
/// <param name="CanForward">Upstream servers are configured (<c>--server</c>): names that are not local are forwarded (for local clients only).</param>
/// <param name="UdpPayloadSize">The UDP payload size we advertise in OPT (RFC 6891; 1232 as DNS flag day 2020 suggests).</param>
public sealed record DnsResponderOptions(bool LocalServiceOnly = false, bool CanForward = false, ushort UdpPayloadSize = 1232);

/// <summary>What to do with a query.</summary>
public enum DnsAction : byte
{
    /// <summary>Send nothing (shorter than a header, or a response rather than a query).</summary>
    Drop,

    /// <summary>Send the <see cref="DnsResult.Length"/> bytes written to the response buffer.</summary>
    Reply,

    /// <summary>Forward the query to the upstream servers and relay their answer; nothing was written.</summary>
    Forward,
}

/// <summary>What the responder decided, for logs and counters.</summary>
public enum DnsOutcome : byte
{
    Dropped,

    /// <summary>A local name with records of the asked type.</summary>
    Answered,

    /// <summary>A local name without records of the asked type (NOERROR, no answers, SOA in authority).</summary>
    NoData,

    /// <summary>NXDOMAIN: an unknown name inside the local domain or a local reverse zone.</summary>
    NameError,

    /// <summary>REFUSED: see <see cref="DnsResult.Refusal"/>.</summary>
    Refused,

    FormatError,

    NotImplemented,

    /// <summary>BADVERS: an EDNS version other than 0.</summary>
    BadVersion,

    /// <summary>Not a local name: forwarded upstream.</summary>
    Forwarded,
}

/// <summary>Why a query was refused.</summary>
public enum DnsRefusal : byte
{
    None,

    /// <summary><c>--local-service</c> and the client is not on a local subnet; or a non-local client asked for a name we would have to forward.</summary>
    NotLocalClient,

    /// <summary>The name is not local and there is no upstream (<c>--no-resolv</c> without <c>--server</c>).</summary>
    NoUpstream,

    /// <summary>Zone transfers (AXFR/IXFR) are not served.</summary>
    ZoneTransfer,
}

/// <summary>The responder's decision on one query.</summary>
/// <param name="Action">Reply, forward or drop.</param>
/// <param name="Length">Bytes of response written (for <see cref="DnsAction.Reply"/>).</param>
/// <param name="Outcome">What kind of answer.</param>
/// <param name="ResponseCode">The response code sent.</param>
/// <param name="QuestionType">The type asked for (0 when unreadable).</param>
/// <param name="AnswerCount">Records in the answer section.</param>
/// <param name="Truncated">TC was set: the answer did not fit the client's UDP size.</param>
/// <param name="Refusal">Why, when <see cref="Outcome"/> is <see cref="DnsOutcome.Refused"/>.</param>
public readonly record struct DnsResult(
    DnsAction Action,
    int Length,
    DnsOutcome Outcome,
    DnsResponseCode ResponseCode,
    DnsRecordType QuestionType,
    int AnswerCount,
    bool Truncated,
    DnsRefusal Refusal = DnsRefusal.None)
{
    public static DnsResult Dropped => new(DnsAction.Drop, 0, DnsOutcome.Dropped, DnsResponseCode.NoError, 0, 0, false);
}
