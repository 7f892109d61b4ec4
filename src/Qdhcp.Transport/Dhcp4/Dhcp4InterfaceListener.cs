using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Transport.Interop;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Transport.Dhcp4;

/// <summary>
/// The receive loop of one interface: a UDP socket on 0.0.0.0:67 bound to the device (SO_BINDTODEVICE, so
/// each loop knows its interface without IP_PKTINFO), a pinned receive and send buffer and reused socket
/// addresses allocated once, then for each datagram: the engine decides, and the reply goes out as it says.
/// </summary>
public sealed class Dhcp4InterfaceListener : IDisposable
{
    private readonly Dhcp4Engine _engine;
    private readonly Lock _engineGate;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action? _leasesChanged;
    private readonly Socket _socket;
    private readonly Lazy<RawReplySender> _raw;
    private ServerInterface _interface;

    /// <summary>Opens and binds the socket; throws <see cref="SocketException"/> when the port is taken or the device is gone.</summary>
    /// <param name="openRawSocketNow">
    /// Open the AF_PACKET socket for unicast-to-MAC replies here rather than on the first such reply. A packet
    /// socket belongs to the namespace of the thread that creates it: a listener created inside another namespace
    /// (the agent's) must open it now, on that thread; <c>qdhcp serve</c> lives in its namespace and opens it lazily.
    /// </param>
    public Dhcp4InterfaceListener(ServerInterface serverInterface, Dhcp4Engine engine, Lock engineGate, TimeProvider time, ILogger logger, Action? leasesChanged, bool openRawSocketNow = false)
    {
        _interface = serverInterface;
        _engine = engine;
        _engineGate = engineGate;
        _time = time;
        _logger = logger;
        _leasesChanged = leasesChanged;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.EnableBroadcast = true;
            _socket.SetRawSocketOption(Libc.SolSocket, Libc.SoBindToDevice, Encoding.ASCII.GetBytes(serverInterface.Name + "\0"));
            _socket.Bind(new IPEndPoint(IPAddress.Any, Dhcp4Header.ServerPort));
            int index = serverInterface.Index;
            if (openRawSocketNow)
            {
                RawReplySender raw = new(index);
                _raw = new Lazy<RawReplySender>(() => raw);
                _ = _raw.Value;
            }
            else
            {
                _raw = new Lazy<RawReplySender>(() => new RawReplySender(index));
            }
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <summary><c>--log-dhcp</c>: one log line per request. Off by default; the packet path logs nothing then.</summary>
    public bool LogEachRequest { get; init; }

    /// <summary>The interface as last seen; replaced when its addresses change.</summary>
    public ServerInterface Interface
    {
        get => Volatile.Read(ref _interface);
        set => Volatile.Write(ref _interface, value);
    }

    /// <summary>
    /// Serves the interface until cancelled or disposed. The loop runs on a thread of its own with blocking
    /// <c>recvfrom</c>: one wake-up per datagram, where the async socket path costs an epoll wake-up plus a
    /// thread-pool hop (about half the server's CPU per request at moderate rates, measured with bench/run.sh).
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Thread thread = new(() =>
        {
            try
            {
                Run(cancellationToken);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "dhcp4 " + Interface.Name,
        };
        thread.Start();
        return done.Task;
    }

    private void Run(CancellationToken cancellationToken)
    {
        byte[] receiveBuffer = GC.AllocateUninitializedArray<byte>(4096, pinned: true);
        byte[] replyBuffer = GC.AllocateUninitializedArray<byte>(1500 - 28, pinned: true);
        SocketAddress from = new(AddressFamily.InterNetwork);
        SocketAddress to = new(AddressFamily.InterNetwork);

        // Wakes the blocking receive now and then to look at the token; Dispose also ends it.
        _socket.ReceiveTimeout = 500;
        using CancellationTokenRegistration stop = cancellationToken.UnsafeRegister(static s => ((Socket)s!).Dispose(), _socket);
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(receiveBuffer, SocketFlags.None, from);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                continue;
            }
            catch (SocketException e)
            {
                if (cancellationToken.IsCancellationRequested || e.SocketErrorCode is SocketError.OperationAborted or SocketError.Shutdown or SocketError.NotSocket)
                {
                    break;
                }

                TransportLog.ReceiveFailed(_logger, Interface.Name, e.SocketErrorCode);
                continue;
            }

            Dhcp4EngineResult result;
            ServerInterface serverInterface = Interface;
            lock (_engineGate)
            {
                result = _engine.Process(new Dhcp4RequestContext(serverInterface, _time.GetUtcNow().ToUnixTimeSeconds()), receiveBuffer.AsSpan(0, received), replyBuffer);
            }

            if (result.HasReply)
            {
                Send(serverInterface, result.Destination, replyBuffer.AsSpan(0, result.Length), to);
            }

            if (LogEachRequest)
            {
                LogRequest(serverInterface.Name, receiveBuffer.AsSpan(0, received), replyBuffer, result);
            }

            if (result.LeasesChanged)
            {
                _leasesChanged?.Invoke();
            }
        }
    }

    private void Send(ServerInterface serverInterface, in ReplyDestination destination, ReadOnlySpan<byte> reply, SocketAddress to)
    {
        try
        {
            if (destination.Kind == ReplyDestinationKind.UnicastToHardware)
            {
                _raw.Value.Send(reply, SourceAddressFor(serverInterface, destination.Address), destination);
                return;
            }

            // sockaddr_in: family (set by SocketAddress), port and address in network order.
            Span<byte> address = to.Buffer.Span;
            BinaryPrimitives.WriteUInt16BigEndian(address[2..], destination.Port);
            destination.Address.Write(address[4..]);
            _socket.SendTo(reply, SocketFlags.None, to);
        }
        catch (SocketException e)
        {
            TransportLog.SendFailed(_logger, serverInterface.Name, destination.Kind, destination.Address, e.SocketErrorCode);
        }
    }

    private void LogRequest(string interfaceName, ReadOnlySpan<byte> request, ReadOnlySpan<byte> reply, in Dhcp4EngineResult result)
    {
        MacAddress mac = request.Length >= Dhcp4Header.ChaddrOffset + MacAddress.Length ? MacAddress.Read(request[Dhcp4Header.ChaddrOffset..]) : default;
        if (result.HasReply)
        {
            IPv4Address yiaddr = IPv4Address.Read(reply[Dhcp4Header.YiaddrOffset..]);
            TransportLog.Answered(_logger, interfaceName, result.RequestType, mac, result.ReplyType, yiaddr, result.Destination.Kind, result.Destination.Address);
        }
        else
        {
            TransportLog.NotAnswered(_logger, interfaceName, result.RequestType, mac, result.DropReason);
        }
    }

    /// <summary>The interface address in the client's subnet, else its first address: the source of a raw reply.</summary>
    private static IPv4Address SourceAddressFor(ServerInterface serverInterface, IPv4Address client)
    {
        foreach (InterfaceAddress own in serverInterface.Addresses)
        {
            if (own.Subnet.Contains(client))
            {
                return own.Address;
            }
        }

        return serverInterface.Addresses.Count > 0 ? serverInterface.Addresses[0].Address : IPv4Address.Any;
    }

    public void Dispose()
    {
        _socket.Dispose();
        if (_raw.IsValueCreated)
        {
            _raw.Value.Dispose();
        }
    }
}
