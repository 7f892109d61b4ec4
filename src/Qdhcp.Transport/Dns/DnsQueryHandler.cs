using System.Net;
using Microsoft.Extensions.Logging;
using Qdhcp.Dns;
using Qdhcp.Wire.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Transport.Dns;

/// <summary>
/// What the UDP and TCP listeners share: the responder, the forwarder, the current local subnets, logging. One per
/// server; thread-safe (the responder is pure, the zone and subnets are swapped snapshots).
/// </summary>
internal sealed class DnsQueryHandler(DnsResponder responder, DnsForwarder? forwarder, Func<IPv4Subnet[]> localSubnets, ILogger logger, bool logQueries)
{
    /// <summary>Forwards in flight at most; beyond that a query to forward is dropped (the client retries).</summary>
    public const int MaximumForwardsInFlight = 256;

    private int _forwardsInFlight;

    public DnsResponder Responder => responder;

    public ILogger Logger => logger;

    public DnsResult Process(IPv4Address client, bool overTcp, ReadOnlySpan<byte> query, Span<byte> response)
    {
        DnsResult result = responder.Process(new DnsRequestContext(client, overTcp, localSubnets()), query, response);
        if (logQueries)
        {
            LogQuery(client, overTcp, query, result);
        }

        return result;
    }

    /// <summary>
    /// Forwards and returns the answer to relay (the upstream's, or a SERVFAIL written into <paramref name="fallbackBuffer"/>),
    /// or an empty memory when nothing should be sent.
    /// </summary>
    public async Task<ReadOnlyMemory<byte>> ForwardAsync(IPv4Address client, bool overTcp, ReadOnlyMemory<byte> query, byte[] fallbackBuffer, CancellationToken cancellationToken)
    {
        if (forwarder is null)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        int inFlight = Interlocked.Increment(ref _forwardsInFlight);
        try
        {
            if (inFlight > MaximumForwardsInFlight)
            {
                DnsLog.ForwardOverload(logger, inFlight, client);
                return ReadOnlyMemory<byte>.Empty;
            }

            DnsForwardResult result = await forwarder.ForwardAsync(query, overTcp, cancellationToken).ConfigureAwait(false);
            if (result.Answered)
            {
                if (logQueries)
                {
                    DnsLog.Forwarded(logger, DnsLog.Describe(query.Span).Name, client, result.Upstream, (DnsResponseCode)(result.Message![3] & 0x0F));
                }

                return result.Message.AsMemory(0, result.Length);
            }

            if (logQueries)
            {
                DnsLog.ForwardFailed(logger, DnsLog.Describe(query.Span).Name, client);
            }

            int length = responder.WriteServerFailure(query.Span, fallbackBuffer, overTcp);
            return fallbackBuffer.AsMemory(0, length);
        }
        finally
        {
            Interlocked.Decrement(ref _forwardsInFlight);
        }
    }

    private void LogQuery(IPv4Address client, bool overTcp, ReadOnlySpan<byte> query, in DnsResult result)
    {
        (string type, string name) = DnsLog.Describe(query);
        string detail = result.Truncated ? ", truncated (TC)" : result.Refusal != DnsRefusal.None ? $" ({result.Refusal})" : string.Empty;
        DnsLog.Query(logger, type, name, client, overTcp ? " (tcp)" : string.Empty, result.Outcome, result.ResponseCode, result.AnswerCount, detail);
    }

    public static IPv4Address ClientOf(EndPoint? endPoint) =>
        endPoint is IPEndPoint { Address: var address } && address.IsIPv4MappedToIPv6 ? IPv4Address.FromIPAddress(address.MapToIPv4())
        : endPoint is IPEndPoint { Address.AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork } ip ? IPv4Address.FromIPAddress(ip.Address)
        : IPv4Address.Any;
}
