using System.Runtime.InteropServices;

namespace Qdhcp.Integration.Tests.Infrastructure;

/// <summary>The few libc calls the harness needs: namespaces, packet sockets, signals.</summary>
internal static partial class Native
{
    public const int CloneNewNet = 0x40000000;
    public const int AfPacket = 17;
    public const int SockRaw = 3;
    public const ushort EthPAll = 0x0003;
    public const ushort EthPIp = 0x0800;
    public const short PollIn = 0x0001;
    public const int SigKill = 9;
    public const int SigHup = 1;
    public const int SigUsr1 = 10;
    public const int SigTerm = 15;
    public const byte PacketOutgoing = 4;

    [LibraryImport("libc", SetLastError = true)]
    public static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int bind(int fd, byte* address, int addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint recvfrom(int fd, byte* buffer, nint length, int flags, byte* address, int* addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint if_nametoindex(string name);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    public static ushort HostToNetwork(ushort value) => (ushort)((value >> 8) | (value << 8));

    public static string LastError() => Marshal.GetLastPInvokeErrorMessage();
}
