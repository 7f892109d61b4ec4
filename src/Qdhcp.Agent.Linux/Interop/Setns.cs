using System.Runtime.InteropServices;

namespace Qdhcp.Agent.Linux.Interop;

internal static partial class Libc
{
    /// <summary>CLONE_NEWNET: the namespace type for setns(2).</summary>
    public const int CloneNewNet = 0x40000000;

    /// <summary>setns(2): moves the calling thread (only it) into the namespace <paramref name="fd"/> refers to.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);
}
