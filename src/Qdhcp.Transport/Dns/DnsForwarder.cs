using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Qdhcp.Transport.Dhcp4;
using Qdhcp.Wire.Dns;

namespace Qdhcp.Transport.Dns;

/// <summary>The upstream's answer, with the client's ID restored.</summary>
/// <param name="Message">The response bytes (<see cref="Length"/> of them).</param>
/// <param name="Length">0 when no upstream answered.</param>
/// <param name="Upstream">Who answered.</param>
public readonly record struct DnsForwardResult(byte[]? Message, int Length, IPEndPoint? Upstream)
{
    public bool Answered => Message is not null && Length > 0;
}

/// <summary>
/// Forwards queries for names that are not local to the <c>--server</c> upstreams over UDP, as dnsmasq does.
/// <list type="bullet">
/// <item>Each attempt uses a fresh connected UDP socket (a random source port) and a random ID, and accepts only a
/// response from that upstream with that ID, QR set and the same question: spoofed or stray answers are ignored
/// (RFC 5452). The client's ID is put back before relaying.</item>
/// <item><c>--strict-order</c>: the upstreams are tried one after the other, in command-line order, each for
/// <see cref="Timeout"/>; one that times out, is unreachable, or answers SERVFAIL/REFUSED passes the query to the next.
/// Otherwise the query goes to all upstreams at once and the first good answer wins.</item>
/// <item>A truncated answer to a query that came over TCP is fetched again from that upstream over TCP
/// (length-prefixed, RFC 7766); over UDP the TC answer is relayed, and the client retries over TCP.</item>
/// <item>When every upstream fails, the last SERVFAIL/REFUSED answer is relayed, or nothing (the caller sends SERVFAIL).</item>
/// </list>
/// </summary>
public sealed class DnsForwarder
{
    public DnsForwarder(IReadOnlyList<IPEndPoint> upstreams, bool strictOrder, TimeSpan? timeout = null)
    {
        Upstreams = upstreams;
        StrictOrder = strictOrder;
        Timeout = timeout ?? TimeSpan.FromSeconds(2);
    }

    public IReadOnlyList<IPEndPoint> Upstreams { get; }

    public bool StrictOrder { get; }

    /// <summary>How long one upstream is waited for.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>
    /// Where the sockets to upstreams are opened; null: the calling thread's namespace. The agent forwards from the
    /// network's namespace, as dnsmasq does under Neutron (through the namespace's routes, not the host's).
    /// </summary>
    public ISocketScope? Scope { get; init; }

    private Socket OpenSocket(IPEndPoint upstream, SocketType type, ProtocolType protocol) =>
        Scope is { } scope ? scope.Run(() => new Socket(upstream.AddressFamily, type, protocol)) : new Socket(upstream.AddressFamily, type, protocol);

    /// <summary>Forwards <paramref name="query"/> (as the client sent it) and returns the upstream's answer.</summary>
    public async Task<DnsForwardResult> ForwardAsync(ReadOnlyMemory<byte> query, bool overTcp, CancellationToken cancellationToken)
    {
        if (Upstreams.Count == 0 || query.Length < DnsHeader.Length)
        {
            return default;
        }

        ushort clientId = BinaryPrimitives.ReadUInt16BigEndian(query.Span);
        DnsForwardResult fallback = default;
        if (StrictOrder || Upstreams.Count == 1)
        {
            foreach (IPEndPoint upstream in Upstreams)
            {
                DnsForwardResult result = await TryOneAsync(upstream, query, overTcp, cancellationToken).ConfigureAwait(false);
                if (result.Answered)
                {
                    if (IsGood(result))
                    {
                        return Restore(result, clientId);
                    }

                    fallback = result;
                }
            }

            return fallback.Answered ? Restore(fallback, clientId) : default;
        }

        using CancellationTokenSource race = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        List<Task<DnsForwardResult>> pending = [.. Upstreams.Select(u => TryOneAsync(u, query, overTcp, race.Token))];
        while (pending.Count > 0)
        {
            Task<DnsForwardResult> done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            DnsForwardResult result = await done.ConfigureAwait(false);
            if (result.Answered)
            {
                if (IsGood(result))
                {
                    await race.CancelAsync().ConfigureAwait(false);
                    return Restore(result, clientId);
                }

                fallback = result;
            }
        }

        return fallback.Answered ? Restore(fallback, clientId) : default;
    }

    private static bool IsGood(in DnsForwardResult result)
    {
        var code = (DnsResponseCode)(result.Message![3] & 0x0F);
        return code is not (DnsResponseCode.ServerFailure or DnsResponseCode.Refused);
    }

    private static DnsForwardResult Restore(DnsForwardResult result, ushort clientId)
    {
        BinaryPrimitives.WriteUInt16BigEndian(result.Message, clientId);
        return result;
    }

    private async Task<DnsForwardResult> TryOneAsync(IPEndPoint upstream, ReadOnlyMemory<byte> query, bool overTcp, CancellationToken cancellationToken)
    {
        byte[] request = query.ToArray();
        ushort id = (ushort)RandomNumberGenerator.GetInt32(0, 65536);
        BinaryPrimitives.WriteUInt16BigEndian(request, id);
        using CancellationTokenSource deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            using Socket socket = OpenSocket(upstream, SocketType.Dgram, ProtocolType.Udp);
            await socket.ConnectAsync(upstream, deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(request, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            byte[] buffer = new byte[DnsHeader.MaximumTcpLength];
            while (true)
            {
                int received = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (!Matches(request, buffer.AsSpan(0, received)))
                {
                    continue;
                }

                if (overTcp && (buffer[2] & (DnsHeader.TruncatedFlag >> 8)) != 0)
                {
                    return await TryTcpAsync(upstream, request, deadline.Token).ConfigureAwait(false);
                }

                return new DnsForwardResult(buffer, received, upstream);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return default;
        }
    }

    private async Task<DnsForwardResult> TryTcpAsync(IPEndPoint upstream, byte[] request, CancellationToken cancellationToken)
    {
        using Socket socket = OpenSocket(upstream, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(upstream, cancellationToken).ConfigureAwait(false);
        await using NetworkStream stream = new(socket, ownsSocket: false);
        byte[] framed = new byte[request.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)request.Length);
        request.CopyTo(framed, 2);
        await stream.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
        byte[] prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, cancellationToken).ConfigureAwait(false);
        int length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        byte[] buffer = new byte[Math.Max(length, DnsHeader.Length)];
        await stream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        return Matches(request, buffer.AsSpan(0, length)) ? new DnsForwardResult(buffer, length, upstream) : default;
    }

    /// <summary>Same ID, a response, and the same question (name compared case-insensitively, type and class exactly).</summary>
    internal static bool Matches(ReadOnlySpan<byte> request, ReadOnlySpan<byte> response)
    {
        if (response.Length < DnsHeader.Length || BinaryPrimitives.ReadUInt16BigEndian(response) != BinaryPrimitives.ReadUInt16BigEndian(request)
            || (response[2] & 0x80) == 0)
        {
            return false;
        }

        if (DnsReader.TryRead(request, out DnsReader asked) != DnsParseStatus.Ok || DnsReader.TryRead(response, out DnsReader answered) != DnsParseStatus.Ok)
        {
            // A malformed upstream answer is not relayed; a FORMERR without question is accepted only for a question-less query.
            return false;
        }

        Span<byte> a = stackalloc byte[DnsHeader.MaximumNameLength];
        Span<byte> b = stackalloc byte[DnsHeader.MaximumNameLength];
        if (!asked.TryGetFirstQuestion(a, true, out int aLength, out DnsRecordType aType, out DnsClass aClass))
        {
            return true;
        }

        return answered.TryGetFirstQuestion(b, true, out int bLength, out DnsRecordType bType, out DnsClass bClass)
            && a[..aLength].SequenceEqual(b[..bLength]) && aType == bType && aClass == bClass;
    }
}
