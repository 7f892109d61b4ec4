using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Qdhcp.Dns;
using Qdhcp.Wire.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Transport.Dns;

/// <summary>
/// DNS over TCP on one interface address (RFC 1035 §4.2.2, RFC 7766): each message has a 2-byte length prefix; a
/// connection may carry several queries, answered in order; it is closed after <see cref="IdleTimeout"/> without a
/// query, or on a malformed frame. Connections beyond <see cref="MaximumConnections"/> are closed at once.
/// </summary>
internal sealed class DnsTcpListener : IDisposable
{
    public const int MaximumConnections = 64;
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly DnsQueryHandler _handler;
    private int _connections;

    public DnsTcpListener(IPv4Address address, int port, DnsQueryHandler handler)
    {
        _handler = handler;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.Bind(new IPEndPoint(address.ToIPAddress(), port));
            _socket.Listen(MaximumConnections);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                continue;
            }

            if (Interlocked.Increment(ref _connections) > MaximumConnections)
            {
                Interlocked.Decrement(ref _connections);
                connection.Dispose();
                continue;
            }

            _ = ServeAsync(connection, cancellationToken);
        }
    }

    private async Task ServeAsync(Socket connection, CancellationToken cancellationToken)
    {
        byte[] query = ArrayPool<byte>.Shared.Rent(DnsHeader.MaximumTcpLength);
        byte[] response = ArrayPool<byte>.Shared.Rent(DnsHeader.MaximumTcpLength + 2);
        try
        {
            await using NetworkStream stream = new(connection, ownsSocket: true);
            IPv4Address client = DnsQueryHandler.ClientOf(connection.RemoteEndPoint);
            while (!cancellationToken.IsCancellationRequested)
            {
                using CancellationTokenSource idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(IdleTimeout);
                int read = await stream.ReadAtLeastAsync(query.AsMemory(0, 2), 2, throwOnEndOfStream: false, idle.Token).ConfigureAwait(false);
                if (read < 2)
                {
                    return;
                }

                int length = BinaryPrimitives.ReadUInt16BigEndian(query);
                if (length < DnsHeader.Length)
                {
                    return;
                }

                await stream.ReadExactlyAsync(query.AsMemory(0, length), idle.Token).ConfigureAwait(false);
                DnsResult result = _handler.Process(client, overTcp: true, query.AsSpan(0, length), response.AsSpan(2, DnsHeader.MaximumTcpLength));
                ReadOnlyMemory<byte> answer = ReadOnlyMemory<byte>.Empty;
                if (result.Action == DnsAction.Reply)
                {
                    answer = response.AsMemory(2, result.Length);
                }
                else if (result.Action == DnsAction.Forward)
                {
                    byte[] fallback = new byte[DnsHeader.ClassicUdpLimit];
                    answer = await _handler.ForwardAsync(client, overTcp: true, query.AsMemory(0, length).ToArray(), fallback, cancellationToken).ConfigureAwait(false);
                }

                if (answer.IsEmpty)
                {
                    continue;
                }

                BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)answer.Length);
                if (!answer.Equals(response.AsMemory(2, answer.Length)))
                {
                    answer.CopyTo(response.AsMemory(2));
                }

                await stream.WriteAsync(response.AsMemory(0, answer.Length + 2), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
            ArrayPool<byte>.Shared.Return(query);
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    public void Dispose() => _socket.Dispose();
}
