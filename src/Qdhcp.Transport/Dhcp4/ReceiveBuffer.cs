using System.Net.Sockets;
using System.Runtime.InteropServices;
using Qdhcp.Transport.Interop;

namespace Qdhcp.Transport.Dhcp4;

/// <summary>
/// Sizes a DHCP socket's receive buffer. The kernel's default (net.core.rmem_default, 208 KiB) holds about 160
/// queued requests, because each datagram is charged its whole buffer (1,280 bytes for a 300-byte DHCP request on a
/// veth, measured), not its payload: at 20,000 requests/s that is 8 ms. Any longer stall of the receive thread (a
/// garbage collection, the scheduler giving the core to another process, a reload) then loses requests, and the
/// clients wait seconds to retransmit (RFC 2131 §4.1). 4 MiB (the kernel doubles it for its bookkeeping, socket(7))
/// holds about 6,500, a third of a second; it costs memory only while requests are queued.
/// </summary>
public static class ReceiveBuffer
{
    /// <summary>The default: 4 MiB.</summary>
    public const int DefaultBytes = 4 << 20;

    /// <summary>
    /// Asks for <paramref name="bytes"/>: with SO_RCVBUFFORCE when the process may (CAP_NET_ADMIN, root), else with
    /// SO_RCVBUF, which the kernel caps at net.core.rmem_max. Returns what the socket got.
    /// </summary>
    public static int Set(Socket socket, int bytes)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        MemoryMarshal.Write(value, in bytes);
        try
        {
            socket.SetRawSocketOption(Libc.SolSocket, Libc.SoRcvBufForce, value);
        }
        catch (SocketException)
        {
            socket.SetRawSocketOption(Libc.SolSocket, Libc.SoRcvBuf, value);
        }

        return Get(socket);
    }

    /// <summary>
    /// The socket's receive buffer as asked for: the kernel doubles the value set (the other half is its own
    /// bookkeeping, socket(7)) and reports the doubled value, so this halves it.
    /// </summary>
    public static int Get(Socket socket)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        socket.GetRawSocketOption(Libc.SolSocket, Libc.SoRcvBuf, value);
        return MemoryMarshal.Read<int>(value) / 2;
    }
}
