using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Qdhcp.Engine.Dhcp4;
using Qdhcp.Leases;
using Qdhcp.Transport.Interop;
using Qdhcp.Wire.Dhcp4;
using Qdhcp.Wire.Primitives;

namespace Qdhcp.Transport.Dhcp4;

/// <summary>
/// The receive loop of one interface: a UDP socket on 0.0.0.0:67 bound to the device (SO_BINDTODEVICE, so
/// each loop knows its interface without IP_PKTINFO), a pinned receive and send buffer and reused socket
/// addresses allocated once, then for each datagram: the engine decides, and the reply goes out as it says.
/// With a <see cref="LeaseJournal"/>, a reply that depends on a lease change is held until the change is durable:
/// the loop drains what is already queued on the socket (up to <see cref="MaxBatch"/> held replies), commits the
/// journal once for the whole batch (group commit: one write + fdatasync), then sends the held replies. Replies that
/// change no lease (OFFER, NAK, INFORM's ACK) go out at once.
/// </summary>
public sealed class Dhcp4InterfaceListener : IDisposable
{
    /// <summary>At most this many replies wait for one journal commit.</summary>
    public const int MaxBatch = 64;

    private const int ReplyCapacity = 1500 - 28;
    private readonly Dhcp4Engine _engine;
    private readonly Lock _engineGate;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LeaseJournal? _journal;
    private readonly Socket _socket;
    private readonly Lazy<RawReplySender> _raw;
    private ServerInterface _interface;

    /// <summary>Opens and binds the socket; throws <see cref="SocketException"/> when the port is taken or the device is gone.</summary>
    /// <param name="openRawSocketNow">
    /// Open the AF_PACKET socket for unicast-to-MAC replies here rather than on the first such reply. A packet
    /// socket belongs to the namespace of the thread that creates it: a listener created inside another namespace
    /// (the agent's) must open it now, on that thread; <c>qdhcp serve</c> lives in its namespace and opens it lazily.
    /// </param>
    /// <param name="journal">Where the engine's lease table journals its changes (shared by every listener of the table); null: leases are not persisted.</param>
    /// <param name="receiveBufferBytes">The socket's receive buffer (<see cref="ReceiveBuffer"/>); 0 leaves the kernel's default.</param>
    public Dhcp4InterfaceListener(ServerInterface serverInterface, Dhcp4Engine engine, Lock engineGate, TimeProvider time, ILogger logger, LeaseJournal? journal,
        bool openRawSocketNow = false, int receiveBufferBytes = 0)
    {
        _interface = serverInterface;
        _engine = engine;
        _engineGate = engineGate;
        _time = time;
        _logger = logger;
        _journal = journal;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.EnableBroadcast = true;
            ReceiveBufferBytes = receiveBufferBytes > 0 ? ReceiveBuffer.Set(_socket, receiveBufferBytes) : ReceiveBuffer.Get(_socket);
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

    /// <summary>The receive buffer the kernel gave the socket, in bytes of datagram payload and overhead.</summary>
    public int ReceiveBufferBytes { get; }

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
        byte[] replyBuffer = GC.AllocateUninitializedArray<byte>(ReplyCapacity, pinned: true);
        SocketAddress from = new(AddressFamily.InterNetwork);
        SocketAddress to = new(AddressFamily.InterNetwork);
        HeldReplies? held = _journal is null ? null : new HeldReplies();

        // Wakes the blocking receive now and then to look at the token; Dispose also ends it.
        _socket.ReceiveTimeout = 500;
        using CancellationTokenRegistration stop = cancellationToken.UnsafeRegister(static s => ((Socket)s!).Dispose(), _socket);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!TryReceive(receiveBuffer, from, cancellationToken, out int received, out bool stopped))
            {
                if (stopped)
                {
                    break;
                }

                continue;
            }

            Handle(receiveBuffer.AsSpan(0, received), replyBuffer, to, held);
            if (held is { NeedsCommit: true })
            {
                // Group commit: whatever is queued already joins this batch, so one fdatasync covers it.
                while (held.Count < MaxBatch && HasQueuedDatagram() && TryReceive(receiveBuffer, from, cancellationToken, out received, out _))
                {
                    Handle(receiveBuffer.AsSpan(0, received), replyBuffer, to, held);
                }

                CommitAndSend(held, to);
            }
        }
    }

    private bool HasQueuedDatagram()
    {
        try
        {
            return _socket.Available > 0;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return false;
        }
    }

    private bool TryReceive(byte[] receiveBuffer, SocketAddress from, CancellationToken cancellationToken, out int received, out bool stopped)
    {
        stopped = false;
        received = 0;
        try
        {
            received = _socket.ReceiveFrom(receiveBuffer, SocketFlags.None, from);
            return true;
        }
        catch (ObjectDisposedException)
        {
            stopped = true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
        {
        }
        catch (SocketException e)
        {
            if (cancellationToken.IsCancellationRequested || e.SocketErrorCode is SocketError.OperationAborted or SocketError.Shutdown or SocketError.NotSocket)
            {
                stopped = true;
            }
            else
            {
                TransportLog.ReceiveFailed(_logger, Interface.Name, e.SocketErrorCode);
            }
        }

        return false;
    }

    /// <summary>One request: the engine decides; the reply goes out now, or is held for the journal commit when it depends on a lease change.</summary>
    private void Handle(ReadOnlySpan<byte> request, byte[] replyBuffer, SocketAddress to, HeldReplies? held)
    {
        Dhcp4EngineResult result;
        ServerInterface serverInterface = Interface;
        lock (_engineGate)
        {
            result = _engine.Process(new Dhcp4RequestContext(serverInterface, _time.GetUtcNow().ToUnixTimeSeconds()), request, replyBuffer);
        }

        if (held is not null && result.LeasesChanged)
        {
            held.NeedsCommit = true;
            if (result.HasReply)
            {
                held.Add(serverInterface, result, replyBuffer.AsSpan(0, result.Length));
            }
        }
        else if (result.HasReply)
        {
            Send(serverInterface, result.Destination, replyBuffer.AsSpan(0, result.Length), to);
        }

        if (LogEachRequest)
        {
            LogRequest(serverInterface.Name, request, replyBuffer, result);
        }
    }

    /// <summary>
    /// Makes the batch's lease changes durable, then sends its replies. When the journal cannot be written, a reply
    /// for a new binding is not sent and the binding is released again (no client holds an ACK the next start would
    /// not know of); renewals of existing leases are answered anyway (their earlier lease is on disk).
    /// </summary>
    private void CommitAndSend(HeldReplies held, SocketAddress to)
    {
        bool durable = _journal!.Commit();
        for (int i = 0; i < held.Count; i++)
        {
            ref HeldReply reply = ref held[i];
            ReadOnlySpan<byte> bytes = held.Bytes(i);
            if (!durable && reply.Change == Dhcp4LeaseChange.Bound)
            {
                IPv4Address address = IPv4Address.Read(bytes[Dhcp4Header.YiaddrOffset..]);
                MacAddress mac = MacAddress.Read(bytes[Dhcp4Header.ChaddrOffset..]);
                lock (_engineGate)
                {
                    _engine.Leases.Release(address, mac);
                }

                _journal.CountRefusedBinding();
                continue;
            }

            Send(reply.Interface, reply.Destination, bytes, to);
        }

        held.Clear();
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
        catch (ObjectDisposedException)
        {
            // Stopping: the socket closed while this reply waited for the journal. The change is durable; the client
            // retransmits to whoever serves next.
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
        // An indexed loop: foreach over the IReadOnlyList boxes its enumerator, once per direct reply. The JIT's
        // profile-guided escape analysis hid that; the NativeAOT build allocated ~50 B per DORA on the direct path.
        IReadOnlyList<InterfaceAddress> addresses = serverInterface.Addresses;
        for (int i = 0; i < addresses.Count; i++)
        {
            if (addresses[i].Subnet.Contains(client))
            {
                return addresses[i].Address;
            }
        }

        return addresses.Count > 0 ? addresses[0].Address : IPv4Address.Any;
    }

    private struct HeldReply
    {
        public ServerInterface Interface;
        public ReplyDestination Destination;
        public Dhcp4LeaseChange Change;
        public int Length;
    }

    /// <summary>Replies waiting for a journal commit: their bytes in one pinned buffer, allocated once per listener.</summary>
    private sealed class HeldReplies
    {
        private readonly HeldReply[] _replies = new HeldReply[MaxBatch];
        private readonly byte[] _bytes = GC.AllocateUninitializedArray<byte>(MaxBatch * ReplyCapacity, pinned: true);

        public int Count { get; private set; }

        /// <summary>A lease changed since the last commit (with or without a reply: a RELEASE has none).</summary>
        public bool NeedsCommit { get; set; }

        public ref HeldReply this[int index] => ref _replies[index];

        public ReadOnlySpan<byte> Bytes(int index) => _bytes.AsSpan(index * ReplyCapacity, _replies[index].Length);

        public void Add(ServerInterface serverInterface, in Dhcp4EngineResult result, ReadOnlySpan<byte> reply)
        {
            reply.CopyTo(_bytes.AsSpan(Count * ReplyCapacity));
            _replies[Count] = new HeldReply { Interface = serverInterface, Destination = result.Destination, Change = result.LeaseChange, Length = reply.Length };
            Count++;
        }

        public void Clear()
        {
            Array.Clear(_replies, 0, Count);
            Count = 0;
            NeedsCommit = false;
        }
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
