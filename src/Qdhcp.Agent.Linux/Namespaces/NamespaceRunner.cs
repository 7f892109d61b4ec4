using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Qdhcp.Agent.Linux.Interop;
using Qdhcp.Transport.Dhcp4;

namespace Qdhcp.Agent.Linux.Namespaces;

/// <summary>
/// Runs code inside a named network namespace (<c>ip netns add NAME</c>, the bind mount
/// <c>/var/run/netns/NAME</c>): a dedicated new thread calls setns(2) on a handle of that file, runs the code and
/// ends, so no pooled thread ever changes namespace and the rest of the process stays in the root namespace.
/// Sockets made there stay in the namespace for their whole life, whichever thread uses them afterwards.
/// </summary>
/// <remarks>
/// The code must be synchronous: never await between setns and the socket's creation (an await may resume on a
/// pool thread in another namespace; Go's netns libraries warn the same about LockOSThread).
/// </remarks>
public static class NamespaceRunner
{
    /// <summary>Where <c>ip netns</c> keeps its bind mounts.</summary>
    public const string NetnsDirectory = "/var/run/netns";

    /// <summary>Runs <paramref name="action"/> in namespace <paramref name="netnsName"/> and returns its result (or rethrows its exception).</summary>
    /// <exception cref="IOException">The namespace does not exist or cannot be entered.</exception>
    public static T Run<T>(string netnsName, Func<T> action)
    {
        ArgumentException.ThrowIfNullOrEmpty(netnsName);
        if (netnsName.Contains('/') || netnsName is "." or "..")
        {
            throw new ArgumentException($"not a namespace name: {netnsName}", nameof(netnsName));
        }

        T result = default!;
        Exception? error = null;
        Thread thread = new(() =>
        {
            try
            {
                using SafeFileHandle handle = File.OpenHandle(Path.Combine(NetnsDirectory, netnsName), FileMode.Open, FileAccess.Read);
                if (Libc.setns((int)handle.DangerousGetHandle(), Libc.CloneNewNet) != 0)
                {
                    throw new IOException($"setns({netnsName}): {Marshal.GetLastPInvokeErrorMessage()}");
                }

                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        }, maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = "netns " + netnsName,
        };
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        return result;
    }

    /// <summary>Runs <paramref name="action"/> in namespace <paramref name="netnsName"/>.</summary>
    public static void Run(string netnsName, Action action) => Run(netnsName, () =>
    {
        action();
        return true;
    });
}

/// <summary>The transport's <see cref="ISocketScope"/> for a named namespace: sockets and interface reads happen there.</summary>
public sealed class NamespaceSocketScope(string netnsName) : ISocketScope
{
    public string NetnsName { get; } = netnsName;

    public T Run<T>(Func<T> action) => NamespaceRunner.Run(NetnsName, action);
}
