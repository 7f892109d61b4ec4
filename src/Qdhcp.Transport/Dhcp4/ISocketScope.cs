namespace Qdhcp.Transport.Dhcp4;

/// <summary>
/// Where a server's sockets are created and its interfaces looked up: the process's own network namespace
/// (<c>qdhcp serve</c>, started inside it by <c>ip netns exec</c>), or another one (the agent, which serves every
/// network from one process). A socket belongs for life to the namespace it was created in, whichever thread
/// uses it later, so only creation and interface lookups have to run there.
/// </summary>
public interface ISocketScope
{
    /// <summary>
    /// Runs <paramref name="action"/> inside the scope's namespace, synchronously, and returns its result. The
    /// action must not await: a namespace belongs to a thread, and a continuation may run on another.
    /// </summary>
    T Run<T>(Func<T> action);
}
