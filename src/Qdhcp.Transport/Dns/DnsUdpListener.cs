using System.Net;
using System.Net.Sockets;
using Qdhcp.Dns;
using Qdhcp.Wire.Dns;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Transport.Dns;

/// <summary>
/// One UDP socket on one interface address and the DNS port, and its receive loop: pinned buffers and one reused
/// <see cref="SocketAddress"/> allocated once; per datagram the responder decides synchronously and the reply goes
/// back from the same socket (so its source is the address the client asked). Forwarding runs off the loop.
/// </summary>
internal sealed class DnsUdpListener : IDisposable
{
    // EDNS payloads above 4096 are clamped: answers for local names are far smaller, forwarded ones come as they are.
    private const int BufferSize = 4096;
    private readonly Socket _socket;
    private readonly DnsQueryHandler _handler;
    private readonly IPv4Address _address;

    /// <summary>Binds; throws <see cref="SocketException"/> when the address or port is not available.</summary>
    public DnsUdpListener(IPv4Address address, int port, DnsQueryHandler handler)
    {
        _address = address;
        _handler = handler;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.Bind(new IPEndPoint(address.ToIPAddress(), port));
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <summary>The bound port (differs from the asked one only when 0 was asked, in tests).</summary>
    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        byte[] receiveBuffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        byte[] responseBuffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        SocketAddress from = new(AddressFamily.InterNetwork);
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(receiveBuffer, SocketFlags.None, from, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                DnsLog.ReceiveFailed(_handler.Logger, _address, e.SocketErrorCode);
                continue;
            }

            // sockaddr_in: family(2) port(2) address(4), network order.
            IPv4Address client = IPv4Address.Read(from.Buffer.Span[4..]);
            DnsResult result = _handler.Process(client, overTcp: false, receiveBuffer.AsSpan(0, received), responseBuffer);
            if (result.Action == DnsAction.Reply)
            {
                Send(responseBuffer.AsSpan(0, result.Length), from, client);
            }
            else if (result.Action == DnsAction.Forward)
            {
                SocketAddress replyTo = new(AddressFamily.InterNetwork);
                from.Buffer.Span.CopyTo(replyTo.Buffer.Span);
                _ = ForwardAsync(receiveBuffer.AsSpan(0, received).ToArray(), replyTo, client, cancellationToken);
            }
        }
    }

    private async Task ForwardAsync(byte[] query, SocketAddress replyTo, IPv4Address client, CancellationToken cancellationToken)
    {
        try
        {
            byte[] fallback = new byte[DnsHeader.ClassicUdpLimit];
            ReadOnlyMemory<byte> answer = await _handler.ForwardAsync(client, overTcp: false, query, fallback, cancellationToken).ConfigureAwait(false);
            if (!answer.IsEmpty)
            {
                Send(answer.Span, replyTo, client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private void Send(ReadOnlySpan<byte> message, SocketAddress to, IPv4Address client)
    {
        try
        {
            _socket.SendTo(message, SocketFlags.None, to);
        }
        catch (SocketException e)
        {
            DnsLog.SendFailed(_handler.Logger, client, e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose() => _socket.Dispose();
}
