using System.Runtime.InteropServices;

namespace Qdhcp.Transport.Interop;

/// <summary>The few libc entry points .NET does not wrap: process sessions, fd plumbing and namespaces.</summary>
public static partial class Libc
{
    /// <summary>SOL_SOCKET level for <see cref="System.Net.Sockets.Socket.SetRawSocketOption"/>.</summary>
    public const int SolSocket = 1;

    /// <summary>SO_BINDTODEVICE: the socket only sees and sends traffic of one interface (socket(7)).</summary>
    public const int SoBindToDevice = 25;

    /// <summary>SO_RCVBUF: the socket's receive buffer, capped by net.core.rmem_max (socket(7)).</summary>
    public const int SoRcvBuf = 8;

    /// <summary>SO_RCVBUFFORCE: SO_RCVBUF past net.core.rmem_max, for a process with CAP_NET_ADMIN (socket(7)).</summary>
    public const int SoRcvBufForce = 33;

    /// <summary>ETH_P_IP, the EtherType of IPv4.</summary>
    public const ushort EthernetTypeIPv4 = 0x0800;

    /// <summary>CLONE_NEWNET for setns(2).</summary>
    public const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int dup2(int oldFd, int newFd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int geteuid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    /// <summary>PRIO_PROCESS for <see cref="setpriority"/>: on Linux, with a thread id as <c>who</c>, it sets that thread's nice value.</summary>
    public const int PrioProcess = 0;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setpriority(int which, int who, int prio);

    [LibraryImport("libc")]
    public static partial int gettid();

    /// <summary>CLOCK_THREAD_CPUTIME_ID: the calling thread's CPU time.</summary>
    public const int ClockThreadCpuTime = 3;

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc")]
    public static partial int clock_gettime(int clock, out Timespec time);
}
