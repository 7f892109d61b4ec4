using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Qdhcp.Dns;
using Qdhcp.Wire.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Transport.Dns;

/// <summary>The DNS transport's log messages: fixed event ids; per query only with <c>--log-queries</c>.</summary>
internal static partial class DnsLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "DNS on {Address}:{Port} ({Interface}), UDP and TCP")]
    public static partial void Listening(ILogger logger, IPv4Address address, int port, string @interface);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "DNS on {Address}:{Port} ({Interface}) stopped: the address is gone")]
    public static partial void Stopped(ILogger logger, IPv4Address address, int port, string @interface);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Cannot listen for DNS on {Address}:{Port} ({Interface}): {Error}. Will retry while the address exists.")]
    public static partial void BindFailed(ILogger logger, IPv4Address address, int port, string @interface, string error);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "DNS receive on {Address} failed: {Error}")]
    public static partial void ReceiveFailed(ILogger logger, IPv4Address address, SocketError error);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "DNS send to {Client} failed: {Error}")]
    public static partial void SendFailed(ILogger logger, IPv4Address client, SocketError error);

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "query[{Type}] {Name} from {Client}{Transport}: {Outcome} {Code}, {Answers} answers{Detail}")]
    public static partial void Query(ILogger logger, string type, string name, IPv4Address client, string transport, DnsOutcome outcome, DnsResponseCode code, int answers, string detail);

    [LoggerMessage(EventId = 311, Level = LogLevel.Information, Message = "forwarded {Name} from {Client} to {Upstream}: {Code}")]
    public static partial void Forwarded(ILogger logger, string name, IPv4Address client, EndPoint? upstream, DnsResponseCode code);

    [LoggerMessage(EventId = 312, Level = LogLevel.Warning, Message = "forwarding {Name} from {Client} failed: no upstream answered; SERVFAIL")]
    public static partial void ForwardFailed(ILogger logger, string name, IPv4Address client);

    [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "Too many DNS queries being forwarded ({Count}); dropped one from {Client}")]
    public static partial void ForwardOverload(ILogger logger, int count, IPv4Address client);

    /// <summary>The question of a query as text, for logs only (allocates).</summary>
    public static (string Type, string Name) Describe(ReadOnlySpan<byte> query)
    {
        if (DnsReader.TryRead(query, out DnsReader reader) != DnsParseStatus.Ok)
        {
            return ("?", "(malformed)");
        }

        Span<byte> name = stackalloc byte[DnsHeader.MaximumNameLength];
        return reader.TryGetFirstQuestion(name, lowerCase: false, out int length, out DnsRecordType type, out _)
            ? (Enum.IsDefined(type) ? type.ToString() : ((ushort)type).ToString(System.Globalization.CultureInfo.InvariantCulture), DnsName.ToText(name[..length]))
            : ("?", "(no question)");
    }
}
